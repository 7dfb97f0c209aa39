#pragma once
// fb::synth::Generator: procedurally rendered, fully labelled faces, in memory.
//
//   fb::synth::Config cfg;                 // mode, identities, per_identity, size, seed
//   cfg.mode = fb::synth::Mode::Curated;
//   fb::synth::Generator gen(cfg);         // throws std::invalid_argument on a bad config
//   for (int64_t i = 0; i < gen.size(); ++i) {
//     fb::synth::Sample s = gen.sample(i); // image + every label, no files
//     // s.image.data: size x size x 3 RGB bytes; s.parsing: size x size class ids;
//     // s.landmarks[k] (pixels), s.visible[k], s.landmarks_3d, s.yaw/pitch/roll,
//     // s.au (DISFA order, 0..5), s.emotion (AffectNet id), s.valence, s.arousal, s.identity
//   }
//
// sample(i) is a pure function of (config, i): it is thread-safe, any number of
// threads may call it in any order, and the bytes do not depend on which thread
// or in which order (each sample draws from a stream seeded by hash(seed, i)).
// Identity k is the same person in every run, mode and seed.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "facebench/synth/expression.h"
#include "facebench/synth/geometry.h"
#include "facebench/synth/image.h"
#include "facebench/synth/labels.h"

namespace fb::synth {

// Bumped whenever a change alters the bytes generated for a given config.
constexpr const char* kGeneratorVersion = "synthface-1.0";

enum class Mode {
  Curated,    // one centred face per image, every identity has per_identity images
  Uncurated,  // off-centre, tiny, partial or several faces, non-face images, identity imbalance
  Video,      // one sequence of per_identity consecutive frames per identity
};
Mode parse_mode(const std::string& s);  // throws std::invalid_argument
const char* mode_name(Mode m);

struct Config {
  Mode mode = Mode::Curated;
  int64_t identities = 100;    // number of identities (video: sequences)
  int64_t per_identity = 10;   // images per identity (video: frames per sequence)
  int size = 128;              // square image side in pixels
  uint64_t seed = 0;           // changes scenes, poses, expressions, lighting; not identities
  int64_t first_identity = 0;  // identity ids are first_identity + [0, identities)
};

struct Sample {
  int64_t index = 0;
  int64_t identity = -1;        // -1: no labelled face (uncurated non-face image)
  int64_t image_in_identity = 0;
  bool has_face = false;
  int num_faces = 0;            // faces drawn (uncurated may draw unlabelled extras)
  Image8 image;                 // RGB
  std::vector<uint8_t> parsing; // ParsingClass per pixel, all faces drawn
  // Labels of the (primary) face; pixel coordinates, 0-based, pixel centres at integers.
  std::array<Vec2, kNumLandmarks> landmarks{};
  std::array<uint8_t, kNumLandmarks> visible{};
  // x, y as landmarks; z in pixels toward the camera, 0 at the head centre's depth.
  std::array<Vec3, kNumLandmarks> landmarks_3d{};
  // Head-space landmarks with the expression applied (the model's own frame).
  std::array<Vec3, kNumLandmarks> landmarks_head{};
  float yaw = 0, pitch = 0, roll = 0;   // degrees
  std::array<int, kNumAus> au{};        // DISFA order (kAuNumbers), 0..5
  std::array<float, kNumAus> au_value{};// as rendered (video frames blend continuously)
  int emotion = 0;                      // AffectNet id 0..7
  float valence = 0, arousal = 0;
  std::array<float, 4> box{};           // x, y, w, h of the landmarks' bounding box
  // Camera: pixel = (cx + focal * X / -Z, cy - focal * Y / -Z) for the camera-space
  // point (X, Y, Z) = R(yaw, pitch, roll) * head_point + head_translation.
  float focal = 0, cx = 0, cy = 0;
  Vec3 head_translation{};
};

class Generator {
 public:
  explicit Generator(const Config& cfg);
  const Config& config() const { return cfg_; }
  int64_t size() const { return cfg_.identities * cfg_.per_identity; }
  // Identity and its image number for sample i (identity -1 for a non-face image).
  struct Slot {
    int64_t identity;
    int64_t image;
  };
  Slot slot(int64_t index) const;
  Sample sample(int64_t index) const;

 private:
  Config cfg_;
  std::vector<int64_t> unc_identity_;  // uncurated: identity of each sample (-1 none)
  std::vector<int64_t> unc_image_;     // uncurated: running image number within it
};

}  // namespace fb::synth
