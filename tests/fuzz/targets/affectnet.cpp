// Fuzz target: the AffectNet CSV (header, quoted-free fields, ';'-separated
// landmarks, expression, valence, arousal).
#include "facebench/data/affectnet.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string csv = fbfuzz::write_file("affectnet/training.csv", data, size);
  // One image exists, so rows that name it get past the existence check.
  static const std::string images = [] {
    fbfuzz::write_file("affectnet/images/1/a.jpg", "", 0);
    return (fbfuzz::scratch_dir() / "affectnet" / "images").string();
  }();
  try {
    fb::data::ProblemLog log(fb::data::OnError::Skip);
    log.set_quiet(true);
    fb::data::AffectNetDataset d(csv, images, 8, log);
    for (int64_t i = 0; i < d.size(); ++i) fbfuzz::keep(uint64_t(d.expression(i)));
  } catch (const fb::Error&) {
  }
  return 0;
}
