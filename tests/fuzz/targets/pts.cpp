// Fuzz target: the 300W .pts landmark parser.
#include "facebench/data/w300.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto v = fb::data::parse_pts(std::string(reinterpret_cast<const char*>(data), size), "fuzz.pts");
    FBFUZZ_REQUIRE(v.size() % 2 == 0, "parse_pts returned an odd number of coordinates");
  } catch (const fb::Error&) {
  }
  return 0;
}
