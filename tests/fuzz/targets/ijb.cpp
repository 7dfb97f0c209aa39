// Fuzz target: the IJB-B/C meta files. The input is the tid/mid file, NUL, the
// template pair list, NUL, the 5-point/score file (absent without a second
// NUL). Crops 1.jpg .. 3.jpg exist (empty), so lines naming them reach the
// template and pair code. Accepted data is checked for consistent indices and
// fed through the template features and pair scores.
#include "facebench/data/ijb.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool crops = [] {
    for (const char* n : {"1.jpg", "2.jpg", "3.jpg"}) fbfuzz::write_file(std::string("IJBB/loose_crop/") + n, "", 0);
    return true;
  }();
  (void)crops;
  auto parts = fbfuzz::split_input(data, size, '\0', 3);
  fbfuzz::write_file("IJBB/meta/ijbb_face_tid_mid.txt", parts[0]);
  fbfuzz::write_file("IJBB/meta/ijbb_template_pair_label.txt", parts.size() > 1 ? parts[1] : std::string());
  const auto pts = fbfuzz::scratch_dir() / "IJBB/meta/ijbb_name_5pts_score.txt";
  if (parts.size() > 2) fbfuzz::write_file("IJBB/meta/ijbb_name_5pts_score.txt", parts[2]);
  else std::filesystem::remove(pts);
  try {
    fb::data::ProblemLog log(fb::data::OnError::Skip);
    log.set_quiet(true);
    fb::data::IjbDataset d(fbfuzz::scratch_dir().string(), "ijbb", "", log);
    for (const auto& t : d.templates())
      for (int64_t f : t.faces) FBFUZZ_REQUIRE(f >= 0 && f < d.size(), "template face index ", f, " of ", d.size());
    for (const auto& p : d.pairs())
      FBFUZZ_REQUIRE(p.a >= 0 && p.b >= 0 && size_t(p.a) < d.templates().size() && size_t(p.b) < d.templates().size(),
                     "pair refers to template ", p.a, " / ", p.b, " of ", d.templates().size());
    std::vector<float> emb(size_t(d.size()) * 2, 1.0f);
    auto tf = fb::data::ijb_template_features(d, emb, 2);
    auto sc = fb::data::ijb_pair_scores(d, tf, 2);
    fbfuzz::keep(sc.size() + (d.size() > 0 ? d.file(0).size() : 0));
  } catch (const fb::Error&) {
  }
  return 0;
}
