#pragma once
// DISFA action-unit intensities.
//
//   <root>/ActionUnit_Labels/SN001/SN001_au1.txt ... SN001_au26.txt
// 12 AUs (1, 2, 4, 5, 6, 9, 12, 15, 17, 20, 25, 26); AU numbers in file names
// are not zero-padded. Each file has one line per video frame, "frameIdx,intensity",
// both integers, no header; intensity 0..5. The frame count comes from the
// files (it differs between sources), and every AU file of a subject must have
// the same count and frame numbers.
//
// Frames are images the user extracted from the videos; `frame_pattern` says
// where, relative to `frame_root`, with placeholders
//   {subject} "SN001"   {sn} 1   {sn0} 0 (subject number - 1)
//   {index} 0-based line number (how ME-GraphAU names frames)   {frame} frameIdx from the file
// and an optional zero-padding width, e.g. "{frame:4}". The default
// "{subject}/{index}.png" is ME-GraphAU's; `facebench synth` writes
// "n{sn0:6}/{frame:4}_01.jpg" under images/. An empty frame_root reads labels only
// (get() then fails; inspect still validates the labels).
//
// Sample values = the 12 intensities in the AU order above; split(i) = the
// subject-exclusive part (part1/part2/part3) of the standard 3-fold protocol.
#include <array>
#include <string>
#include <vector>

#include "facebench/data/dataset.h"

namespace fb::data {

constexpr std::array<int, 12> kDisfaAus = {1, 2, 4, 5, 6, 9, 12, 15, 17, 20, 25, 26};

class DisfaDataset : public Dataset {
 public:
  DisfaDataset(const std::string& root, const std::string& frame_root, const std::string& frame_pattern,
               ProblemLog& log);
  std::string name() const override { return "disfa"; }
  int64_t size() const override { return int64_t(items_.size()); }
  Sample get(int64_t i) const override;
  std::string file(int64_t i) const override;
  std::string split(int64_t i) const override;
  std::vector<std::string> value_names() const override {
    std::vector<std::string> v;
    for (int au : kDisfaAus) v.push_back("AU" + std::to_string(au));
    return v;
  }
  std::string subject(int64_t i) const { return items_[size_t(i)].subject; }
  const std::array<uint8_t, 12>& intensities(int64_t i) const { return items_[size_t(i)].au; }
  // The protocol's part (1, 2 or 3) of a subject "SN001"; 0 if it is in none.
  static int part_of(const std::string& subject);

 private:
  struct Item {
    std::string subject;
    int64_t index, frame;
    std::array<uint8_t, 12> au;
  };
  std::string frame_root_, pattern_;
  std::vector<Item> items_;
};

// Expands a frame pattern (exposed for tests).
std::string expand_frame_pattern(const std::string& pattern, const std::string& subject, int64_t index, int64_t frame);

}  // namespace fb::data
