#include "facebench/data/layouts.h"

#include <numeric>

#include "tensor/error.h"

namespace fb::data {

namespace {

struct PermBuilder {
  std::vector<int> p;
  explicit PermBuilder(int n) : p(size_t(n)) { std::iota(p.begin(), p.end(), 0); }
  // A contour that crosses the face's midline (jaw line, both brows drawn as
  // one run, a lip): mirroring reverses its direction.
  PermBuilder& reverse(int first, int last) {
    for (int i = first; i <= last; ++i) p[size_t(i)] = first + last - i;
    return *this;
  }
  // A left part whose points [a0..a1] mirror onto the right part [b0..b1] in
  // the opposite running order (both eyes traced clockwise, for instance).
  PermBuilder& mirror(int a0, int a1, int b0, int b1) {
    FB_CHECK(a1 - a0 == b0 - b1, "layout: mirrored ranges differ in length");
    for (int k = 0; k <= a1 - a0; ++k) {
      p[size_t(a0 + k)] = b0 - k;
      p[size_t(b0 - k)] = a0 + k;
    }
    return *this;
  }
  PermBuilder& swap(int a, int b) {
    p[size_t(a)] = b;
    p[size_t(b)] = a;
    return *this;
  }
};

// iBUG 68 (300W): jaw 0-16 (image-left ear to image-right ear), brows 17-21 and
// 22-26 (each traced left to right), nose bridge 27-30 on the midline, nostrils
// 31-35 (left to right), eyes 36-41 and 42-47 (each from its left corner,
// clockwise: corner, two upper-lid points, corner, two lower-lid points), outer
// lip 48-59 (clockwise from the left corner) and inner lip 60-67 likewise.
std::vector<int> ibug68() {
  PermBuilder b(68);
  b.reverse(0, 16).reverse(17, 26).reverse(31, 35);
  // Left eye corner 36 (outer) and 39 (inner) mirror onto 45 (outer) and 42
  // (inner); the upper lids 37,38 onto 44,43; the lower lids 40,41 onto 47,46.
  b.mirror(36, 39, 45, 42).mirror(40, 41, 47, 46);
  // Lips: the upper arc 48-54 and lower arc 55-59 each span the midline.
  b.reverse(48, 54).reverse(55, 59).reverse(60, 64).reverse(65, 67);
  return b.p;
}

// WFLW 98: contour 0-32 (left to right), left brow 33-37 upper edge and 38-41
// lower edge, right brow 42-46 upper and 47-50 lower (each brow traced outward
// to inward on top, back along the bottom), nose bridge 51-54, nostrils 55-59,
// left eye 60-67 and right eye 68-75 (8 points from the outer/inner corner,
// clockwise), outer lip 76-87, inner lip 88-95, pupils 96 (left) and 97 (right).
std::vector<int> wflw98() {
  PermBuilder b(98);
  b.reverse(0, 32);
  b.mirror(33, 37, 46, 42).mirror(38, 41, 50, 47);
  b.reverse(55, 59);
  b.mirror(60, 64, 72, 68).mirror(65, 67, 75, 73);
  b.reverse(76, 82).reverse(83, 87).reverse(88, 92).reverse(93, 95);
  b.swap(96, 97);
  return b.p;
}

// AFLW 19: brows 0-5 (three per brow, left to right across the face), eyes
// 6-11 (outer corner, centre, inner corner of the left eye, then the right
// eye's inner, centre, outer), nose 12-14 (left, tip, right), mouth 15-17
// (left corner, centre, right corner), chin 18. Each group is symmetric about
// the midline, so mirroring reverses it.
std::vector<int> aflw19() {
  PermBuilder b(19);
  b.reverse(0, 5).reverse(6, 11).reverse(12, 14).reverse(15, 17);
  return b.p;
}

// COFW 29 (RCPR markup): parts are listed as (left, right) pairs: brow outer
// corners 0/1, brow inner corners 2/3, brow tops 4/6 and brow bottoms 5/7, eye
// outer corners 8/9, eye inner corners 10/11, upper lids 12/14 and lower lids
// 13/15, pupils 16/17, nose wings 18/19, then midline points 20 and 21 (nose
// tip, nose base), mouth corners 22/23, and midline lip and chin points 24-28.
std::vector<int> cofw29() {
  PermBuilder b(29);
  b.swap(0, 1).swap(2, 3).swap(4, 6).swap(5, 7).swap(8, 9).swap(10, 11);
  b.swap(12, 14).swap(13, 15).swap(16, 17).swap(18, 19).swap(22, 23);
  return b.p;
}

}  // namespace

const char* layout_name(LandmarkLayout l) {
  switch (l) {
    case LandmarkLayout::Ibug68: return "ibug68";
    case LandmarkLayout::Wflw98: return "wflw98";
    case LandmarkLayout::Aflw19: return "aflw19";
    case LandmarkLayout::Cofw29: return "cofw29";
    default: return "none";
  }
}

int layout_points(LandmarkLayout l) {
  switch (l) {
    case LandmarkLayout::Ibug68: return 68;
    case LandmarkLayout::Wflw98: return 98;
    case LandmarkLayout::Aflw19: return 19;
    case LandmarkLayout::Cofw29: return 29;
    default: return 0;
  }
}

LandmarkLayout layout_for_points(int n) {
  switch (n) {
    case 68: return LandmarkLayout::Ibug68;
    case 98: return LandmarkLayout::Wflw98;
    case 19: return LandmarkLayout::Aflw19;
    case 29: return LandmarkLayout::Cofw29;
    default: return LandmarkLayout::None;
  }
}

const std::vector<int>& flip_permutation(LandmarkLayout l) {
  static const std::vector<int> none, p68 = ibug68(), p98 = wflw98(), p19 = aflw19(), p29 = cofw29();
  switch (l) {
    case LandmarkLayout::Ibug68: return p68;
    case LandmarkLayout::Wflw98: return p98;
    case LandmarkLayout::Aflw19: return p19;
    case LandmarkLayout::Cofw29: return p29;
    default: return none;
  }
}

const char* mask_layout_name(MaskLayout m) {
  switch (m) {
    case MaskLayout::LaPa: return "lapa";
    case MaskLayout::Synth: return "synth";
    case MaskLayout::CelebAMaskHQ: return "celebamask-hq";
    default: return "none";
  }
}

int mask_layout_classes(MaskLayout m) {
  switch (m) {
    case MaskLayout::LaPa: return 11;
    case MaskLayout::Synth: return 12;
    case MaskLayout::CelebAMaskHQ: return 19;
    default: return 256;
  }
}

const std::vector<uint8_t>& mask_flip_lut(MaskLayout m) {
  auto make = [](std::initializer_list<std::pair<int, int>> pairs) {
    std::vector<uint8_t> lut(256);
    std::iota(lut.begin(), lut.end(), 0);
    for (auto [a, b] : pairs) {
      lut[size_t(a)] = uint8_t(b);
      lut[size_t(b)] = uint8_t(a);
    }
    return lut;
  };
  // LaPa labelmap: 2 left eyebrow / 3 right eyebrow, 4 left eye / 5 right eye.
  static const std::vector<uint8_t> lapa = make({{2, 3}, {4, 5}});
  // CelebAMask-HQ g_mask.py ids: 4 l_eye / 5 r_eye, 6 l_brow / 7 r_brow, 8 l_ear / 9 r_ear.
  static const std::vector<uint8_t> celeba = make({{4, 5}, {6, 7}, {8, 9}});
  static const std::vector<uint8_t> identity = make({});
  switch (m) {
    case MaskLayout::LaPa:
    case MaskLayout::Synth: return lapa;
    case MaskLayout::CelebAMaskHQ: return celeba;
    default: return identity;
  }
}

}  // namespace fb::data
