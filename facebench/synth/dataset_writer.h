#pragma once
// Writes a generated dataset to disk in the formats of the real datasets, so
// the same loaders read synthetic and real data. Layout under the output dir:
//
//   manifest.json                      generator version, config, counts, conventions
//   identity_meta.csv, train_list.txt  VGGFace2 (folder per identity n%06d)
//   images/n000000/0001_01.jpg         RGB image (JPEG)
//   images/n000000/0001_01.pts         300W landmarks (68 points, 1-based coordinates)
//   parsing/n000000/0001_01.png        LaPa-style label PNG (0..10, 11 = glasses)
//   aflw3d/n000000/0001_01.mat         AFLW2000-3D style: pt3d_68, pt2d, Pose_Para
//   affectnet.csv                      AffectNet columns (class, valence, arousal)
//   disfa/ActionUnit_Labels/SN001/SN001_au<N>.txt   DISFA: identity = subject, image = frame
//   labels.csv                         every label of every image in one table
//   images/nonface/000000.jpg          uncurated images without a face (no labels)
#include <cstdint>
#include <functional>
#include <string>

#include "facebench/synth/generator.h"

namespace fb::synth {

struct WriteOptions {
  std::string out_dir;
  int threads = 1;
  int jpeg_quality = 90;  // VGGFace2-like; lower is faster to encode
  // Called from the calling thread about ten times a second and once at the end.
  std::function<void(int64_t done, int64_t total)> progress;
};

struct WriteStats {
  int64_t images = 0;
  double seconds = 0;
};

WriteStats write_dataset(const Generator& gen, const WriteOptions& opt);

// Relative path stem of a sample, e.g. "n000012/0003_01" or "nonface/000007".
std::string sample_stem(const Generator::Slot& slot, int64_t index);
// 300W .pts text for 68 points (adds 1: .pts coordinates are 1-based).
std::string pts_text(const Sample& s);

}  // namespace fb::synth
