// Fuzz target: a pre-training config file as `facebench pretrain --config`
// reads it: JSON text, applied over the smoke preset, then validated.
#include <nlohmann/json.hpp>

#include "facebench/pretrain/config.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(data, data + size);
  } catch (const nlohmann::json::exception&) {
    return 0;  // not JSON: the command reports the parser's message
  }
  try {
    fb::pretrain::Config c = fb::pretrain::from_json(j, fb::pretrain::preset("smoke"));
    fb::pretrain::validate(c);
    // A valid config must survive its own JSON form unchanged.
    FBFUZZ_REQUIRE(fb::pretrain::to_json(fb::pretrain::from_json(fb::pretrain::to_json(c))) == fb::pretrain::to_json(c),
             "config changed through JSON");
  } catch (const fb::Error&) {
  }
  return 0;
}
