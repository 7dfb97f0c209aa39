// Fuzz target: the WFLW annotation list (207 space-separated fields a line).
// Problems are collected (skip policy), so a whole file is read past bad lines.
#include "facebench/data/wflw.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string list = fbfuzz::write_file("wflw/list.txt", data, size);
  try {
    fb::data::ProblemLog log(fb::data::OnError::Skip);
    log.set_quiet(true);
    fb::data::WflwDataset d((fbfuzz::scratch_dir() / "wflw").string(), list, log);
    for (int64_t i = 0; i < d.size(); ++i) fbfuzz::keep(d.file(i).size());
  } catch (const fb::Error&) {
  }
  return 0;
}
