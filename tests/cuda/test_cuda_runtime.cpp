// The CUDA device runtime: device queries, host<->device copies, device-side
// strided copies with dtype conversion, the caching allocator, pinned memory,
// streams and events, and error messages.
#include "cuda_test_util.h"

using namespace fb;
using fbtest::gpu;

TEST_CASE("cuda runtime: device count never throws") {
  const int n = cuda::device_count();
  CHECK(n >= 0);
  if (n == 0) {
    CHECK(!cuda::unavailable_reason().empty());
    MESSAGE("skipped: no CUDA device (" << cuda::unavailable_reason() << ")");
    return;
  }
  CHECK(cuda::compiled_with_cuda());
  MESSAGE("device: " << cuda::device_name(0));
}

TEST_CASE("cuda runtime: round trips keep every dtype's values") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(1);
  Tensor x = fbtest::rnd({3, 5, 7}, gen);
  for (DType dt : {DType::f32, DType::f64, DType::bf16, DType::i32, DType::i64, DType::u8}) {
    Tensor h = ops::mul_scalar(x, 100).to(dt);
    Tensor d = h.to(Device::cuda());
    CHECK(d.device().is_cuda());
    CHECK(d.dtype() == dt);
    CHECK(ops::max_abs_diff(d.to(Device::cpu()).to(DType::f64), h.to(DType::f64)) == 0.0);
  }
}

TEST_CASE("cuda runtime: strided views copy and convert on the device") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(2);
  Tensor x = fbtest::rnd({4, 6, 5}, gen);
  Tensor d = gpu(x);
  // permute + contiguous runs the strided device copy
  Tensor p = d.permute({2, 0, 1}).contiguous();
  CHECK(p.device().is_cuda());
  CHECK(ops::max_abs_diff(p.to(Device::cpu()), x.permute({2, 0, 1}).contiguous()) == 0.0);
  // a sliced view moved to the host
  Tensor s = d.slice(1, 1, 6, 2).to(Device::cpu());
  CHECK(ops::max_abs_diff(s, x.slice(1, 1, 6, 2).contiguous()) == 0.0);
  // dtype conversion on the device agrees with the host's (round to nearest even)
  Tensor b = d.to(DType::bf16);
  CHECK(b.device().is_cuda());
  CHECK(ops::max_abs_diff(b.to(Device::cpu()).to(DType::f64), x.to(DType::bf16).to(DType::f64)) == 0.0);
  // host -> strided device view
  Tensor dst = Tensor::empty({5, 4, 6}, DType::f32, Device::cuda());
  copy_into(dst.permute({1, 2, 0}), x);
  CHECK(ops::max_abs_diff(dst.permute({1, 2, 0}).to(Device::cpu()), x) == 0.0);
  CHECK(d.item() == doctest::Approx(x.to_vector<double>()[0]));
}

TEST_CASE("cuda runtime: the caching allocator reuses freed blocks") {
  FB_SKIP_WITHOUT_CUDA();
  cuda::init();
  CHECK(cuda::allocation_size_class(1) == 512);
  CHECK(cuda::allocation_size_class(513) == 1024);
  CHECK(cuda::allocation_size_class((1 << 20) + 1) == size_t(2) << 20);
  const auto before = cuda::allocator_stats();
  { Tensor a = Tensor::empty({1000, 1000}, DType::f32, Device::cuda()); }
  { Tensor b = Tensor::empty({1000, 999}, DType::f32, Device::cuda()); }  // same size class
  const auto after = cuda::allocator_stats();
  CHECK(after.num_allocs == before.num_allocs + 2);
  CHECK(after.num_cache_hits >= before.num_cache_hits + 1);
  CHECK(after.reserved_bytes >= after.allocated_bytes);
  CHECK(after.peak_allocated_bytes >= size_t(4000000));
  cuda::empty_cache();
  CHECK(cuda::allocator_stats().reserved_bytes == cuda::allocator_stats().allocated_bytes);
}

TEST_CASE("cuda runtime: pinned buffers, streams and events") {
  FB_SKIP_WITHOUT_CUDA();
  Tensor h = cuda::pinned_empty({256, 256});
  fill_(h, 3.0);
  Tensor d = Tensor::empty({256, 256}, DType::f32, Device::cuda());
  cuda::Stream s;
  cuda::Event a, b;
  {
    cuda::StreamGuard g(s);
    a.record();
    cuda::copy_async(d, h);
    b.record();
  }
  s.synchronize();
  CHECK(b.query());
  CHECK(a.elapsed_ms(b) >= 0.0f);
  CHECK(ops::max_abs_diff(d.to(Device::cpu()), full({256, 256}, 3.0)) == 0.0);
}

TEST_CASE("cuda runtime: errors name the problem") {
  FB_SKIP_WITHOUT_CUDA();
  Tensor d = Tensor::empty({4}, DType::f32, Device::cuda());
  CHECK_THROWS_WITH_AS(copy_into(d, Tensor::empty({5})), doctest::Contains("differs from source shape"), Error);
  CHECK_THROWS_WITH_AS(Tensor::empty({int64_t(1) << 50}, DType::f32, Device::cuda()),
                       doctest::Contains("CUDA out of memory"), Error);
  Tensor c = Tensor::empty({4, 4}, DType::f32);
  CHECK_THROWS_WITH_AS(kernels::matmul(gpu(c), c), doctest::Contains("matmul"), Error);
}
