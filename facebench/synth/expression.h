#pragma once
// Facial expressions as FACS action units (the 12 DISFA AUs), emotions as
// prototypical AU combinations, valence/arousal, blinks and gaze; and the
// deformation field that moves the face surface for a given expression.
#include <array>
#include <cstdint>

#include "facebench/synth/geometry.h"
#include "facebench/synth/identity.h"

namespace fb::synth {

class Rng;

constexpr int kNumAus = 12;
// Full lip gap of the rest layout (head units): the widest the mouth opens
// before the jaw drop adds more.
constexpr float kMouthGap = 0.16f;
// AU numbers in label order (DISFA).
constexpr std::array<int, kNumAus> kAuNumbers = {1, 2, 4, 5, 6, 9, 12, 15, 17, 20, 25, 26};

// AffectNet expression ids.
enum class Emotion : int { Neutral = 0, Happy, Sad, Surprise, Fear, Disgust, Anger, Contempt };
constexpr int kNumEmotions = 8;
const char* emotion_name(Emotion e);

struct Expression {
  std::array<float, kNumAus> au{};      // intensities 0..5 as rendered
  std::array<float, 2> au12_side{1, 1}; // AU12 gain on the image-left / image-right side
  float blink = 0;                      // 0 = eyes as the AUs say, 1 = closed
  float gaze_x = 0, gaze_y = 0;         // iris offset in head units
  Emotion emotion = Emotion::Neutral;
  float valence = 0, arousal = 0;       // in [-1, 1]
};

// A random expression: an emotion (uniform over the 7 non-neutral ones, neutral
// with probability p_neutral) at a random intensity, AU intensities rounded to
// integers (the labels are exact), a little unrelated AU activity, blinks, gaze.
Expression sample_expression(Rng& g, float p_neutral = 0.25f);
// The prototype of an emotion at intensity k in [0, 1], with continuous AUs
// (used by video sequences, which blend smoothly).
Expression emotion_prototype(Emotion e, float k);
// Valence/arousal of an emotion at intensity k (circumplex-model centres).
void emotion_valence_arousal(Emotion e, float k, float& valence, float& arousal);

// The controls that an expression sets, derived once per face.
struct ExpressionControls {
  float eye_upper = 0.7f, eye_lower = 0.9f;  // remaining fraction of the lid arcs (1 = wide)
  float mouth_open = 0;                      // fraction of the full lip gap
  float jaw = 0;                             // extra jaw drop, head units
  float a[kNumAus]{};                        // intensities / 5
  float side12[2]{1, 1};
  float gaze_x = 0, gaze_y = 0;
};
ExpressionControls expression_controls(const Expression& e);

// Offset of the face-front point whose rest face-plane coordinates are (s, t).
// The eye and mouth openings exist in the rest layout at their widest and the
// field closes them as far as the expression says: the regions of the parsing
// mask, defined on (s, t), therefore follow the lids and lips exactly.
Vec3 expression_offset(const IdentityParams& id, const ExpressionControls& c, float s, float t);

}  // namespace fb::synth
