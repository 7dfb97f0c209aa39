// Fuzz target: LFW pairs.txt (header, then matched / mismatched pair lines).
#include "facebench/data/lfw.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string pairs = fbfuzz::write_file("lfw/pairs.txt", data, size);
  // A few images exist (empty files: only their presence is checked here).
  static const std::string dir = [] {
    for (const char* f : {"Abel_Pacheco/Abel_Pacheco_0001.jpg", "Abel_Pacheco/Abel_Pacheco_0002.jpg",
                          "Bob/Bob_0001.png"})
      fbfuzz::write_file(std::string("lfw/images/") + f, "", 0);
    return (fbfuzz::scratch_dir() / "lfw" / "images").string();
  }();
  try {
    fb::data::ProblemLog log(fb::data::OnError::Skip);
    log.set_quiet(true);
    fb::data::LfwPairs p(pairs, dir, log);
    for (const auto& pr : p.pairs()) {
      FBFUZZ_REQUIRE(pr.a >= 0 && pr.a < p.size() && pr.b >= 0 && pr.b < p.size(), "pair refers to a missing image");
      fbfuzz::keep(uint64_t(pr.fold));
    }
  } catch (const fb::Error&) {
  }
  return 0;
}
