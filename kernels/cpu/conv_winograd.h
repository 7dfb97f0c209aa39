#pragma once
// Winograd F(2x2, 3x3) and F(4x4, 3x3) float convolutions on NHWC
// activations (see conv_winograd.cpp): 3x3, stride 1, no dilation, one group,
// padding <= 2, at least 16 input and output channels. Forward, input and
// weight gradients; each returns false when the geometry is not covered (the
// caller then takes the direct path). FB_CONV_WINOGRAD=0 in the environment
// turns them off; FB_WINOGRAD_TILE=2|4 forces one tile size.
#include "kernels/geometry.h"

namespace fb::kernels::cpu {

bool winograd_applies(const ConvGeom& g);
bool conv2d_forward_winograd(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y);
bool conv2d_backward_input_winograd(const ConvGeom& g, const float* dy, const float* w, float* dx);
bool conv2d_backward_weight_winograd(const ConvGeom& g, const float* dy, const float* x, float* dw);

// Forces the output tile (2 for F(2x2), 4 for F(4x4)) or returns to the
// per-shape choice (0); returns the previous setting. For tests and
// benchmarks; not thread-safe against convolutions running at the time.
int force_winograd_tile(int tile);

class WinogradTileGuard {
 public:
  explicit WinogradTileGuard(int tile) : prev_(force_winograd_tile(tile)) {}
  ~WinogradTileGuard() { force_winograd_tile(prev_); }
  WinogradTileGuard(const WinogradTileGuard&) = delete;
  WinogradTileGuard& operator=(const WinogradTileGuard&) = delete;

 private:
  int prev_;
};

}  // namespace fb::kernels::cpu
