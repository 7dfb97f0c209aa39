// Fuzz target: the MATLAB level-5 reader, then the two readers that give its
// variables a meaning (AFLW-19's AFLWinfo_release.mat, AFLW2000-3D's per-image
// .mat), which index the arrays by the dimensions the file declares.
#include "facebench/data/aflw19.h"
#include "facebench/data/aflw2000.h"
#include "facebench/data/image.h"
#include "facebench/data/mat5.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    auto vars = fb::data::read_mat5(bytes, "fuzz.mat");
    for (const auto& [name, a] : vars) {
      FBFUZZ_REQUIRE(a.data.empty() || int64_t(a.data.size()) == a.rows() * a.cols(), "'", name, "' has ",
               a.data.size(), " values for dims ", a.rows(), " x ", a.cols());
      fbfuzz::keep(a.data.size() + a.strings.size());
    }
    if (vars.empty()) return 0;  // nothing for the dataset readers to look at
  } catch (const fb::Error&) {
    return 0;
  }
  fbfuzz::write_file("aflw19/AFLWinfo_release.mat", bytes);
  fbfuzz::write_file("aflw2000/image00002.mat", bytes);
  static const bool image = (fbfuzz::write_file("aflw2000/image00002.jpg", "", 0), true);
  (void)image;
  fb::data::ProblemLog log(fb::data::OnError::Skip);
  log.set_quiet(true);
  try {
    fb::data::Aflw19Dataset d((fbfuzz::scratch_dir() / "aflw19").string(), "all", log, 0);
    fbfuzz::keep(uint64_t(d.size()));
  } catch (const fb::Error&) {
  }
  try {
    const std::string root = (fbfuzz::scratch_dir() / "aflw2000").string();
    fb::data::Aflw2000Dataset d(root, root, 99, log);
    for (int64_t i = 0; i < d.size(); ++i) fbfuzz::keep(uint64_t(d.pose(i)[0]));
  } catch (const fb::Error&) {
  }
  return 0;
}
