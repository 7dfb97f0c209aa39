#include "facebench/tasks/task_util.h"

#include <algorithm>

namespace fb::tasks {

std::vector<int64_t> all_rows(const TaskArrays& a) {
  std::vector<int64_t> r(static_cast<size_t>(a.rows()));
  for (int64_t i = 0; i < a.rows(); ++i) r[static_cast<size_t>(i)] = i;
  return r;
}

int64_t parsing_classes(const TaskArrays& a) {
  int c = -1;
  for (uint8_t v : a.masks)
    if (v != 255) c = std::max<int>(c, v);
  return c + 1;
}

PooledLinearHead::PooledLinearHead(int64_t features, int64_t outputs) {
  bn = register_module("bn", std::make_shared<nn::BatchNorm>(features));
  fc = register_module("fc", std::make_shared<nn::Linear>(features, outputs));
}

Tensor PooledLinearHead::forward_features(const Features& f) {
  FB_CHECK(f.pooled.defined(), "pooled head: the features carry no pooled vector");
  return fc->forward(bn->forward(f.pooled));
}

std::vector<std::vector<double>> value_columns(const TaskArrays& a, const std::vector<int64_t>& columns) {
  std::vector<std::vector<double>> out(columns.size());
  const int64_t nv = a.num_values();
  for (size_t c = 0; c < columns.size(); ++c)
    for (int64_t r = 0; r < a.rows(); ++r) out[c].push_back(a.values[static_cast<size_t>(r * nv + columns[c])]);
  return out;
}

}  // namespace fb::tasks
