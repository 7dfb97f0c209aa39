#pragma once
// Photometric transforms on a view's float RGB image (values in [0, 1]). They
// follow torchvision's definitions, which SwAV's augmentation is written in,
// so the same parameters mean the same thing:
//   brightness b: x·b;  contrast c: blend with the mean grey level;
//   saturation s: blend with the pixel's grey value;  hue h: rotate the HSV
//   hue by h turns;  grey: 0.299 R + 0.587 G + 0.114 B;  solarize: x >= t -> 1 - x.
#include "facebench/data/image.h"
#include "tensor/random.h"

namespace fb::data {

void adjust_brightness(ImageF& im, float factor);
void adjust_contrast(ImageF& im, float factor);
void adjust_saturation(ImageF& im, float factor);
void adjust_hue(ImageF& im, float shift);  // shift in [-0.5, 0.5] turns
void to_grayscale(ImageF& im);             // keeps 3 equal channels
void solarize(ImageF& im, float threshold);
// Separable Gaussian, kernel radius ceil(3 sigma), edges clamped.
void gaussian_blur(ImageF& im, float sigma);

// torchvision ColorJitter: factors drawn uniformly from [max(0, 1 - v), 1 + v]
// (hue from [-h, h]) and applied in a random order.
struct ColorJitter {
  float brightness = 0, contrast = 0, saturation = 0, hue = 0;
  void operator()(ImageF& im, fb::Generator& rng) const;
};

// Per-channel (x - mean) / std; the paper's released weights use these values.
struct Normalize {
  float mean[3] = {0.485f, 0.456f, 0.406f};
  float std[3] = {0.228f, 0.224f, 0.225f};
};

}  // namespace fb::data
