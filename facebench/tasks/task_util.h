#pragma once
// Small pieces the task definitions share: gathering label rows into
// tensors, and a head that is BN + Linear on the pooled feature.
#include <cstdint>
#include <vector>

#include "facebench/tasks/task.h"
#include "nn/layers.h"
#include "tensor/ops.h"

namespace fb::tasks {

// Rows `rows` of a row-major label array with `per_row` entries per row, as an
// f32 tensor [rows, per_row].
template <typename T>
Tensor gather_rows(const std::vector<T>& v, int64_t per_row, const std::vector<int64_t>& rows) {
  std::vector<float> out;
  out.reserve(rows.size() * static_cast<size_t>(per_row));
  for (int64_t r : rows)
    for (int64_t j = 0; j < per_row; ++j) out.push_back(static_cast<float>(v[static_cast<size_t>(r * per_row + j)]));
  return from_vector<float>(out, {static_cast<int64_t>(rows.size()), per_row});
}

std::vector<int64_t> all_rows(const TaskArrays& a);

// Parsing classes of a set: 1 + the largest label in its masks (255 = ignore); 0 without masks.
int64_t parsing_classes(const TaskArrays& a);

// BatchNorm over the pooled feature (so one learning rate suits any
// backbone's feature scale, as a linear probe's standardisation does) and a
// linear layer: a linear classifier/regressor in evaluation.
class PooledLinearHead : public TaskHead {
 public:
  PooledLinearHead(int64_t features, int64_t outputs);
  Tensor forward_features(const Features& f) override;
  std::shared_ptr<nn::BatchNorm> bn;
  std::shared_ptr<nn::Linear> fc;
};

// Values of the named columns of `a` for every row: [rows][names.size()].
std::vector<std::vector<double>> value_columns(const TaskArrays& a, const std::vector<int64_t>& columns);

}  // namespace fb::tasks
