#pragma once
// Geometric transforms that move the image, the parsing mask and the landmarks
// together: one affine warp per view (crop + scale + rotate + optional mirror),
// so the picture is resampled once, whatever the chain of operations.
//
// Convention (see sample.h): integer coordinates are pixel centres. A crop box
// (x, y, w, h) is given in EDGE coordinates: it covers [x, x + w) × [y, y + h)
// of the continuous image whose pixel k spans [k, k + 1)... expressed back in
// centre coordinates by subtracting 0.5. Mirroring maps x to W - 1 - x.
#include "facebench/data/sample.h"
#include "tensor/random.h"

namespace fb::data {

// out = [a b c; d e f] · [x y 1] (source pixel centre -> view pixel centre).
struct Affine {
  double a = 1, b = 0, c = 0, d = 0, e = 1, f = 0;
  void apply(double x, double y, double* ox, double* oy) const {
    *ox = a * x + b * y + c;
    *oy = d * x + e * y + f;
  }
  Affine inverse() const;  // throws fb::Error when singular
  Affine then(const Affine& next) const;  // next ∘ this
};

// Maps the edge-coordinate box (x, y, w, h) of the source onto a W × H view.
Affine box_to_view(double x, double y, double w, double h, int out_w, int out_h);
// Rotation by `degrees` (counter-clockwise on screen) and uniform scaling by
// `scale` about the point (cx, cy), in pixel-centre coordinates.
Affine rotate_scale_about(double cx, double cy, double degrees, double scale);

// Resamples the sample through `src_to_view` into an out_w × out_h view:
// bilinear for the image (zeros outside), nearest for the mask (background 0
// outside), landmarks transformed. With `mirror` the view is then flipped
// horizontally, landmarks renumbered by the sample's layout permutation and
// mask classes swapped by its mask layout (a layout that does not match the
// number of points is an error, as a wrong permutation would silently corrupt).
View warp(const Sample& s, const Affine& src_to_view, int out_w, int out_h, bool mirror);

// torchvision RandomResizedCrop's box choice: area fraction in [scale_min,
// scale_max], log-uniform aspect ratio in [ratio_min, ratio_max], 10 tries,
// then a centre crop with the ratio clamped. Returns an edge-coordinate box.
struct Box {
  double x, y, w, h;
};
Box random_resized_box(int width, int height, double scale_min, double scale_max, double ratio_min,
                       double ratio_max, fb::Generator& rng);
// The square around the sample's face: its box if known, else the landmarks'
// bounding box, else the whole image; enlarged `enlarge` times about its centre.
Box face_square(const Sample& s, double enlarge);

}  // namespace fb::data
