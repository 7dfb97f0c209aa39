// Decoding, flip permutations, geometric and photometric transforms, heatmaps.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include <stb_image_write.h>

#include "facebench/data/color.h"
#include "facebench/data/geometry.h"
#include "facebench/data/heatmap.h"
#include "facebench/data/layouts.h"
#include "facebench/data/pipeline.h"
#include "facebench/synth/generator.h"
#include "test_util.h"

using namespace fb::data;

namespace {
std::vector<int> parse_list(const std::string& s) {
  std::vector<int> v;
  std::stringstream ss(s);
  std::string t;
  while (std::getline(ss, t, ',')) v.push_back(std::stoi(t));
  return v;
}
}  // namespace

TEST_CASE("decoding: PNG JPEG PGM BMP round trips - gray files become RGB") {
  auto dir = fbt::scratch("decode");
  Image8 im = fbt::pattern(37, 23);
  write_png((dir / "a.png").string(), im);
  Image8 png = decode_image_file((dir / "a.png").string());
  CHECK(png.width == 37);
  CHECK(png.height == 23);
  CHECK(png.px == im.px);  // lossless
  write_jpeg((dir / "a.jpg").string(), im, 95);
  Image8 jpg = decode_image_file((dir / "a.jpg").string());
  REQUIRE(jpg.px.size() == im.px.size());
  double err = 0;
  for (size_t i = 0; i < im.px.size(); ++i) err += std::abs(int(jpg.px[i]) - int(im.px[i]));
  CHECK(err / double(im.px.size()) < 8.0);  // lossy but close
  // Binary PGM (P5) as the ORL files are stored.
  std::string pgm = "P5\n4 2\n255\n";
  for (int i = 0; i < 8; ++i) pgm += char(i * 30);
  fbt::write_text(dir / "g.pgm", pgm);
  Image8 g = decode_image_file((dir / "g.pgm").string());
  CHECK(g.channels == 3);
  CHECK(g.px[3 * 5 + 0] == 150);
  CHECK(g.px[3 * 5 + 2] == 150);
  Image8 g1 = decode_image_file((dir / "g.pgm").string(), 1);
  CHECK(g1.channels == 1);
  // BMP written by stb.
  Image8 small = fbt::pattern(5, 4);
  write_png((dir / "s.png").string(), small);
  int w, h, c;
  CHECK(probe_image_file((dir / "s.png").string(), &w, &h, &c));
  CHECK(w == 5);
  CHECK(h == 4);
}

TEST_CASE("decoding: truncated corrupt empty and missing files throw naming the file") {
  auto dir = fbt::scratch("decode_bad");
  Image8 im = fbt::pattern(64, 64);
  std::string jpg = encode_jpeg(im, 90);
  fbt::write_text(dir / "trunc.jpg", jpg.substr(0, jpg.size() * 2 / 3));
  CHECK_THROWS_WITH(decode_image_file((dir / "trunc.jpg").string()), doctest::Contains("trunc.jpg"));
  CHECK_THROWS_WITH(decode_image_file((dir / "trunc.jpg").string()), doctest::Contains("truncated"));
  // Complete file decodes; the same bytes minus only the EOI marker do not.
  fbt::write_text(dir / "noeoi.jpg", jpg.substr(0, jpg.size() - 2));
  CHECK_THROWS(decode_image_file((dir / "noeoi.jpg").string()));
  write_png((dir / "p.png").string(), im);
  std::string png = fb::data::read_file_bytes((dir / "p.png").string());
  fbt::write_text(dir / "trunc.png", png.substr(0, png.size() / 2));
  CHECK_THROWS_WITH(decode_image_file((dir / "trunc.png").string()), doctest::Contains("trunc.png"));
  fbt::write_text(dir / "garbage.jpg", std::string("this is not an image at all"));
  CHECK_THROWS_WITH(decode_image_file((dir / "garbage.jpg").string()), doctest::Contains("garbage.jpg"));
  fbt::write_text(dir / "empty.png", "");
  CHECK_THROWS_WITH(decode_image_file((dir / "empty.png").string()), doctest::Contains("empty"));
  std::string pgm = "P5\n10 10\n255\nabc";  // 3 of 100 pixels
  fbt::write_text(dir / "short.pgm", pgm);
  CHECK_THROWS_WITH(decode_image_file((dir / "short.pgm").string()), doctest::Contains("short.pgm"));
  // A side of 0 (stb returns an empty image) and one beyond int (stb's parser overflows).
  for (const char* header : {"P5\n3 0\n255\n", "P6 10995511627750 0 255\n"}) {
    const std::string bad = header;
    CAPTURE(bad);
    CHECK_THROWS_WITH(decode_image_memory(bad.data(), bad.size(), "bad.pgm", 0), doctest::Contains("bad.pgm"));
  }
  CHECK_THROWS_WITH(decode_image_file((dir / "absent.jpg").string()), doctest::Contains("absent.jpg"));
  // A BMP cut short (stb would pad it with black).
  std::string bmp;
  stbi_write_bmp_to_func([](void* ctx, void* d, int n) { static_cast<std::string*>(ctx)->append((char*)d, size_t(n)); },
                         &bmp, im.width, im.height, 3, im.px.data());
  fbt::write_text(dir / "whole.bmp", bmp);
  CHECK(decode_image_file((dir / "whole.bmp").string()).px == im.px);
  fbt::write_text(dir / "cut.bmp", bmp.substr(0, bmp.size() - 500));
  CHECK_THROWS_WITH(decode_image_file((dir / "cut.bmp").string()), doctest::Contains("truncated BMP"));
}

TEST_CASE("flip permutations derived from the layouts equal the published tables") {
  // FORMATS.md section 10 (HRNet MATCHED_PARTS converted to 0-based; PFLD Mirror98.txt).
  CHECK(flip_permutation(LandmarkLayout::Ibug68) ==
        parse_list("16,15,14,13,12,11,10,9,8,7,6,5,4,3,2,1,0,26,25,24,23,22,21,20,19,18,17,27,28,29,30,35,34,33,32,"
                   "31,45,44,43,42,47,46,39,38,37,36,41,40,54,53,52,51,50,49,48,59,58,57,56,55,64,63,62,61,60,67,66,65"));
  CHECK(flip_permutation(LandmarkLayout::Wflw98) ==
        parse_list("32,31,30,29,28,27,26,25,24,23,22,21,20,19,18,17,16,15,14,13,12,11,10,9,8,7,6,5,4,3,2,1,0,46,45,"
                   "44,43,42,50,49,48,47,37,36,35,34,33,41,40,39,38,51,52,53,54,59,58,57,56,55,72,71,70,69,68,75,74,"
                   "73,64,63,62,61,60,67,66,65,82,81,80,79,78,77,76,87,86,85,84,83,92,91,90,89,88,95,94,93,97,96"));
  CHECK(flip_permutation(LandmarkLayout::Aflw19) == parse_list("5,4,3,2,1,0,11,10,9,8,7,6,14,13,12,17,16,15,18"));
  CHECK(flip_permutation(LandmarkLayout::Cofw29) ==
        parse_list("1,0,3,2,6,7,4,5,9,8,11,10,14,15,12,13,17,16,19,18,20,21,23,22,24,25,26,27,28"));
}

TEST_CASE("flip permutations are involutions that send each left part onto its right part") {
  for (auto l : {LandmarkLayout::Ibug68, LandmarkLayout::Wflw98, LandmarkLayout::Aflw19, LandmarkLayout::Cofw29}) {
    const auto& p = flip_permutation(l);
    REQUIRE(int(p.size()) == layout_points(l));
    CHECK(layout_for_points(layout_points(l)) == l);
    for (int i = 0; i < int(p.size()); ++i) CHECK(p[size_t(p[size_t(i)])] == i);
  }
  auto maps_onto = [](LandmarkLayout l, int a0, int a1, int b0, int b1) {
    std::set<int> img, target;
    for (int i = a0; i <= a1; ++i) img.insert(flip_permutation(l)[size_t(i)]);
    for (int i = b0; i <= b1; ++i) target.insert(i);
    return img == target;
  };
  // Point ranges from FORMATS.md section 11 (eyes and brows) and section 3.
  CHECK(maps_onto(LandmarkLayout::Ibug68, 36, 41, 42, 47));  // eyes
  CHECK(maps_onto(LandmarkLayout::Ibug68, 17, 21, 22, 26));  // brows
  CHECK(flip_permutation(LandmarkLayout::Ibug68)[36] == 45);  // outer corners (NME normaliser)
  CHECK(maps_onto(LandmarkLayout::Wflw98, 60, 67, 68, 75));
  CHECK(maps_onto(LandmarkLayout::Wflw98, 33, 41, 42, 50));
  CHECK(flip_permutation(LandmarkLayout::Wflw98)[60] == 72);
  CHECK(flip_permutation(LandmarkLayout::Wflw98)[96] == 97);  // pupils
  CHECK(maps_onto(LandmarkLayout::Aflw19, 0, 2, 3, 5));
  CHECK(maps_onto(LandmarkLayout::Aflw19, 6, 8, 9, 11));
  CHECK(flip_permutation(LandmarkLayout::Aflw19)[6] == 11);
  CHECK(flip_permutation(LandmarkLayout::Cofw29)[8] == 9);  // COFW normaliser pair
}

TEST_CASE("the 68-point permutation mirrors the rendered face model onto itself") {
  // In the face model's own frame (x across the face, 0 on the midline) the
  // mirrored, renumbered landmarks land on the originals; a wrong pairing (eye
  // point 37 with 43 instead of 44, say) moves points by a visible fraction of
  // the face, which the negative control below shows.
  fb::synth::Config cfg;
  cfg.identities = 6;
  cfg.per_identity = 2;
  cfg.size = 64;
  fb::synth::Generator gen(cfg);
  auto worst_error = [](const fb::synth::Sample& s, const std::vector<int>& p) {
    double worst = 0;
    for (int k = 0; k < 68; ++k) {
      const auto& q = s.landmarks_head[size_t(p[size_t(k)])];
      worst = std::max<double>(worst, std::hypot(-q.x - s.landmarks_head[size_t(k)].x, q.y - s.landmarks_head[size_t(k)].y));
    }
    return worst;
  };
  std::vector<int> wrong = flip_permutation(LandmarkLayout::Ibug68);
  std::swap(wrong[37], wrong[38]);  // pair 37 with 43 and 38 with 44: not an error of the table's shape
  std::swap(wrong[43], wrong[44]);
  for (int64_t i = 0; i < gen.size(); ++i) {
    auto s = gen.sample(i);
    const double face_w = s.landmarks_head[16].x - s.landmarks_head[0].x;
    REQUIRE(face_w > 0);
    CHECK(worst_error(s, flip_permutation(LandmarkLayout::Ibug68)) < 0.03 * face_w);
    CHECK(worst_error(s, wrong) > 0.03 * face_w);
  }
}

TEST_CASE("mask flip tables swap left and right classes only") {
  const auto& lapa = mask_flip_lut(MaskLayout::LaPa);
  CHECK(lapa[2] == 3);
  CHECK(lapa[4] == 5);
  CHECK(lapa[1] == 1);
  CHECK(lapa[10] == 10);
  const auto& cm = mask_flip_lut(MaskLayout::CelebAMaskHQ);
  CHECK(cm[4] == 5);  // l_eye / r_eye
  CHECK(cm[6] == 7);  // l_brow / r_brow
  CHECK(cm[8] == 9);  // l_ear / r_ear
  CHECK(cm[3] == 3);  // eye_g
  for (int c = 0; c < 256; ++c) CHECK(cm[cm[size_t(c)]] == c);
}

namespace {
// A black image with one bright pixel at landmark 0 of 19 (the others are
// elsewhere), so a view shows where point 0 went.
Sample dot_sample(int w, int h, float x, float y) {
  Sample s;
  s.image.reset(w, h, 3);
  s.image.px[(size_t(std::lround(y)) * w + size_t(std::lround(x))) * 3 + 1] = 255;
  s.layout = LandmarkLayout::Aflw19;
  s.landmarks = {x, y};
  for (int k = 1; k < 19; ++k) s.landmarks.insert(s.landmarks.end(), {float(k), float(2 * k)});
  s.source = "dot";
  return s;
}
std::pair<int, int> brightest(const ImageF& im) {
  int best = 0;
  for (int i = 1; i < im.width * im.height; ++i)
    if (im.px[size_t(i) * 3 + 1] > im.px[size_t(best) * 3 + 1]) best = i;
  return {best % im.width, best / im.width};
}
}  // namespace

TEST_CASE("warp: identity and mirror move pixels landmarks and masks consistently") {
  Sample s;
  s.image = fbt::pattern(20, 12);
  s.mask.reset(20, 12, 1);
  for (int y = 0; y < 12; ++y)
    for (int x = 0; x < 20; ++x) s.mask.px[size_t(y) * 20 + x] = x < 10 ? 2 : 5;  // left brow | right eye
  s.mask_layout = MaskLayout::LaPa;
  for (int k = 0; k < 19; ++k) s.landmarks.insert(s.landmarks.end(), {float(k), float(k % 12)});
  s.layout = LandmarkLayout::Aflw19;
  View id = warp(s, box_to_view(0, 0, 20, 12, 20, 12), 20, 12, false);
  for (size_t i = 0; i < s.image.px.size(); ++i) REQUIRE(std::abs(id.image.px[i] * 255 - s.image.px[i]) < 1e-3);
  CHECK(id.landmarks == s.landmarks);
  CHECK(id.mask.px == s.mask.px);
  View m = warp(s, box_to_view(0, 0, 20, 12, 20, 12), 20, 12, true);
  CHECK(std::abs(m.image.px[(3 * 20 + 4) * 3] * 255 - s.image.px[(3 * 20 + 15) * 3]) < 1e-3);
  const auto& p = flip_permutation(LandmarkLayout::Aflw19);
  for (int k = 0; k < 19; ++k) {
    CHECK(m.landmarks[size_t(2 * k)] == doctest::Approx(19 - s.landmarks[size_t(2 * p[size_t(k)])]));
    CHECK(m.landmarks[size_t(2 * k + 1)] == doctest::Approx(s.landmarks[size_t(2 * p[size_t(k)] + 1)]));
  }
  // Left half was class 2 (left brow): it is now on the right and called 3.
  CHECK(m.mask.px[19] == 3);
  CHECK(m.mask.px[0] == 4);
  // A layout that does not match the number of points refuses to mirror.
  s.layout = LandmarkLayout::Ibug68;
  CHECK_THROWS_WITH(warp(s, Affine{}, 20, 12, true), doctest::Contains("cannot mirror 19"));
}

TEST_CASE("warp: a crop scale rotation and mirror keep each landmark on its pixel") {
  fb::Generator rng(7);
  AugmentConfig c;
  c.size = 64;
  c.crop = CropMode::Face;
  c.rotate_degrees = 40;
  c.face_scale_jitter = 0.2f;
  c.face_shift = 0.1f;
  c.flip_p = 0.5f;
  c.face_enlarge = 3.0f;
  int flips = 0;
  for (int t = 0; t < 20; ++t) {
    Sample s = dot_sample(100, 80, float(30 + rng.randint(40)), float(20 + rng.randint(40)));
    s.box = {s.landmarks[0] - 8, s.landmarks[1] - 8, 16, 16};
    View v = augment(s, c, rng);
    auto [bx, by] = brightest(v.image);
    // Mirrored, source point 0 (a left brow corner) is renumbered 5.
    const size_t slot = v.flipped ? 5 : 0;
    flips += v.flipped;
    CHECK(std::abs(bx - v.landmarks[2 * slot]) <= 1.0);
    CHECK(std::abs(by - v.landmarks[2 * slot + 1]) <= 1.0);
  }
  CHECK(flips > 0);
  CHECK(flips < 20);
}

TEST_CASE("box_to_view maps crop edges to view edges") {
  Affine m = box_to_view(10, 20, 50, 25, 100, 50);  // twice as large
  double x, y;
  m.apply(10 - 0.5, 20 - 0.5, &x, &y);  // the box's top-left edge
  CHECK(x == doctest::Approx(-0.5));
  CHECK(y == doctest::Approx(-0.5));
  m.apply(59.5, 44.5, &x, &y);  // bottom-right edge
  CHECK(x == doctest::Approx(99.5));
  CHECK(y == doctest::Approx(49.5));
  Affine r = rotate_scale_about(5, 5, 90, 1);  // counter-clockwise on screen
  r.apply(6, 5, &x, &y);                       // a point right of the centre goes up
  CHECK(x == doctest::Approx(5));
  CHECK(y == doctest::Approx(4));
}

TEST_CASE("random resized crop stays inside the image with the requested area and ratio") {
  fb::Generator rng(3);
  for (int t = 0; t < 200; ++t) {
    Box b = random_resized_box(300, 200, 0.14, 1.0, 3.0 / 4, 4.0 / 3, rng);
    CHECK(b.x >= 0);
    CHECK(b.y >= 0);
    CHECK(b.x + b.w <= 300);
    CHECK(b.y + b.h <= 200);
    double frac = b.w * b.h / (300.0 * 200);
    CHECK(frac >= 0.13);
    CHECK(frac <= 1.0);
    CHECK(b.w / b.h >= 0.74);
    CHECK(b.w / b.h <= 1.35);
  }
  fb::Generator a(11), b(11);
  Box ba = random_resized_box(300, 200, 0.05, 0.14, 0.75, 1.33, a), bb = random_resized_box(300, 200, 0.05, 0.14, 0.75, 1.33, b);
  CHECK(ba.x == bb.x);
  CHECK(ba.w == bb.w);
}

TEST_CASE("photometric transforms follow their definitions") {
  ImageF im;
  im.reset(8, 8, 3);
  for (size_t i = 0; i < im.px.size(); ++i) im.px[i] = float((i * 7) % 11) / 10.0f;
  ImageF g = im;
  to_grayscale(g);
  for (size_t i = 0; i < g.px.size(); i += 3) {
    CHECK(g.px[i] == g.px[i + 1]);
    CHECK(g.px[i] == doctest::Approx(0.299 * im.px[i] + 0.587 * im.px[i + 1] + 0.114 * im.px[i + 2]).epsilon(1e-5));
  }
  ImageF s0 = im;
  adjust_saturation(s0, 0.0f);
  for (size_t i = 0; i < g.px.size(); ++i) CHECK(s0.px[i] == doctest::Approx(g.px[i]).epsilon(1e-5));
  ImageF red;
  red.reset(1, 1, 3);
  red.px = {1.0f, 0.0f, 0.0f};
  adjust_hue(red, 1.0f / 3);  // a third of a turn: red -> green
  CHECK(red.px[0] == doctest::Approx(0.0).epsilon(1e-5));
  CHECK(red.px[1] == doctest::Approx(1.0).epsilon(1e-5));
  ImageF b = im;
  adjust_brightness(b, 2.0f);
  CHECK(b.px[3] == doctest::Approx(std::min(1.0f, 2 * im.px[3])));
  ImageF sol = im;
  solarize(sol, 0.5f);
  for (size_t i = 0; i < sol.px.size(); ++i) CHECK(sol.px[i] == doctest::Approx(im.px[i] >= 0.5f ? 1 - im.px[i] : im.px[i]));
  ImageF c = im;
  adjust_contrast(c, 0.0f);  // all pixels become the mean grey
  for (size_t i = 1; i < c.px.size(); ++i) CHECK(c.px[i] == doctest::Approx(c.px[0]));
  // Blur keeps a constant image and the mean of any image (clamped edges keep it close).
  ImageF k;
  k.reset(16, 16, 3);
  std::fill(k.px.begin(), k.px.end(), 0.25f);
  gaussian_blur(k, 1.5f);
  for (float v : k.px) CHECK(v == doctest::Approx(0.25f));
  ImageF spike;
  spike.reset(21, 21, 3);
  spike.px[(10 * 21 + 10) * 3] = 1.0f;
  gaussian_blur(spike, 1.0f);
  double sum = 0;
  for (size_t i = 0; i < spike.px.size(); i += 3) sum += spike.px[i];
  CHECK(sum == doctest::Approx(1.0).epsilon(1e-4));
  CHECK(spike.px[(10 * 21 + 10) * 3] > spike.px[(10 * 21 + 11) * 3]);
}

TEST_CASE("SwAV multi-crop: 2 x 224 + 6 x 96 by default configurable") {
  Pipeline p = swav_multicrop();
  CHECK(p.num_views() == 8);
  CHECK(p.view_size(0) == 224);
  CHECK(p.view_size(1) == 224);
  CHECK(p.view_size(2) == 96);
  CHECK(p.view_size(7) == 96);
  Sample s;
  s.image = fbt::pattern(120, 100);
  fb::Generator rng(1);
  auto views = p(s, rng);
  REQUIRE(views.size() == 8);
  CHECK(views[0].image.width == 224);
  CHECK(views[7].image.height == 96);
  Pipeline q = swav_multicrop({160, 64}, {2, 4}, {0.2f, 0.05f}, {1.0f, 0.2f});
  CHECK(q.num_views() == 6);
  CHECK(q.view_size(5) == 64);
  CHECK_THROWS(swav_multicrop({224}, {2, 6}, {0.1f}, {1.0f}));
}

TEST_CASE("heatmaps peak at the landmark and skip invisible or outside points") {
  View v;
  v.image.reset(64, 64, 3);
  v.landmarks = {21.5f, 41.5f, 10.f, 10.f, 100.f, 5.f};  // third point is outside
  v.visible = {1, 0, 1};
  HeatmapConfig c;  // stride 4 -> 16 x 16
  std::vector<float> hm(16 * 16 * 3), w(3);
  render_heatmaps(v, c, hm.data(), w.data());
  CHECK(w[0] == 1);
  CHECK(w[1] == 0);
  CHECK(w[2] == 0);
  int best = 0;
  for (int i = 0; i < 256; ++i)
    if (hm[size_t(i) * 3] > hm[size_t(best) * 3]) best = i;
  // (21.5 + 0.5) / 4 - 0.5 = 5; (41.5 + 0.5) / 4 - 0.5 = 10
  CHECK(best % 16 == 5);
  CHECK(best / 16 == 10);
  CHECK(hm[size_t(best) * 3] == doctest::Approx(1.0f));
  for (int i = 0; i < 256; ++i) CHECK(hm[size_t(i) * 3 + 1] == 0.0f);
}

TEST_CASE("warp: head pose follows rotation and mirror - depths are renumbered with the points") {
  Sample s;
  s.image = fbt::pattern(32, 32);
  s.layout = LandmarkLayout::Aflw19;
  for (int k = 0; k < 19; ++k) {
    s.landmarks.insert(s.landmarks.end(), {float(k), float(k)});
    s.depth.push_back(float(100 + k));
  }
  s.has_pose = true;
  s.pose = {20, 5, 10};
  // Turn 30 degrees counter-clockwise about the centre, at twice the size.
  Affine m = rotate_scale_about(15.5, 15.5, 30, 2.0);
  View v = warp(s, m, 32, 32, false);
  CHECK(v.pose[0] == doctest::Approx(20));
  CHECK(v.pose[2] == doctest::Approx(40));
  CHECK(v.depth[3] == doctest::Approx(2 * 103));
  View f = warp(s, Affine{}, 32, 32, true);
  CHECK(f.pose[0] == doctest::Approx(-20));
  CHECK(f.pose[1] == doctest::Approx(5));
  CHECK(f.pose[2] == doctest::Approx(-10));
  CHECK(f.depth[0] == doctest::Approx(105));  // slot 0 holds source point 5
}

TEST_CASE("warp: the axis-aligned fast path equals the general resampler") {
  Sample s;
  s.image = fbt::pattern(50, 40, 3);
  s.mask.reset(50, 40, 1);
  for (size_t i = 0; i < s.mask.px.size(); ++i) s.mask.px[i] = uint8_t(i % 11);
  s.mask_layout = MaskLayout::LaPa;
  fb::Generator rng(5);
  for (int t = 0; t < 20; ++t) {
    // Boxes that reach outside the image too, so both border rules are exercised.
    Affine m = box_to_view(-5 + 10 * rng.uniform(), -5 + 10 * rng.uniform(), 20 + 40 * rng.uniform(),
                           20 + 30 * rng.uniform(), 33, 29);
    Affine skew = m;
    skew.b = 1e-200;  // not axis-aligned any more: takes the general loop
    const bool mirror = t % 2;
    View a = warp(s, m, 33, 29, mirror), b = warp(s, skew, 33, 29, mirror);
    for (size_t i = 0; i < a.image.px.size(); ++i) REQUIRE(a.image.px[i] == doctest::Approx(b.image.px[i]).epsilon(1e-5));
    CHECK(a.mask.px == b.mask.px);
  }
}
