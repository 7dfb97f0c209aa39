#pragma once
// Internal to the dataset writer: the per-sample labels kept in memory while
// images are written, and the tables (CSV, DISFA files, manifest) built from
// them at the end in index order, so that they do not depend on thread count.
#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "facebench/synth/generator.h"

namespace fb::synth {

struct SampleRecord {
  bool has_face = false;
  std::array<float, 4> box{};
  std::array<Vec2, kNumLandmarks> lm{};
  std::array<uint8_t, kNumLandmarks> vis{};
  float yaw = 0, pitch = 0, roll = 0;
  std::array<int, kNumAus> au{};
  int emotion = 0;
  float valence = 0, arousal = 0;
  int num_faces = 0;
};

std::string id_folder(int64_t identity);
void write_text(const std::filesystem::path& p, const std::string& s);

// by_identity: identity -> its sample indices in image order.
void write_tables(const std::filesystem::path& root, const Generator& gen,
                  const std::map<int64_t, std::vector<int64_t>>& by_identity,
                  const std::vector<SampleRecord>& rec);

}  // namespace fb::synth
