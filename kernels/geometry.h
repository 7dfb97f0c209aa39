#pragma once
// Shape descriptors shared by the reference, CPU and (later) CUDA kernels.
// Activations are NHWC (channels last); convolution weights are OIHW, the
// layout PyTorch stores, so checkpoints need no conversion.
#include <cstdint>

namespace fb::kernels {

struct Conv2dParams {
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;
};

// Everything a conv kernel needs: x [N,H,W,C], w [O, C/groups, KH, KW],
// y [N,OH,OW,O].
struct ConvGeom {
  int64_t N, H, W, C;
  int64_t O, KH, KW;
  int64_t OH, OW;
  Conv2dParams p;
  int64_t cin_per_group() const { return C / p.groups; }
  int64_t cout_per_group() const { return O / p.groups; }
};

struct Pool2dParams {
  int64_t kernel_h = 2, kernel_w = 2;
  int64_t stride_h = 2, stride_w = 2;
  int64_t pad_h = 0, pad_w = 0;
  bool ceil_mode = false;
  bool count_include_pad = true;  // avg pool only (PyTorch's default)
};

// x [N,H,W,C] -> y [N,OH,OW,C].
struct PoolGeom {
  int64_t N, H, W, C;
  int64_t OH, OW;
  Pool2dParams p;
};

// Output size of a convolution/pooling window along one axis.
inline int64_t conv_out_size(int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dilation) {
  return (in + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
}

}  // namespace fb::kernels
