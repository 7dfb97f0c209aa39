#pragma once
// A collated batch, and the hook that decides where its memory lives.
//
// Images are NHWC float tensors, normalised. A multi-crop pipeline yields one
// tensor per view (SwAV feeds each crop resolution separately). Labels that a
// dataset does not carry are left undefined (Tensor::defined() == false).
#include <cstdint>
#include <memory>
#include <vector>

#include "facebench/data/color.h"
#include "facebench/data/heatmap.h"
#include "facebench/data/sample.h"
#include "tensor/tensor.h"

namespace fb::data {

struct Batch {
  int64_t epoch = 0, index = 0;      // position: batch `index` of `epoch`
  std::vector<int64_t> samples;      // dataset index of each row
  std::vector<Tensor> views;         // per view: f32 [B, S, S, 3], normalised
  Tensor labels;                     // i64 [B] (identity / class), if any
  Tensor values;                     // f32 [B, V] regression targets, if any
  Tensor landmarks;                  // f32 [B, K, 2] in view-0 pixels, if any
  Tensor visible;                    // f32 [B, K] 1 visible / 0 not
  Tensor depth;                      // f32 [B, K] landmark z in view-0 pixels, if any
  Tensor pose;                       // f32 [B, 3] yaw, pitch, roll (degrees) as seen in view 0, if any
  Tensor masks;                      // u8 [B, S, S] view-0 parsing labels, if any
  Tensor heatmaps;                   // f32 [B, S/stride, S/stride, K], if asked for
  Tensor heatmap_weights;            // f32 [B, K]
  int64_t size() const { return int64_t(samples.size()); }
};

// Allocates the batch tensors. The default gives ordinary CPU memory; a
// device backend can install one that hands out page-locked (pinned) host
// memory so the batch copies to the accelerator asynchronously.
class BatchAllocator {
 public:
  virtual ~BatchAllocator() = default;
  virtual Tensor empty(const Shape& shape, DType dtype) = 0;
};
std::shared_ptr<BatchAllocator> default_batch_allocator();

struct CollateOptions {
  Normalize normalize;
  bool heatmaps = false;
  HeatmapConfig heatmap;
};

// rows[i] = the views of sample i (all rows must have the same view sizes).
// Requires: every row has the same number of landmarks and values, and all or
// none carry a label / mask; a mismatch throws fb::Error naming the sample.
Batch collate(const std::vector<Sample>& samples, const std::vector<std::vector<View>>& rows,
              const CollateOptions& opt, BatchAllocator& alloc);

}  // namespace fb::data
