#pragma once
// Scene rendering: heads posed in front of a perspective camera, rasterised
// together (so faces occlude each other correctly) and shaded per pixel with
// ambient + directional light and a specular highlight.
#include <array>
#include <memory>
#include <vector>

#include "facebench/synth/expression.h"
#include "facebench/synth/face_model.h"
#include "facebench/synth/image.h"
#include "facebench/synth/rasterizer.h"

namespace fb::synth {

struct Camera {
  int width = 128, height = 128;
  float focal = 100;  // pixels
  float cx = 63.5f, cy = 63.5f;
  // Pixel coordinates and view distance of a camera-space point.
  ScreenVertex project(const Vec3& q) const {
    float d = -q.z;
    float inv = 1.0f / std::max(d, 1e-6f);
    return {cx + focal * q.x * inv, cy - focal * q.y * inv, d};
  }
};

struct Lighting {
  Vec3 dir{0, 0, 1};  // toward the light, camera space
  Rgb ambient{0.45f, 0.45f, 0.45f}, diffuse{0.6f, 0.6f, 0.6f};
  float specular = 0.15f;
};

struct FaceInstance {
  std::shared_ptr<const HeadModel> model;
  Expression expr;
  float yaw = 0, pitch = 0, roll = 0;  // degrees (convention in geometry.h)
  Vec3 translation{0, 0, -8};          // camera-space position of the head origin
  bool glasses = false;                // the identity's clear glasses
  bool sunglasses = false;
  Rgb cloth{0.3f, 0.3f, 0.4f};
  Mat3 rotation() const { return pose_matrix(yaw, pitch, roll); }
  Vec3 to_camera(const Vec3& p) const { return rotation() * p + translation; }
};

struct RenderResult {
  ImageF image;                   // the caller paints the background first
  std::vector<uint8_t> label;     // ParsingClass per pixel
  VisibilityBuffer vb;
  std::vector<uint8_t> tri_owner, tri_mat;  // per drawn triangle: face index, Material
};

void render_faces(const Camera& cam, const Lighting& light, const std::vector<FaceInstance>& faces,
                  RenderResult& out);

// Visibility of surface points given in camera space with their camera-space
// normals: inside the image, facing the camera (self-occlusion by the turning
// surface), nothing rendered in front of them (depth test with a tolerance; any
// pixel of the 3x3 neighbourhood may pass, for points on a silhouette) and not
// under a 2D occluder (`mask`). min_facing[i] (optional, default 0.02) is the
// least cosine between normal and view ray: points of an outline (the jaw
// contour) sit where the surface turns away and need a negative bound.
std::vector<uint8_t> point_visibility(const Camera& cam, const RenderResult& r, const Vec3* cam_points,
                                      const Vec3* cam_normals, int n, const std::vector<uint8_t>& mask,
                                      const float* min_facing = nullptr);

}  // namespace fb::synth
