#pragma once
// The parametric 3D head: a closed mesh of the skull and face, rigid parts
// (neck, shoulders, ears, long hair, glasses), and the 68 semantic landmarks.
//
// The face front is a height field over face-plane coordinates (s, t): the
// rest point at (s, t) is (s, t, depth(s, t)) in head space. Every facial part
// (eye openings, lips, brows, nose) is a region of the (s, t) plane and every
// landmark is a point of it, so the mesh, the landmarks and the parsing mask
// are three views of one function and cannot disagree. Expressions move the
// surface by expression_offset(s, t), applied alike to vertices and landmarks.
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "facebench/synth/expression.h"
#include "facebench/synth/geometry.h"
#include "facebench/synth/identity.h"
#include "facebench/synth/labels.h"

namespace fb::synth {

enum Material : uint8_t {
  kMatFace = 0,     // the head grid: shaded per pixel from (s, t)
  kMatNeck,         // skin, labelled background as in LaPa
  kMatCloth,        // shoulders
  kMatEar,          // skin, labelled skin
  kMatHairSheet,    // long hair behind the head
  kMatGlassFrame,   // glasses rims and temples
  kMatGlassLens,    // dark lenses (sunglasses)
  kMatOccluder,     // hands and objects in front of the face
};

// Per-vertex attributes of the head grid, interpolated per pixel.
struct HeadAttr {
  float s, t;   // face-plane coordinates (the back of the head unfolds past |s| = a)
  float hair;   // hair coverage 0..1
  float front;  // > 0 on the face side of the head, < 0 behind
};

struct Part {
  std::vector<Vec3> pos;
  std::vector<Vec3> normal;  // vertex_normals(pos, tris), filled by build_head_model
  std::vector<std::array<int, 3>> tris;
  std::vector<uint8_t> mat;  // per triangle
  void add_tri(int a, int b, int c, uint8_t m) { tris.push_back({a, b, c}); mat.push_back(m); }
};

struct HeadModel {
  IdentityParams id;
  int detail = 2;
  std::vector<Vec3> rest;              // head grid, rest pose (hair volume included)
  std::vector<HeadAttr> attr;
  std::vector<float> expr_weight;      // 0 where expressions must not move the grid
  std::vector<std::array<int, 3>> tris;
  Part body;                           // neck, shoulders, ears, long hair
  Part glasses;                        // frame (if the identity wears glasses)
  Part sunglasses;                     // frame + dark lenses (any identity, per image)
};

// Builds the rest geometry of an identity at a level of detail 0..3 (mesh
// resolution; see detail_for_width). About a millisecond: callers cache it.
std::shared_ptr<const HeadModel> build_head_model(const IdentityParams& id, int detail = 2);
// Detail level that keeps face triangles near 1-2 px for a head w_px pixels wide.
inline int detail_for_width(float w_px) { return w_px < 36 ? 0 : w_px < 72 ? 1 : w_px < 150 ? 2 : 3; }

// Head-space positions of the grid vertices under an expression.
void deform_head(const HeadModel& m, const ExpressionControls& c, std::vector<Vec3>& out);

// Area-weighted vertex normals.
void vertex_normals(const std::vector<Vec3>& pos, const std::vector<std::array<int, 3>>& tris,
                    std::vector<Vec3>& out);

// Rest point of the face front at (s, t), and the weight with which relief and
// expressions apply there (1 on the face, 0 toward the silhouette).
Vec3 face_rest_point(const IdentityParams& id, float s, float t);
float face_front_weight(const IdentityParams& id, float s, float t);
// Half-width and half-height of the head at height y.
float head_half_width(const IdentityParams& id, float y);

// Face-plane coordinates of the 68 landmarks in the rest layout.
std::array<Vec2, kNumLandmarks> landmark_layout(const IdentityParams& id);
// Head-space 3D landmarks under an expression.
std::array<Vec3, kNumLandmarks> face_landmarks(const IdentityParams& id, const ExpressionControls& c);

// Outward surface normals (head space) at the landmarks under an expression,
// by central differences of the deformed height field.
std::array<Vec3, kNumLandmarks> face_landmark_normals(const IdentityParams& id, const ExpressionControls& c);

// Brow centre line (side 0 = image-left, v in [0, 1] from inner to outer end).
Vec2 brow_point(const IdentityParams& id, int side, float v, float* thickness = nullptr);

}  // namespace fb::synth
