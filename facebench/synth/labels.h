#pragma once
// Label vocabularies shared by the renderer, the writers and the preview.
#include <cstdint>

namespace fb::synth {

constexpr int kNumLandmarks = 68;  // iBUG-68 order: jaw 0-16, brows 17-26, nose 27-35,
                                   // eyes 36-47, mouth 48-67 (0-based)

// Parsing classes: LaPa's 11 (values 0-10) plus glasses. "Left" is the
// image-left part of a frontal face (the brow 17-21 and the eye 36-41), which
// is the person's right.
enum ParsingClass : uint8_t {
  kBackground = 0,
  kSkin = 1,
  kLeftBrow = 2,
  kRightBrow = 3,
  kLeftEye = 4,
  kRightEye = 5,
  kNose = 6,
  kUpperLip = 7,
  kInnerMouth = 8,
  kLowerLip = 9,
  kHair = 10,
  kGlasses = 11,
};
constexpr int kNumParsingClasses = 12;
inline const char* parsing_class_name(int c) {
  static const char* names[kNumParsingClasses] = {
      "background", "skin", "left_eyebrow", "right_eyebrow", "left_eye", "right_eye",
      "nose", "upper_lip", "inner_mouth", "lower_lip", "hair", "glasses"};
  return c >= 0 && c < kNumParsingClasses ? names[c] : "?";
}

}  // namespace fb::synth
