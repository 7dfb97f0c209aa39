// Fuzz target: DISFA action-unit label files and the frame-name pattern.
// The input is split at NUL bytes: part 0 is the frame pattern (a command-line
// value, e.g. "{subject}/{index}.png"), parts 1-12 the label files of AU 1, 2,
// 4, ... 26 of subject SN001; a missing part repeats part 1, so a short input
// still makes a complete subject.
#include "facebench/data/disfa.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = fbfuzz::split_input(data, size, '\0', 1 + fb::data::kDisfaAus.size());
  const std::string root = (fbfuzz::scratch_dir() / "disfa").string();
  for (size_t a = 0; a < fb::data::kDisfaAus.size(); ++a) {
    const std::string& text = a + 1 < parts.size() ? parts[a + 1] : parts.size() > 1 ? parts[1] : std::string();
    fbfuzz::write_file("disfa/ActionUnit_Labels/SN001/SN001_au" + std::to_string(fb::data::kDisfaAus[a]) + ".txt",
                       text);
  }
  try {
    fb::data::ProblemLog log(fb::data::OnError::Skip);
    log.set_quiet(true);
    fb::data::DisfaDataset d(root, root, parts[0], log);
    for (int64_t i = 0; i < d.size(); ++i) fbfuzz::keep(d.file(i).size() + d.intensities(i)[0]);
  } catch (const fb::Error&) {
  }
  return 0;
}
