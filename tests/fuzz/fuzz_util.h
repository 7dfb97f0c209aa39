#pragma once
// Shared by the fuzz targets (tests/fuzz/targets/*.cpp).
//
// A target feeds one input to one reader. The readers' contract is that bad
// input throws fb::Error naming the file; a target therefore catches fb::Error
// and nothing else, so any other exception, crash, sanitizer report or hang is
// a finding. Readers that only take paths get the input through a file in a
// scratch folder that belongs to this process.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tensor/tensor.h"

// A property every accepted input must have; a violation aborts (a finding),
// unlike fb::Error, which the targets treat as a correct refusal.
#define FBFUZZ_REQUIRE(cond, ...)                                                                 \
  do {                                                                                            \
    if (!(cond)) {                                                                                \
      std::fprintf(stderr, "fuzz: property violated: %s\n", ::fb::detail::concat(__VA_ARGS__).c_str()); \
      std::abort();                                                                               \
    }                                                                                             \
  } while (0)

namespace fbfuzz {
namespace fs = std::filesystem;

inline const fs::path& scratch_dir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("facebench-fuzz-" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(scratch_dir(), ec);
    });
    return d;
  }();
  return dir;
}

// Writes bytes to `relative` under the scratch folder and returns the full path.
inline std::string write_file(const std::string& relative, const void* data, size_t size) {
  fs::path p = scratch_dir() / relative;
  fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(static_cast<const char*>(data), std::streamsize(size));
  f.close();
  return p.string();
}
inline std::string write_file(const std::string& relative, const std::string& bytes) {
  return write_file(relative, bytes.data(), bytes.size());
}

// Splits the input into at most `max_parts` pieces at `sep` (the last piece
// keeps any further separators), so one input can describe several files.
inline std::vector<std::string> split_input(const uint8_t* data, size_t size, char sep, size_t max_parts) {
  std::vector<std::string> parts(1);
  for (size_t i = 0; i < size; ++i) {
    if (char(data[i]) == sep && parts.size() < max_parts) parts.emplace_back();
    else parts.back() += char(data[i]);
  }
  return parts;
}

// Reads every byte a loaded tensor claims to hold, so that a tensor whose
// shape promises more than its storage has is caught by AddressSanitizer, and
// returns a checksum so the reads cannot be optimised away.
inline uint64_t touch(const fb::Tensor& t) {
  if (!t.defined()) return 0;
  fb::Tensor c = t.contiguous();
  const auto* p = static_cast<const unsigned char*>(c.raw_data());
  uint64_t sum = 0;
  for (size_t i = 0, n = c.nbytes(); i < n; ++i) sum += p[i];
  return sum;
}

// A sink for checksums (volatile: the optimiser must keep the reads).
inline void keep(uint64_t v) {
  static volatile uint64_t sink;
  sink = sink + v;
}

}  // namespace fbfuzz
