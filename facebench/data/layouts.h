#pragma once
// Left/right structure of the landmark and parsing-label layouts, for the
// horizontal flip. Mirroring an image turns the face's left parts into right
// parts, so after moving every point to x' = W - 1 - x the points must also be
// renumbered: new[i] = old[perm[i]]. Likewise a parsing mask's "left eye" pixels
// become "right eye" pixels. Without these permutations a flip augmentation
// teaches the network to put the left eye where the right one is.
//
// The permutations are built here from each format's documented point layout
// (contours that run across the face are reversed, left parts are paired with
// right parts), not copied from a table; tests compare them with the published
// tables (HRNet MATCHED_PARTS, PFLD Mirror98.txt).
#include <cstdint>
#include <string>
#include <vector>

namespace fb::data {

enum class LandmarkLayout { None, Ibug68, Wflw98, Aflw19, Cofw29 };

const char* layout_name(LandmarkLayout l);
int layout_points(LandmarkLayout l);  // 0 for None
// The layout with this many points (68, 98, 19, 29); None for any other count.
LandmarkLayout layout_for_points(int n);
// perm[i] = the index whose point lands at i after mirroring. An involution.
// Empty for None.
const std::vector<int>& flip_permutation(LandmarkLayout l);

// Parsing label sets (class ids as stored in the label PNGs).
enum class MaskLayout {
  None,
  LaPa,          // 0 bg, 1 skin, 2/3 brows, 4/5 eyes, 6 nose, 7-9 lips/mouth, 10 hair
  Synth,         // LaPa's 11 classes plus 11 = glasses
  CelebAMaskHQ,  // official g_mask.py order: 1 + index in (skin, nose, eye_g, l_eye, r_eye, ...)
};
const char* mask_layout_name(MaskLayout m);
int mask_layout_classes(MaskLayout m);  // number of class ids incl. background; 256 for None
// A 256-entry lookup table: the class a pixel of class c holds after mirroring.
const std::vector<uint8_t>& mask_flip_lut(MaskLayout m);

}  // namespace fb::data
