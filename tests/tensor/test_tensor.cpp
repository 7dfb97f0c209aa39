#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <omp.h>

#include "tensor/ops.h"
#include "tensor/random.h"

using namespace fb;

namespace {
std::vector<double> vals(const Tensor& t) { return t.to_vector<double>(); }
Tensor iota(const Shape& s) { return arange(shape_numel(s), DType::f64).reshape(s); }
}  // namespace

TEST_CASE("views share storage and index correctly") {
  Tensor a = iota({2, 3, 4});
  CHECK(a.is_contiguous());
  Tensor t = a.transpose(0, 2);  // [4, 3, 2]
  CHECK(t.shape() == Shape{4, 3, 2});
  CHECK(!t.is_contiguous());
  // element [i,j,k] of t is a[k,j,i] = k*12 + j*4 + i
  auto v = vals(t);
  CHECK(v[(1 * 3 + 2) * 2 + 1] == doctest::Approx(1 * 12 + 2 * 4 + 1));
  Tensor s = a.slice(2, 1, 4, 2);  // k in {1, 3}
  CHECK(vals(s) == std::vector<double>{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23});
  CHECK(vals(a.select(1, 2)) == std::vector<double>{8, 9, 10, 11, 20, 21, 22, 23});
  fill_(s, -1.0);  // writes through to a
  CHECK(vals(a)[1] == -1.0);
  CHECK(vals(a)[0] == 0.0);
}

TEST_CASE("reshape views when possible and copies when not") {
  Tensor a = iota({4, 6});
  Tensor r = a.reshape({2, 12});
  CHECK(r.storage() == a.storage());
  Tensor t = a.transpose(0, 1);  // [6, 4] non-contiguous
  Tensor r2 = t.reshape({24});
  CHECK(r2.storage() != a.storage());
  CHECK(vals(r2)[1] == 6.0);  // t[0,1] = a[1,0]
  CHECK_THROWS_WITH_AS(t.view({24}), doctest::Contains("without a copy"), fb::Error);
  CHECK(a.reshape({-1, 3}).shape() == Shape{8, 3});
  CHECK_THROWS_WITH_AS(a.reshape({5, -1}), doctest::Contains("cannot infer"), fb::Error);
  // Viewing a transposed tensor by splitting a dim is possible without a copy.
  Tensor v = t.view({3, 2, 4});
  CHECK(v.storage() == a.storage());
  CHECK(ops::max_abs_diff(v.contiguous().reshape({6, 4}), t) == 0.0);
}

TEST_CASE("broadcasting binary ops") {
  Tensor a = iota({2, 3});
  Tensor b = from_vector<double>({10, 20, 30}, {3});
  CHECK(vals(ops::add(a, b)) == std::vector<double>{10, 21, 32, 13, 24, 35});
  Tensor c = from_vector<double>({2, 3}, {2, 1});
  CHECK(vals(ops::mul(a, c)) == std::vector<double>{0, 2, 4, 9, 12, 15});
  CHECK(ops::add(iota({3, 1}), iota({1, 4})).shape() == Shape{3, 4});
  CHECK_THROWS_WITH_AS(ops::add(iota({2, 3}), iota({4})), doctest::Contains("[2, 3] and [4] cannot be broadcast"),
                       fb::Error);
  CHECK_THROWS_WITH_AS(ops::add(iota({2}), iota({2}).to(DType::f32)), doctest::Contains("dtypes differ"), fb::Error);
}

TEST_CASE("reductions") {
  Tensor a = iota({2, 3, 4});
  CHECK(ops::sum(a).item() == doctest::Approx(276));
  CHECK(vals(ops::sum(a, {0, 2})) == std::vector<double>{60, 92, 124});
  CHECK(ops::sum(a, {1}, true).shape() == Shape{2, 1, 4});
  CHECK(vals(ops::mean(a, {-1})) == std::vector<double>{1.5, 5.5, 9.5, 13.5, 17.5, 21.5});
  Tensor m = from_vector<float>({1, 7, 3, 9, 2, 8}, {2, 3});
  CHECK(vals(ops::amax(m, 1)) == std::vector<double>{7, 9});
  CHECK(m.dtype() == DType::f32);
  CHECK(ops::argmax(m, 1).to_vector<int64_t>() == std::vector<int64_t>{1, 0});
  CHECK(ops::argmax(m, 0).to_vector<int64_t>() == std::vector<int64_t>{1, 0, 1});
  // Reductions of a non-contiguous view.
  CHECK(vals(ops::sum(a.transpose(0, 2), {2})) == vals(ops::sum(a, {0}).transpose(0, 1)));
  CHECK(vals(ops::sum_to(ones({2, 3, 4}, DType::f64), {3, 1})) == std::vector<double>{8, 8, 8});
}

TEST_CASE("indexing, concat and split") {
  Tensor a = iota({3, 2});
  Tensor idx = from_vector<int64_t>({2, 0, 2}, {3});
  CHECK(vals(ops::index_select(a, 0, idx)) == std::vector<double>{4, 5, 0, 1, 4, 5});
  Tensor g = ops::gather(a, 1, from_vector<int64_t>({1, 0, 1}, {3, 1}));
  CHECK(vals(g) == std::vector<double>{1, 2, 5});
  CHECK_THROWS_WITH_AS(ops::index_select(a, 0, from_vector<int64_t>({3}, {1})), doctest::Contains("out of range"),
                       fb::Error);
  Tensor c = ops::cat({a, iota({1, 2})}, 0);
  CHECK(c.shape() == Shape{4, 2});
  CHECK(vals(c)[6] == 0.0);
  auto parts = ops::split(c, {1, 3}, 0);
  CHECK(parts[1].shape() == Shape{3, 2});
  CHECK(vals(parts[1])[0] == 2.0);
  CHECK(vals(ops::one_hot(from_vector<int64_t>({2, 0}, {2}), 3)) == std::vector<double>{0, 0, 1, 1, 0, 0});
}

TEST_CASE("dtype conversion including bf16 rounding") {
  Tensor f = from_vector<float>({1.0f, 3.14159f, -2.5e-3f, 65504.f}, {4});
  Tensor b = f.to(DType::bf16);
  CHECK(b.dtype() == DType::bf16);
  auto back = b.to_vector<float>();
  for (int i = 0; i < 4; ++i) CHECK(std::fabs(back[i] - f.to_vector<float>()[i]) <= std::fabs(f.to_vector<float>()[i]) / 128);
  CHECK(back[0] == 1.0f);
  CHECK(static_cast<float>(bf16(1.00390625f)) == 1.0f);       // halfway: rounds to even
  CHECK(static_cast<float>(bf16(1.01171875f)) == 1.015625f);  // halfway: rounds to even (up)
  CHECK(std::isnan(static_cast<float>(bf16(NAN))));
  CHECK(f.to(DType::i64).to_vector<int64_t>() == std::vector<int64_t>{1, 3, 0, 65504});
}

TEST_CASE("Philox RNG: reproducible, independent of threads, well distributed") {
  // Known-answer check: Philox4x32-10 with counter 0 and key 0.
  auto w = philox4x32(0, 0, 0);
  CHECK(w[0] == 0x6627e8d5u);
  CHECK(w[1] == 0xe169c58du);
  CHECK(w[2] == 0xbc57ac4cu);
  CHECK(w[3] == 0x9b00dbd8u);
  Generator g1(42), g2(42);
  int threads = omp_get_max_threads();
  Tensor a = randn({300001}, g1, DType::f64);
  omp_set_num_threads(1);
  Tensor b = randn({300001}, g2, DType::f64);
  omp_set_num_threads(threads);
  CHECK(ops::max_abs_diff(a, b) == 0.0);
  double m = ops::mean(a).item();
  double var = ops::mean(ops::mul(a, a)).item() - m * m;
  CHECK(std::fabs(m) < 0.01);
  CHECK(std::fabs(var - 1.0) < 0.01);
  Tensor u = rand({100000}, g1, DType::f64);
  CHECK(ops::amax(u, 0).item() < 1.0);
  CHECK(std::fabs(ops::mean(u).item() - 0.5) < 0.01);
  Tensor p = randperm(10, g1);
  auto pv = p.to_vector<int64_t>();
  std::sort(pv.begin(), pv.end());
  for (int64_t i = 0; i < 10; ++i) CHECK(pv[i] == i);
}

TEST_CASE("clear errors on misuse") {
  Tensor a = iota({2, 3});
  CHECK_THROWS_WITH_AS(a.data<float>(), doctest::Contains("dtype f64, accessed as f32"), fb::Error);
  CHECK_THROWS_WITH_AS(a.size(2), doctest::Contains("out of range"), fb::Error);
  CHECK_THROWS_WITH_AS(a.permute({0, 0}), doctest::Contains("repeated"), fb::Error);
  CHECK_THROWS_WITH_AS(a.expand({4, 3}), doctest::Contains("cannot expand"), fb::Error);
  CHECK_THROWS_WITH_AS(a.item(), doctest::Contains("6 elements"), fb::Error);
  CHECK_THROWS_WITH_AS(Tensor().shape(), doctest::Contains("undefined"), fb::Error);
  CHECK_THROWS_WITH_AS(ops::exp(arange(3)), doctest::Contains("floating-point"), fb::Error);
  CHECK_THROWS_WITH_AS(a.to(Device::cuda()), doctest::Contains("CUDA"), fb::Error);
}
