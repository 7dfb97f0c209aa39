#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>

#include "tensor/cpu_allocator.h"
#include "tensor/tensor.h"

using namespace fb;

TEST_CASE("cpu allocator: size classes are 64-byte multiples, at most 1/8 above a large request") {
  CHECK(cpu_memory::size_class(0) == 64);
  CHECK(cpu_memory::size_class(1) == 64);
  CHECK(cpu_memory::size_class(65) == 128);
  CHECK(cpu_memory::size_class((1 << 20) - 64) == (1 << 20) - 64);  // small: exact multiple of 64
  for (size_t n : {size_t(1) << 20, (size_t(1) << 20) + 1, size_t(3'000'000), size_t(25'690'112), size_t(1) << 33}) {
    INFO(n);
    const size_t c = cpu_memory::size_class(n);
    CHECK(c >= n);
    CHECK(c % 64 == 0);
    CHECK(double(c) <= double(n) * 1.125 + 64);
    CHECK(cpu_memory::size_class(c) == c);  // classes are fixed points
  }
}

TEST_CASE("cpu allocator: a freed large block is handed out again; empty_cache releases it") {
  cpu_memory::empty_cache();
  const size_t n = 5'000'000;
  void* a = cpu_memory::allocate(n);
  REQUIRE(a != nullptr);
  CHECK(reinterpret_cast<uintptr_t>(a) % 64 == 0);
  std::memset(a, 1, n);  // the whole block is usable
  cpu_memory::deallocate(a, n);
  const cpu_memory::Stats before = cpu_memory::stats();
  void* b = cpu_memory::allocate(n - 1000);  // same size class
  const cpu_memory::Stats after = cpu_memory::stats();
  if (!cpu_memory::caching()) {
    MESSAGE("caching is off in this build (sanitizers) or by FB_CPU_CACHE_MB=0");
    CHECK(before.cached_bytes == 0);
  } else {
    CHECK(before.cached_bytes >= cpu_memory::size_class(n));
    CHECK(b == a);
    CHECK(after.cache_hits == before.cache_hits + 1);
    CHECK(after.cached_bytes == before.cached_bytes - cpu_memory::size_class(n));
  }
  cpu_memory::deallocate(b, n - 1000);
  cpu_memory::empty_cache();
  CHECK(cpu_memory::stats().cached_bytes == 0);
}

TEST_CASE("cpu allocator: tensors of every size get aligned, independent memory") {
  for (int64_t numel : {int64_t(0), int64_t(1), int64_t(1000), int64_t(300'000), int64_t(2'000'000)}) {
    Tensor a = Tensor::empty({numel}, DType::f32), b = Tensor::empty({numel}, DType::f32);
    CHECK(reinterpret_cast<uintptr_t>(a.storage()->data()) % 64 == 0);
    if (numel > 0) CHECK(a.storage()->data() != b.storage()->data());
  }
}
