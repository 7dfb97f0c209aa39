// IJB-B / IJB-C meta in the insightface release layout: faces, templates,
// template pairs, the optional 5-point/faceness file, template features and
// TAR@FAR over the pairs; malformed lines under skip and fail.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "facebench/data/ijb.h"
#include "facebench/data/open.h"
#include "facebench/metrics/verification.h"
#include "test_util.h"

using namespace fb::data;
namespace fs = std::filesystem;

namespace {
// IJBC/meta + IJBC/loose_crop with 6 faces in 3 templates (template 1: two
// media; template 7: one media with two faces; template 12: one face).
fs::path write_ijbc(const std::string& name) {
  auto root = fbt::scratch(name);
  fs::path ijbc = root / "IJBC";
  fs::create_directories(ijbc / "loose_crop");
  for (int i = 1; i <= 6; ++i)
    write_jpeg((ijbc / "loose_crop" / (std::to_string(i) + ".jpg")).string(), fbt::pattern(20, 22, i));
  fbt::write_text(ijbc / "meta" / "ijbc_face_tid_mid.txt",
                  "1.jpg 1 69544\n2.jpg 1 69544\n3.jpg 1 69545\n4.jpg 7 100\n5.jpg 7 100\n6.jpg 12 3\n");
  fbt::write_text(ijbc / "meta" / "ijbc_template_pair_label.txt", "1 7 1\r\n1 12 0\n7 12 0\n");
  fbt::write_text(ijbc / "meta" / "ijbc_name_5pts_score.txt",
                  "1.jpg 38.1 51.2 73.5 51.5 56.0 71.7 41.5 92.3 70.7 92.2 0.99\n"
                  "2.jpg 38.1 51.2 73.5 51.5 56.0 71.7 41.5 92.3 70.7 92.2 0.5\n"
                  "3.jpg 38.1 51.2 73.5 51.5 56.0 71.7 41.5 92.3 70.7 92.2 1\n"
                  "4.jpg 38.1 51.2 73.5 51.5 56.0 71.7 41.5 92.3 70.7 92.2 0.9\n"
                  "5.jpg 38.1 51.2 73.5 51.5 56.0 71.7 41.5 92.3 70.7 92.2 0.8\n"
                  "6.jpg 38.1 51.2 73.5 51.5 56.0 71.7 41.5 92.3 70.7 92.2 0.7\n");
  return root;
}
}  // namespace

TEST_CASE("IJB-C meta: faces templates media pairs 5-point scores from the insightface layout") {
  auto root = write_ijbc("ijbc");
  ProblemLog log(OnError::Fail);
  IjbDataset d(root.string(), "ijbc", "", log);  // the folder holding IJBC/
  CHECK(d.name() == "ijbc");
  REQUIRE(d.size() == 6);
  REQUIRE(d.templates().size() == 3);
  CHECK(d.templates()[0].id == 1);
  CHECK(d.templates()[0].faces == std::vector<int64_t>{0, 1, 2});
  CHECK(d.templates()[2].id == 12);
  CHECK(d.faces()[3].mid == 100);
  CHECK(d.faces()[0].score == doctest::Approx(0.99));
  REQUIRE(d.pairs().size() == 3);
  CHECK(d.pairs()[0].a == 0);
  CHECK(d.pairs()[0].b == 1);
  CHECK(d.pairs()[0].same == 1);
  CHECK(d.pairs()[1].same == 0);
  CHECK(ijb_pair_labels(d) == std::vector<uint8_t>{1, 0, 0});
  Sample s = d.get(5);
  CHECK(s.image.width == 20);
  CHECK(s.image.height == 22);
  REQUIRE(s.landmarks.size() == 10);
  CHECK(s.landmarks[9] == doctest::Approx(92.2));
  CHECK(s.values == std::vector<float>{0.7f});
  CHECK(d.file(0).find("IJBC/loose_crop/1.jpg") != std::string::npos);
  // The IJBC folder itself, through open_dataset; without the 5-point file every score is 1.
  fs::remove(root / "IJBC" / "meta" / "ijbc_name_5pts_score.txt");
  OpenOptions o;
  o.format = "ijbc";
  o.path = (root / "IJBC").string();
  auto ds = open_dataset(o, log);
  auto* ijb = dynamic_cast<const IjbDataset*>(ds.get());
  REQUIRE(ijb);
  CHECK_FALSE(ijb->has_points());
  CHECK(ijb->faces()[0].score == 1);
  CHECK(ijb->get(0).landmarks.empty());
  // The set name picks the files: there is no ijbb_* meta here.
  CHECK_THROWS_WITH(IjbDataset(root.string(), "ijbb", "", log), doctest::Contains("no meta/ folder"));
  CHECK_THROWS_WITH(IjbDataset(root.string(), "ijba", "", log), doctest::Contains("ijbb or ijbc"));
}

TEST_CASE("IJB: template features mean within media sum across media faceness weights TAR@FAR") {
  auto root = write_ijbc("ijbc_features");
  ProblemLog log(OnError::Fail);
  IjbDataset d((root / "IJBC").string(), "ijbc", "", log);
  // 2-d embeddings per face.
  std::vector<float> e = {1, 0,   // 1.jpg media 69544 score 0.99
                          0, 1,   // 2.jpg media 69544 score 0.5
                          1, 1,   // 3.jpg media 69545 score 1
                          2, 0,   // 4.jpg
                          0, 2,   // 5.jpg
                          -1, 0};  // 6.jpg
  auto tf = ijb_template_features(d, e, 2, true);
  REQUIRE(tf.size() == 6);
  // Template 1: media 69544 mean = (0.99*[1,0] + 0.5*[0,1]) / 2, plus media 69545 = [1,1].
  double x = 0.99 / 2 + 1, y = 0.5 / 2 + 1, n = std::sqrt(x * x + y * y);
  CHECK(tf[0] == doctest::Approx(x / n));
  CHECK(tf[1] == doctest::Approx(y / n));
  // Without scores: template 7 = mean([2,0],[0,2]) -> [1,1]/sqrt(2).
  auto plain = ijb_template_features(d, e, 2, false);
  CHECK(plain[2] == doctest::Approx(1 / std::sqrt(2.0)));
  CHECK(plain[4] == doctest::Approx(-1));
  auto sc = ijb_pair_scores(d, plain, 2);
  REQUIRE(sc.size() == 3);
  CHECK(sc[0] == doctest::Approx(1.0).epsilon(1e-6));  // template 1 unweighted = [1.5,1.5]/n, same direction
  CHECK(sc[1] == doctest::Approx(-1 / std::sqrt(2.0)));
  // The same pair scores every different pair lower: TAR at any FAR is 1.
  CHECK(fb::metrics::tar_at_far(sc, ijb_pair_labels(d), 1e-3) == doctest::Approx(1));
  CHECK_THROWS_WITH(ijb_template_features(d, std::vector<float>(5), 2), doctest::Contains("face embeddings"));
  CHECK_THROWS_WITH(ijb_pair_scores(d, std::vector<float>(5), 2), doctest::Contains("template features"));
}

TEST_CASE("IJB: malformed lines missing images unknown templates bad labels mismatched 5-point names") {
  auto root = write_ijbc("ijbc_bad");
  fs::path meta = root / "IJBC" / "meta";
  fbt::write_text(meta / "ijbc_face_tid_mid.txt",
                  "1.jpg 1 69544\n2.jpg one 69544\n\n3.jpg 1 69545 extra\n4.jpg 7 100\n9.jpg 7 100\n6.jpg 12 3\n");
  fbt::write_text(meta / "ijbc_name_5pts_score.txt",
                  "1.jpg 38.1 51.2 73.5 51.5 56.0 71.7 41.5 92.3 70.7 92.2 0.99\n"
                  "2.jpg 38.1 51.2 73.5 51.5 56.0 71.7 41.5 92.3 70.7 92.2 0.5\n"
                  "3.jpg 38.1 51.2 73.5 51.5 56.0 71.7 41.5 92.3 70.7 92.2 1\n"
                  "4.jpg 38.1 51.2 73.5 51.5 56.0 71.7 41.5 92.3 70.7 92.2 x\n"
                  "9.jpg 38.1 51.2 73.5 51.5 56.0 71.7 41.5 92.3 70.7 92.2 0.8\n"
                  "7.jpg 38.1 51.2 73.5 51.5 56.0 71.7 41.5 92.3 70.7 92.2 0.7\n");
  fbt::write_text(meta / "ijbc_template_pair_label.txt", "1 7 1\n1 12 2\n1 99 0\n7 12\n1 12 0\n");
  ProblemLog skip(OnError::Skip);
  skip.set_quiet(true);
  IjbDataset d((root / "IJBC").string(), "ijbc", "", skip);
  // Left: face 1 (template 1) only; 4.jpg has a bad score, 9.jpg no image, 6.jpg a name mismatch.
  REQUIRE(d.size() == 1);
  CHECK(d.templates().size() == 1);
  CHECK(d.pairs().empty());
  auto p = skip.problems();
  REQUIRE(p.size() == 10);
  CHECK(p[0].file.find("ijbc_face_tid_mid.txt") != std::string::npos);
  CHECK(p[0].line == 2);
  CHECK(p[1].line == 4);  // the blank line 3 is not a face
  CHECK(p[2].file.find("5pts") != std::string::npos);
  CHECK(p[2].line == 4);
  CHECK(p[3].line == 6);
  CHECK(p[3].what.find("'7.jpg'") != std::string::npos);
  CHECK(p[3].what.find("line 7") != std::string::npos);
  CHECK(p[4].what.find("9.jpg' does not exist") != std::string::npos);
  CHECK(p[4].line == 6);
  CHECK(p[5].line == 1);  // template 7 lost all its faces
  CHECK(p[5].what.find("template 7 has no usable face") != std::string::npos);
  CHECK(p[6].what.find("<0|1>") != std::string::npos);
  CHECK(p[7].what.find("template 99") != std::string::npos);
  CHECK(p[8].line == 4);
  CHECK(p[9].what.find("template 12") != std::string::npos);
  ProblemLog fail(OnError::Fail);
  CHECK_THROWS_WITH(IjbDataset((root / "IJBC").string(), "ijbc", "", fail),
                    doctest::Contains("ijbc_face_tid_mid.txt:2: expected"));
  // A 5-point file shorter than the face list is a whole-file problem.
  fbt::write_text(meta / "ijbc_face_tid_mid.txt", "1.jpg 1 69544\n2.jpg 1 69544\n");
  fbt::write_text(meta / "ijbc_name_5pts_score.txt", "1.jpg 38.1 51.2 73.5 51.5 56.0 71.7 41.5 92.3 70.7 92.2 0.99\n");
  fbt::write_text(meta / "ijbc_template_pair_label.txt", "");
  ProblemLog skip2(OnError::Skip);
  skip2.set_quiet(true);
  IjbDataset short_pts((root / "IJBC").string(), "ijbc", "", skip2);
  CHECK(short_pts.size() == 1);
  REQUIRE(skip2.count() == 1);
  CHECK(skip2.problems()[0].str().find("has 1 faces") != std::string::npos);
  fs::remove(meta / "ijbc_template_pair_label.txt");
  CHECK_THROWS_WITH(IjbDataset((root / "IJBC").string(), "ijbc", "", skip2), doctest::Contains("does not exist"));
}
