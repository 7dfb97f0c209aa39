// The tensor operations of tensor/ops.h on CUDA tensors against the same
// operations on the CPU: every op, every dtype it supports, odd, empty,
// one-element and large shapes, broadcasting in every position, transposed,
// step-sliced and expanded inputs. Integer, comparison, selection and index
// results must be identical; floating elementwise results within 1e-6
// (relative, f32), reductions within 1e-5. Ends with forward + backward of
// small networks on the GPU against the CPU.
#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "autograd/engine.h"
#include "cuda_test_util.h"
#include "kernels/kernel_test_util.h"  // error_of
#include "nn/functional.h"
#include "nn/layers.h"
#include "nn/module.h"

using namespace fb;
using fb::kernel_test::error_of;
using fbtest::gpu;

namespace {

const std::vector<DType> kArith = {DType::f32, DType::f64, DType::i32, DType::i64};
const std::vector<DType> kFloat = {DType::f32, DType::f64};
const std::vector<DType> kAll = {DType::f32, DType::f64, DType::bf16, DType::i32, DType::i64, DType::u8};

// Floats uniform in [lo, hi); integers uniform in [25 lo, 25 hi) (truncated),
// so that small ranges give ties for argmax and maximum.
Tensor random(const Shape& s, DType dt, Generator& gen, double lo = -2.0, double hi = 2.0) {
  if (dt == DType::f32 || dt == DType::f64) return uniform(s, lo, hi, gen, dt);
  return uniform(s, 25 * lo, 25 * hi, gen, DType::f64).to(dt);
}

// Tolerance of elementwise results: exact for integers, 1e-6 (f32) / 1e-12 (f64).
double elementwise_tol(DType dt) { return dt == DType::f32 ? 1e-6 : dt == DType::f64 ? 1e-12 : 0.0; }
double reduction_tol(DType dt) { return dt == DType::f32 ? 1e-5 : dt == DType::f64 ? 1e-12 : 0.0; }

// A CUDA result against the CPU's: device, dtype, shape, layout and values
// (exact when tol is 0, else ||got - want|| / ||want|| <= tol).
void expect_match(const Tensor& got, const Tensor& want, double tol) {
  REQUIRE(got.defined());
  CHECK(got.device().is_cuda());
  CHECK(got.dtype() == want.dtype());
  REQUIRE(got.shape() == want.shape());
  Tensor host = got.to(Device::cpu());
  if (tol == 0.0)
    CHECK(ops::max_abs_diff(host, want) == 0.0);
  else
    CHECK(ops::rel_error(host, want) <= tol);
}

// The same logical operand in several layouts, as (cpu, cuda) pairs: dense,
// transposed (last two dims), every other row of a larger tensor (dim 0), and
// expanded from size 1 along dim 0 (stride 0).
struct Operand {
  const char* layout;
  Tensor cpu, cuda;
};
std::vector<Operand> layouts(const Shape& s, DType dt, Generator& gen, double lo = -2.0, double hi = 2.0) {
  std::vector<Operand> out;
  auto add = [&](const char* name, const Shape& base_shape, const std::function<Tensor(const Tensor&)>& view) {
    Tensor base = random(base_shape, dt, gen, lo, hi);
    out.push_back({name, view(base), view(gpu(base))});
  };
  add("dense", s, [](const Tensor& t) { return t; });
  if (s.size() >= 2) {
    Shape b = s;
    std::swap(b[b.size() - 1], b[b.size() - 2]);
    add("transposed", b, [](const Tensor& t) { return t.transpose(-1, -2); });
  }
  if (!s.empty()) {
    Shape b = s;
    b[0] = 2 * s[0] + 1;
    add("step-sliced", b, [](const Tensor& t) { return t.slice(0, 1, t.size(0), 2); });
    if (s[0] > 1) {
      Shape one = s;
      one[0] = 1;
      add("expanded", one, [s](const Tensor& t) { return t.expand(s); });
    }
  }
  return out;
}

const std::vector<Shape> kUnaryShapes = {{}, {0}, {1}, {33, 17}, {3, 1, 5, 2}, {2, 0, 3}, {(1 << 20) + 5}};

}  // namespace

// ---------------------------------------------------------------- creation and in-place

TEST_CASE("cuda tensor ops: full, zeros, ones, zeros_like on the device in every dtype") {
  FB_SKIP_WITHOUT_CUDA();
  for (DType dt : kAll)
    for (Shape s : {Shape{}, Shape{0}, Shape{1}, Shape{7, 3}, Shape{(1 << 20) + 3}}) {
      CAPTURE(dtype_name(dt));
      CAPTURE(shape_str(s));
      expect_match(full(s, 2.75, dt, Device::cuda()), full(s, 2.75, dt), 0.0);
      expect_match(zeros(s, dt, Device::cuda()), zeros(s, dt), 0.0);
      expect_match(ones(s, dt, Device::cuda()), ones(s, dt), 0.0);
      Tensor z = zeros_like(ones(s, dt, Device::cuda()));
      expect_match(z, zeros(s, dt), 0.0);
    }
  // Negative and fractional values convert as on the CPU (truncation for
  // integers; not u8, for which a negative value is undefined in C++).
  for (DType dt : {DType::f32, DType::f64, DType::bf16, DType::i32, DType::i64})
    expect_match(full({5}, -3.5, dt, Device::cuda()), full({5}, -3.5, dt), 0.0);
}

TEST_CASE("cuda tensor ops: fill_ on strided views writes only the view") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(101);
  for (DType dt : kAll) {
    CAPTURE(dtype_name(dt));
    Tensor c = random({6, 9, 5}, DType::f64, gen, 0.0, 4.0).to(dt), g = gpu(c);  // >= 0: valid u8 too
    const uint64_t v0 = g.version();
    fill_(g.slice(1, 1, 9, 3).transpose(0, 2), 1.5);
    fill_(c.slice(1, 1, 9, 3).transpose(0, 2), 1.5);
    CHECK(g.version() > v0);
    expect_match(g, c, 0.0);
    fill_(g.select(0, 2), 7.0);
    fill_(c.select(0, 2), 7.0);
    expect_match(g, c, 0.0);
  }
}

TEST_CASE("cuda tensor ops: add_ and mul_ on strided views, with a broadcast source") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(102);
  for (DType dt : kFloat) {
    CAPTURE(dtype_name(dt));
    for (Shape src_shape : {Shape{4, 7}, Shape{7}, Shape{4, 1}, Shape{}, Shape{1, 1}}) {
      CAPTURE(shape_str(src_shape));
      Tensor c = random({7, 9}, dt, gen), g = gpu(c);
      Tensor src = random(src_shape, dt, gen);
      add_(c.slice(1, 1, 9, 2).transpose(0, 1), src, -0.75);  // a [4, 7] view
      add_(g.slice(1, 1, 9, 2).transpose(0, 1), gpu(src), -0.75);
      expect_match(g, c, elementwise_tol(dt));
      mul_(c.slice(0, 0, 7, 3), 1.25);
      mul_(g.slice(0, 0, 7, 3), 1.25);
      expect_match(g, c, elementwise_tol(dt));
    }
    // An expanded (stride-0) source, an empty and a large destination.
    Tensor c = random({5, 6}, dt, gen), g = gpu(c), row = random({1, 6}, dt, gen);
    add_(c, row.expand({5, 6}), 2.0);
    add_(g, gpu(row).expand({5, 6}), 2.0);
    expect_match(g, c, elementwise_tol(dt));
    Tensor e = zeros({0, 3}, dt, Device::cuda());
    add_(e, zeros({3}, dt, Device::cuda()));
    mul_(e, 2.0);
    Tensor big = random({(1 << 20) + 7}, dt, gen), bg = gpu(big), other = random({(1 << 20) + 7}, dt, gen);
    add_(big, other, 0.5);
    add_(bg, gpu(other), 0.5);
    mul_(big, -3.0);
    mul_(bg, -3.0);
    expect_match(bg, big, elementwise_tol(dt));
  }
  // Same checks and messages as on the CPU.
  Tensor i = zeros({3}, DType::i32, Device::cuda());
  CHECK(error_of([&] { add_(i, i); }) == error_of([&] { add_(zeros({3}, DType::i32), zeros({3}, DType::i32)); }));
  CHECK(error_of([&] { mul_(i, 2.0); }) == error_of([&] { mul_(zeros({3}, DType::i32), 2.0); }));
  CHECK(error_of([&] { add_(zeros({3}, DType::f32, Device::cuda()), zeros({4}, DType::f32, Device::cuda())); }) ==
        error_of([&] { add_(zeros({3}), zeros({4})); }));
}

// ---------------------------------------------------------------- elementwise

namespace {
using BinaryFn = Tensor (*)(const Tensor&, const Tensor&);
struct BinaryCase {
  const char* name;
  BinaryFn fn;
  bool exact;  // selects or compares values: identical on every device
};
const std::vector<BinaryCase> kBinary = {
    {"add", ops::add, false},         {"sub", ops::sub, false}, {"mul", ops::mul, false},
    {"div", ops::div, false},         {"maximum", ops::maximum, true}, {"minimum", ops::minimum, true},
    {"gt", ops::gt, true},            {"eq", ops::eq, true},
};
}  // namespace

TEST_CASE("cuda tensor ops: binary ops broadcast in every position, every dtype") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(103);
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{5, 7}, {5, 7}},
      {{5, 7}, {7}},
      {{5, 1}, {1, 7}},
      {{3, 1, 7}, {4, 1}},
      {{1}, {6, 5}},
      {{}, {3, 4}},
      {{3, 4}, {}},
      {{}, {}},
      {{1}, {1}},
      {{2, 0, 3}, {3}},
      {{4, 1, 6, 1}, {1, 5, 1, 3}},
      {{2, 3, 1, 2, 1, 2, 1, 3}, {3, 1, 2, 2, 1, 1}},
      {{(1 << 20) + 3}, {(1 << 20) + 3}},
      {{1025, 1031}, {1031}},
      {{1025, 1}, {1, 1031}},
  };
  for (const auto& op : kBinary)
    for (DType dt : kArith)
      for (const auto& [sa, sb] : shapes) {
        CAPTURE(op.name);
        CAPTURE(dtype_name(dt));
        CAPTURE(shape_str(sa));
        CAPTURE(shape_str(sb));
        // Divisors away from 0 (integer division by 0 is undefined); small
        // integer ranges make eq and the ties of maximum/minimum meaningful.
        const bool is_div = std::string(op.name) == "div";
        const double lo = is_div ? 0.5 : -0.2, hi = is_div ? 2.0 : 0.2;
        Tensor a = random(sa, dt, gen, -0.2, 0.2), b = random(sb, dt, gen, lo, hi);
        expect_match(op.fn(gpu(a), gpu(b)), op.fn(a, b), op.exact ? 0.0 : elementwise_tol(dt));
      }
}

TEST_CASE("cuda tensor ops: binary ops on transposed, sliced and expanded operands") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(104);
  for (const auto& op : kBinary)
    for (DType dt : kArith)
      for (Shape s : {Shape{6, 7}, Shape{3, 4, 5}, Shape{513, 1031}}) {
        const bool is_div = std::string(op.name) == "div";
        auto as = layouts(s, dt, gen, -0.2, 0.2);
        auto bs = layouts(s, dt, gen, is_div ? 0.5 : -0.2, is_div ? 2.0 : 0.2);
        for (const auto& a : as)
          for (const auto& b : bs) {
            CAPTURE(op.name);
            CAPTURE(dtype_name(dt));
            CAPTURE(shape_str(s));
            CAPTURE(a.layout);
            CAPTURE(b.layout);
            Tensor got = op.fn(a.cuda, b.cuda);
            CHECK(got.is_contiguous());
            expect_match(got, op.fn(a.cpu, b.cpu), op.exact ? 0.0 : elementwise_tol(dt));
          }
      }
}

TEST_CASE("cuda tensor ops: unary and scalar ops on every layout and dtype") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(105);
  struct UnaryCase {
    const char* name;
    std::function<Tensor(const Tensor&)> fn;
    bool float_only, positive, exact;
  };
  const std::vector<UnaryCase> cases = {
      {"add_scalar", [](const Tensor& t) { return ops::add_scalar(t, 1.25); }, false, false, false},
      {"add_scalar(-0.5)", [](const Tensor& t) { return ops::add_scalar(t, -0.5); }, false, false, false},
      {"mul_scalar", [](const Tensor& t) { return ops::mul_scalar(t, -1.5); }, false, false, false},
      {"pow_scalar", [](const Tensor& t) { return ops::pow_scalar(t, 2.5); }, true, true, false},
      {"pow_scalar(2)", [](const Tensor& t) { return ops::pow_scalar(t, 2.0); }, true, false, false},
      {"clamp", [](const Tensor& t) { return ops::clamp(t, -0.7, 0.45); }, false, false, true},
      {"clamp(int range)", [](const Tensor& t) { return ops::clamp(t, -20.0, 13.0); }, false, false, true},
      {"neg", [](const Tensor& t) { return ops::neg(t); }, false, false, true},
      {"exp", [](const Tensor& t) { return ops::exp(t); }, true, false, false},
      {"log", [](const Tensor& t) { return ops::log(t); }, true, true, false},
      {"sqrt", [](const Tensor& t) { return ops::sqrt(t); }, true, true, false},
      {"abs", [](const Tensor& t) { return ops::abs(t); }, false, false, true},
      {"sign", [](const Tensor& t) { return ops::sign(t); }, false, false, true},
  };
  for (const auto& c : cases)
    for (DType dt : c.float_only ? kFloat : kArith) {
      std::vector<Shape> shapes = kUnaryShapes;
      for (const Shape& s : shapes) {
        const double lo = c.positive ? 0.05 : -2.0, hi = 2.0;
        for (const auto& x : layouts(s, dt, gen, lo, hi)) {
          CAPTURE(c.name);
          CAPTURE(dtype_name(dt));
          CAPTURE(shape_str(s));
          CAPTURE(x.layout);
          Tensor got = c.fn(x.cuda);
          CHECK(got.is_contiguous());
          expect_match(got, c.fn(x.cpu), c.exact ? 0.0 : elementwise_tol(dt));
        }
      }
    }
}

TEST_CASE("cuda tensor ops: dtype and device errors say what the CPU says, naming both devices") {
  FB_SKIP_WITHOUT_CUDA();
  Tensor hb = zeros({3}, DType::bf16), db = gpu(hb), hu = zeros({3}, DType::u8), du = gpu(hu);
  Tensor hi = zeros({3}, DType::i32), di = gpu(hi), hf = zeros({3}), df = gpu(hf);
  CHECK(error_of([&] { ops::add(db, db); }) == error_of([&] { ops::add(hb, hb); }));
  CHECK(error_of([&] { ops::neg(du); }) == error_of([&] { ops::neg(hu); }));
  CHECK(error_of([&] { ops::exp(di); }) == error_of([&] { ops::exp(hi); }));
  CHECK(error_of([&] { ops::sum(db); }) == error_of([&] { ops::sum(hb); }));
  CHECK(error_of([&] { ops::mean(di); }) == error_of([&] { ops::mean(hi); }));
  CHECK(error_of([&] { ops::add(df, di); }) == error_of([&] { ops::add(hf, hi); }));
  CHECK(error_of([&] { ops::mul(zeros({2, 3}, DType::f32, Device::cuda()), df.slice(0, 0, 2)); }) ==
        error_of([&] { ops::mul(zeros({2, 3}), hf.slice(0, 0, 2)); }));
  for (const std::string& msg : {error_of([&] { ops::add(hf, df); }), error_of([&] { ops::gt(df, hf); }),
                                error_of([&] { add_(df, hf); }), error_of([&] { ops::cat({df, hf}, 0); }),
                                error_of([&] { ops::index_select(df, 0, zeros({1}, DType::i64)); }),
                                error_of([&] { ops::gather(df, 0, zeros({1}, DType::i64)); })}) {
    CAPTURE(msg);
    CHECK(msg.find("different devices") != std::string::npos);
    CHECK(msg.find("cpu") != std::string::npos);
    CHECK(msg.find("cuda:0") != std::string::npos);
  }
}

// ---------------------------------------------------------------- reductions

TEST_CASE("cuda tensor ops: sum and mean over any dims, keepdim, every layout") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(106);
  const std::vector<std::pair<Shape, std::vector<std::vector<int64_t>>>> cases = {
      {{}, {{}}},
      {{1}, {{}, {0}}},
      {{7, 13}, {{}, {0}, {1}, {-1}, {0, 1}}},
      {{4, 5, 6, 7}, {{0, 2}, {1, 3}, {3}, {0, 1, 2}, {2, 1}, {0}, {}}},
      {{3, 1, 5}, {{1}, {0, 2}}},
  };
  for (DType dt : kArith)
    for (const auto& [s, dim_sets] : cases)
      for (const auto& x : layouts(s, dt, gen))
        for (const auto& dims : dim_sets)
          for (bool keep : {false, true}) {
            CAPTURE(dtype_name(dt));
            CAPTURE(shape_str(s));
            CAPTURE(x.layout);
            CAPTURE(shape_str(dims));
            CAPTURE(keep);
            Tensor got = ops::sum(x.cuda, dims, keep);
            CHECK(got.is_contiguous());
            expect_match(got, ops::sum(x.cpu, dims, keep), reduction_tol(dt));
            if (is_floating(dt))
              expect_match(ops::mean(x.cuda, dims, keep), ops::mean(x.cpu, dims, keep), reduction_tol(dt));
          }
}

TEST_CASE("cuda tensor ops: reductions of empty tensors") {
  FB_SKIP_WITHOUT_CUDA();
  for (DType dt : kArith) {
    CAPTURE(dtype_name(dt));
    Tensor e = zeros({3, 0, 4}, dt, Device::cuda());
    expect_match(ops::sum(e, {1}), zeros({3, 4}, dt), 0.0);   // sum over nothing: 0
    expect_match(ops::sum(e, {0, 2}, true), zeros({1, 0, 1}, dt), 0.0);  // no outputs
    expect_match(ops::sum(e), zeros({}, dt), 0.0);
  }
  // The mean over nothing is 0/0, as on the CPU.
  Tensor m = ops::mean(zeros({2, 0}, DType::f32, Device::cuda()), {1});
  for (float v : m.to_vector<float>()) CHECK(std::isnan(v));
  CHECK(error_of([] { ops::amax(zeros({0, 3}, DType::f32, Device::cuda()), 1); }) ==
        error_of([] { ops::amax(zeros({0, 3}), 1); }));
  CHECK(error_of([] { ops::argmax(zeros({0}, DType::f32, Device::cuda()), 0); }) ==
        error_of([] { ops::argmax(zeros({0}), 0); }));
}

TEST_CASE("cuda tensor ops: large reductions (long rows, > 65535 rows, everything) are deterministic") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(107);
  const std::vector<std::pair<Shape, std::vector<int64_t>>> cases = {
      {{(1 << 21) + 7}, {}},  // one output: split over many blocks
      {{70001, 3}, {0}},      // few columns, many rows
      {{70001, 3}, {1}},      // many short rows
      {{3, 70001}, {1}},      // few long rows
      {{1025, 1027}, {0}},    {{1025, 1027}, {1}},
      {{67, 1100, 17}, {0, 2}},
      {{300, 65537}, {0}},    // a grid of outputs wider than 65535 columns
  };
  for (DType dt : {DType::f32, DType::f64, DType::i64, DType::i32})
    for (const auto& [s, dims] : cases) {
      CAPTURE(dtype_name(dt));
      CAPTURE(shape_str(s));
      CAPTURE(shape_str(dims));
      Tensor x = random(s, dt, gen), g = gpu(x);
      Tensor got = ops::sum(g, dims);
      expect_match(got, ops::sum(x, dims), reduction_tol(dt));
      CHECK(ops::max_abs_diff(ops::sum(g, dims).to(Device::cpu()), got.to(Device::cpu())) == 0.0);  // run to run
      if (dt == DType::f32) expect_match(ops::mean(g, dims), ops::mean(x, dims), reduction_tol(dt));
    }
  // Transposed big input: the reduced dim is the dense one of a permuted view.
  Tensor x = random({2049, 513}, DType::f32, gen);
  expect_match(ops::sum(gpu(x).transpose(0, 1), {1}), ops::sum(x.transpose(0, 1), {1}), 1e-5);
  expect_match(ops::sum(gpu(x).transpose(0, 1), {0}), ops::sum(x.transpose(0, 1), {0}), 1e-5);
}

TEST_CASE("cuda tensor ops: amax and argmax, ties resolved to the first index") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(108);
  const std::vector<Shape> shapes = {{1}, {9}, {7, 13}, {4, 5, 6}, {70001, 3}, {3, 70001}, {5, 4100}};
  for (DType dt : kArith)
    for (const Shape& s : shapes)
      for (const auto& x : layouts(s, dt, gen, -0.12, 0.12))  // integers in [-3, 3]: many ties
        for (int64_t dim = -1; dim < static_cast<int64_t>(s.size()); ++dim)
          for (bool keep : {false, true}) {
            CAPTURE(dtype_name(dt));
            CAPTURE(shape_str(s));
            CAPTURE(x.layout);
            CAPTURE(dim);
            CAPTURE(keep);
            expect_match(ops::amax(x.cuda, dim, keep), ops::amax(x.cpu, dim, keep), 0.0);
            Tensor idx = ops::argmax(x.cuda, dim, keep);
            CHECK(idx.dtype() == DType::i64);
            expect_match(idx, ops::argmax(x.cpu, dim, keep), 0.0);
          }
  // All equal: index 0; a single element.
  expect_match(ops::argmax(zeros({4, 100000}, DType::f32, Device::cuda()), 1), zeros({4}, DType::i64), 0.0);
  expect_match(ops::amax(full({1}, 3.0, DType::f32, Device::cuda()), 0), full({}, 3.0), 0.0);
}

TEST_CASE("cuda tensor ops: sum_to undoes broadcasting") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(109);
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{4, 5, 6}, {5, 1}}, {{4, 5, 6}, {6}},  {{4, 5, 6}, {1, 1, 1}}, {{4, 5, 6}, {4, 5, 6}},
      {{4, 5, 6}, {}},     {{70000, 10}, {10}}, {{2, 1, 3}, {1, 3}},
  };
  for (DType dt : kArith)
    for (const auto& [from, to] : cases) {
      CAPTURE(dtype_name(dt));
      CAPTURE(shape_str(from));
      CAPTURE(shape_str(to));
      Tensor x = random(from, dt, gen);
      expect_match(ops::sum_to(gpu(x), to), ops::sum_to(x, to), reduction_tol(dt));
    }
}

// ---------------------------------------------------------------- indexing

TEST_CASE("cuda tensor ops: index_select along every dim, i32 and i64 indices, every dtype") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(110);
  for (DType dt : kAll)
    for (DType it : {DType::i64, DType::i32})
      for (const auto& x : layouts({6, 7, 5}, DType::f64, gen, 0.0, 50.0))
        for (int64_t dim = 0; dim < 3; ++dim)
          for (std::vector<int64_t> idx : {std::vector<int64_t>{0}, std::vector<int64_t>{2, 0, 2, 4, 1},
                                           std::vector<int64_t>{}}) {
            CAPTURE(dtype_name(dt));
            CAPTURE(dtype_name(it));
            CAPTURE(x.layout);
            CAPTURE(dim);
            CAPTURE(idx.size());
            Tensor a = x.cpu.to(dt), ga = x.cuda.to(dt);
            Tensor index = from_vector(idx, {static_cast<int64_t>(idx.size())}).to(it);
            expect_match(ops::index_select(ga, dim, gpu(index)), ops::index_select(a, dim, index), 0.0);
          }
  // Large: 5000 rows of 300 picked from 4096.
  Tensor a = random({4096, 300}, DType::f32, gen);
  std::vector<int64_t> rows(5000);
  for (auto& r : rows) r = gen.randint(4096);
  Tensor index = from_vector(rows, {5000});
  expect_match(ops::index_select(gpu(a), 0, gpu(index)), ops::index_select(a, 0, index), 0.0);
  // Errors as on the CPU (the indices are checked on the host).
  Tensor bad = from_vector(std::vector<int64_t>{1, 300}, {2});
  CHECK(error_of([&] { ops::index_select(gpu(a), 1, gpu(bad)); }) ==
        error_of([&] { ops::index_select(a, 1, bad); }));
  CHECK(error_of([&] { ops::index_select(gpu(a), 0, gpu(zeros({2, 2}, DType::i64))); }) ==
        error_of([&] { ops::index_select(a, 0, zeros({2, 2}, DType::i64)); }));
  CHECK(error_of([&] { ops::index_select(gpu(a), 0, gpu(zeros({2}))); }) ==
        error_of([&] { ops::index_select(a, 0, zeros({2})); }));
}

TEST_CASE("cuda tensor ops: gather along every dim, smaller index shapes, every dtype") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(111);
  const Shape s{5, 7, 4};
  for (DType dt : kAll)
    for (DType it : {DType::i64, DType::i32})
      for (const auto& x : layouts(s, DType::f64, gen, 0.0, 50.0))
        for (int64_t dim = -1; dim < 3; ++dim)
          for (Shape is :
               {Shape{5, 7, 4}, Shape{2, 3, 4}, Shape{5, 9, 1}, Shape{4, 7, 4}, Shape{1, 1, 1}, Shape{0, 7, 4}}) {
            const int64_t d = dim < 0 ? dim + 3 : dim;
            if (is[(d + 1) % 3] > s[(d + 1) % 3] || is[(d + 2) % 3] > s[(d + 2) % 3]) continue;
            CAPTURE(dtype_name(dt));
            CAPTURE(dtype_name(it));
            CAPTURE(x.layout);
            CAPTURE(dim);
            CAPTURE(shape_str(is));
            std::vector<int64_t> v(shape_numel(is));
            for (auto& e : v) e = gen.randint(s[d]);
            Tensor index = from_vector(v, is).to(it);
            Tensor a = x.cpu.to(dt), ga = x.cuda.to(dt);
            expect_match(ops::gather(ga, dim, gpu(index)), ops::gather(a, dim, index), 0.0);
            // A transposed index reads the same values as its contiguous copy.
            if (is[0] == is[2]) {
              Tensor ti = index.transpose(0, 2);
              expect_match(ops::gather(ga, dim, gpu(index).transpose(0, 2)), ops::gather(a, dim, ti), 0.0);
            }
          }
  Tensor a = random(s, DType::f32, gen);
  Tensor out_of_range = full({5, 7, 4}, 7.0, DType::i64), too_big = zeros({6, 7, 4}, DType::i64);
  CHECK(error_of([&] { ops::gather(gpu(a), 1, gpu(out_of_range)); }) ==
        error_of([&] { ops::gather(a, 1, out_of_range); }));
  CHECK(error_of([&] { ops::gather(gpu(a), 1, gpu(too_big)); }) == error_of([&] { ops::gather(a, 1, too_big); }));
}

TEST_CASE("cuda tensor ops: one_hot on the labels' device, in every dtype") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(112);
  for (DType dt : kAll)
    for (DType lt : {DType::i64, DType::i32})
      for (Shape s : {Shape{9}, Shape{3, 4}, Shape{0}, Shape{}, Shape{100000}}) {
        CAPTURE(dtype_name(dt));
        CAPTURE(dtype_name(lt));
        CAPTURE(shape_str(s));
        std::vector<int64_t> v(shape_numel(s));
        for (auto& e : v) e = gen.randint(11);
        Tensor labels = from_vector(v, s).to(lt);
        expect_match(ops::one_hot(gpu(labels), 11, dt), ops::one_hot(labels, 11, dt), 0.0);
      }
  Tensor bad = from_vector(std::vector<int64_t>{3, 11}, {2});
  CHECK(error_of([&] { ops::one_hot(gpu(bad), 11); }) == error_of([&] { ops::one_hot(bad, 11); }));
}

TEST_CASE("cuda tensor ops: cat of strided parts along every dim, and split") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(113);
  for (DType dt : kAll)
    for (int64_t dim = -1; dim < 3; ++dim) {
      CAPTURE(dtype_name(dt));
      CAPTURE(dim);
      const int64_t d = dim < 0 ? dim + 3 : dim;
      std::vector<Tensor> cpu_parts, gpu_parts;
      for (int64_t k : {3, 0, 1, 4}) {
        Shape s{4, 5, 6};
        s[d] = k;
        auto views = layouts(s, DType::f64, gen, 0.0, 50.0);
        const auto& v = views[cpu_parts.size() % views.size()];
        cpu_parts.push_back(v.cpu.to(dt));
        gpu_parts.push_back(v.cuda.to(dt));
      }
      Tensor got = ops::cat(gpu_parts, dim);
      expect_match(got, ops::cat(cpu_parts, dim), 0.0);
      std::vector<Tensor> pieces = ops::split(got, {3, 0, 1, 4}, dim);
      REQUIRE(pieces.size() == 4);
      for (size_t i = 0; i < pieces.size(); ++i) expect_match(pieces[i], cpu_parts[i].contiguous(), 0.0);
    }
}

// ---------------------------------------------------------------- end to end

namespace {

// Loss and gradient of every parameter of `model` for one batch, on `device`
// (the model is moved there first).
struct StepResult {
  double loss;
  nn::NamedTensors grads, buffers;
};
StepResult train_step(nn::Module& model, const Tensor& x, const Tensor& labels, Device device) {
  // Plain f32 arithmetic on the GPU (not TF32), so that the CPU is a close reference.
  kernels::CudaBackendGuard exact(kernels::cuda_backend(), kernels::Fp32Math::Exact);
  model.to(device);
  model.train();
  Tensor loss = cross_entropy(model.forward(x.to(device)), labels.to(device), 0.1, -100, Reduction::Mean);
  CHECK(loss.device() == device);
  autograd::backward(loss);
  StepResult r{loss.item(), {}, model.named_buffers()};
  for (const auto& [name, p] : model.named_parameters()) {
    REQUIRE(p.grad().defined());
    CHECK(p.grad().device() == device);
    r.grads.emplace_back(name, p.grad());
  }
  return r;
}

void expect_same_step(const StepResult& g, const StepResult& c, double tol) {
  CHECK(std::fabs(g.loss - c.loss) <= tol * std::fabs(c.loss));
  REQUIRE(g.grads.size() == c.grads.size());
  for (size_t i = 0; i < g.grads.size(); ++i) {
    CAPTURE(g.grads[i].first);
    CHECK(ops::rel_error(g.grads[i].second.to(Device::cpu()), c.grads[i].second) <= tol);
  }
  REQUIRE(g.buffers.size() == c.buffers.size());
  for (size_t i = 0; i < g.buffers.size(); ++i) {
    CAPTURE(g.buffers[i].first);
    CHECK(ops::rel_error(g.buffers[i].second.to(Device::cpu()), c.buffers[i].second) <= tol);
  }
}

// A small conv net with every layer kind of a ResNet step, plus the
// tensor-op-based functions of nn/functional (l2_normalize, clamp, slice,
// mean, broadcasting mul/sub).
class SmallNet : public nn::Module {
 public:
  SmallNet() {
    conv = register_module("conv", std::make_shared<nn::Conv2d>(3, 8, 3, nn::Conv2dOptions{1, 1, 1, 1, false}));
    bn = register_module("bn", std::make_shared<nn::BatchNorm>(8));
    fc1 = register_module("fc1", std::make_shared<nn::Linear>(8, 16));
    fc2 = register_module("fc2", std::make_shared<nn::Linear>(16, 5));
    scale = register_parameter("scale", full({16}, 1.5));
  }
  Tensor forward(const Tensor& x) override {
    Tensor h = relu(bn->forward(conv->forward(x)));                  // [N, H, W, 8]
    h = max_pool2d(h, kernels::Pool2dParams{});  // 2x2, stride 2
    h = mean(h, {1, 2});                                               // [N, 8]
    h = fc1->forward(h);                                               // [N, 16]
    h = mul(l2_normalize(h, 1e-6), scale);                             // broadcast [16]
    h = clamp(sub(h, mean(h, {0}, true)), -0.9, 0.9);                  // broadcast [1, 16]
    h = slice(h, 1, 0, 16, 1);
    return fc2->forward(h);
  }
  std::shared_ptr<nn::Conv2d> conv;
  std::shared_ptr<nn::BatchNorm> bn;
  std::shared_ptr<nn::Linear> fc1, fc2;
  Tensor scale;
};

}  // namespace

TEST_CASE("cuda tensor ops: forward and backward of a small conv net on the GPU equal the CPU's") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(114);
  Tensor x = fbtest::rnd({6, 9, 9, 3}, gen);
  Tensor labels = from_vector(std::vector<int64_t>{0, 4, 2, 2, 1, 3}, {6});
  nn::manual_seed(5);
  SmallNet cpu_net;
  nn::manual_seed(5);
  SmallNet gpu_net;
  StepResult c = train_step(cpu_net, x, labels, Device::cpu());
  StepResult g = train_step(gpu_net, x, labels, Device::cuda());
  expect_same_step(g, c, 1e-4);
  // num_batches_tracked was counted on the device.
  CHECK(gpu_net.bn->num_batches_tracked.device().is_cuda());
  CHECK(gpu_net.bn->num_batches_tracked.item() == 1.0);
}

// Whole ResNet training steps (with the optimizer, own and vendor kernels,
// f32 and bf16 autocast): tests/cuda/test_cuda_training.cpp.
