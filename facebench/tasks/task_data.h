#pragma once
// A task's images and labels, decoded once and held in memory as arrays, so
// that every cell of the grid (backbone × fraction × seed) reads the same
// bytes and a frozen backbone's features can be computed once per backbone.
//
// Images are cropped around the face the way evaluation does it (the face
// box, or the landmarks' box, enlarged 1.25×; the whole image when neither is
// known), resized to `size`, and normalised with the paper's statistics.
// Labels are moved into the crop's pixels.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "facebench/data/dataset.h"
#include "tensor/tensor.h"

namespace fb::tasks {

struct TaskArrays {
  std::string dataset;              // name shown in results, e.g. "synth-curated"
  int64_t size = 0;                 // square image side
  Tensor images;                    // f32 [N, size, size, 3], normalised
  std::vector<int64_t> source_index;  // row -> index in the source dataset
  std::vector<int64_t> group;       // subject / identity of each row (-1 unknown)
  std::vector<int64_t> label;       // the dataset's label (identity or class), -1 none
  int points = 0;                   // landmarks per image (0 none)
  std::vector<float> landmarks;     // [N, points, 2] crop pixels
  std::vector<uint8_t> visible;     // [N, points]
  std::vector<float> depth;         // [N, points] (empty when 2-D)
  std::vector<float> pose;          // [N, 3] yaw, pitch, roll (empty when none)
  std::vector<std::string> value_names;
  std::vector<float> values;        // [N, value_names.size()]
  std::vector<uint8_t> masks;       // [N, size, size] parsing labels (empty when none)

  int64_t rows() const { return images.defined() ? images.size(0) : 0; }
  int64_t num_values() const { return static_cast<int64_t>(value_names.size()); }
  // Index of a named value, or -1.
  int64_t value_index(const std::string& name) const;
  // Copy of the given rows (in that order).
  TaskArrays select(const std::vector<int64_t>& rows) const;
  // The landmarks' bounding box (x, y, w, h) of row r, over every point.
  std::array<float, 4> landmark_box(int64_t r) const;
};

struct ArrayOptions {
  int size = 64;
  float face_enlarge = 1.25f;
  int threads = 0;  // 0: OpenMP's default
  bool progress = true;
};

// Decodes `rows` of `ds` (all rows when empty). The group of a row is the
// dataset's label when `group_by_label`, else -1. Samples must agree on which
// labels they carry (a reader guarantees it); a mismatch throws naming the row.
TaskArrays load_arrays(const data::Dataset& ds, const std::string& name, std::vector<int64_t> rows,
                       bool group_by_label, const ArrayOptions& o);

// Undoes the normalisation of row r: an RGB image for people to look at.
data::Image8 denormalised_image(const TaskArrays& a, int64_t r);

}  // namespace fb::tasks
