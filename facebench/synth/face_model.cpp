// Geometry of the parametric head (see face_model.h for the design).
#include "facebench/synth/face_model.h"

#include <cmath>

namespace fb::synth {

namespace {

float half_height(const IdentityParams& id, float y) { return y >= 0 ? id.head_btop : id.head_bbot; }
Vec3 rest_point(const IdentityParams& id, float s, float t, float* weight);

// Azimuth/elevation of grid column i and row j. The cubic terms spend fewer
// vertices on the back of the head and more on the face.
float grid_theta(int i, int kNu) {
  float u = -1.0f + 2.0f * float(i) / float(kNu);
  return kPi * (0.55f * u + 0.45f * u * u * u);
}
float grid_phi(int j, int kNv) {
  float v = -1.0f + 2.0f * float(j) / float(kNv);
  return 0.5f * kPi * (0.62f * v + 0.38f * v * v * v);
}

// Base depth of the face front: a superellipsoid (flatter than a sphere for flat_p > 2).
float base_depth(const IdentityParams& id, float s, float t) {
  float a = head_half_width(id, t), b = half_height(id, t);
  float r2 = (s / a) * (s / a) + (t / b) * (t / b);
  if (r2 >= 1) return 0;
  float rp = std::pow(r2, 0.5f * id.flat_p);
  return id.head_c * std::pow(1 - rp, 1.0f / id.flat_p);
}

// Relief of the features on top of the base depth.
float relief(const IdentityParams& id, float s, float t) {
  float z = 0;
  // Nose: a ridge growing from the bridge to the tip, then the wings.
  float top = id.eye_y + 0.02f;
  if (t < top && t > id.nose_base_y - 0.08f) {
    float f = (top - t) / (top - id.nose_tip_y);  // 0 at the bridge, 1 at the tip
    float h, w;
    if (f <= 1) {
      h = id.nose_prot * (0.22f + 0.78f * std::pow(f, 1.6f));
      w = id.bridge_w + (0.55f * id.nose_w - id.bridge_w) * f;
    } else {
      float g = (id.nose_tip_y - t) / (id.nose_tip_y - id.nose_base_y + 0.035f);
      h = id.nose_prot * std::max(0.0f, 1 - g * g);
      w = 0.55f * id.nose_w;
    }
    float q = s / w;
    if (q * q < 1) z += h * (1 - q * q) * (1 - q * q);
    z += 0.06f * bump(s, t - id.nose_tip_y, 0.07f, 0.06f);  // rounded tip
  }
  for (int side = 0; side < 2; ++side) {
    float sg = side == 0 ? -1.0f : 1.0f;
    z += 0.085f * bump(s - sg * id.nose_w * 0.62f, t - (id.nose_base_y + 0.04f), 0.075f, 0.06f);
    z -= 0.085f * bump(s - sg * id.eye_dx, t - id.eye_y, 0.2f, 0.16f);         // eye socket
    z += 0.045f * bump(s - sg * id.eye_dx, t - id.eye_y, id.eye_w * 1.05f, 0.09f);  // eyeball
    z += 0.05f * id.brow_ridge * bump(s - sg * id.eye_dx, t - (id.eye_y + 0.14f), 0.24f, 0.09f);
    z += 0.07f * id.cheek * bump(s - sg * 0.40f, t - (id.eye_y - 0.24f), 0.24f, 0.2f);
  }
  // Muzzle and lips.
  z += 0.08f * bump(s, t - id.mouth_y, id.mouth_w + 0.14f, 0.24f);
  z += 0.03f * bump(s, t - (id.mouth_y + 0.05f), id.mouth_w, 0.06f);
  z += 0.035f * bump(s, t - (id.mouth_y - 0.06f), id.mouth_w * 0.85f, 0.06f);
  z += 0.06f * id.chin * bump(s, t + 0.88f * id.head_bbot, 0.22f, 0.16f);
  return z;
}

// Hair coverage of a grid vertex at azimuth theta (0 = front) and height y.
float hair_coverage(const IdentityParams& id, float theta, float y, float s) {
  if (id.hair_style == HairStyle::Bald) {
    // A horseshoe of hair at the back and sides.
    float az = std::fabs(theta) / kDeg;
    if (az < 95) return 0;
    return smoothstep(-0.03f, 0.03f, y + 0.25f) * (1 - smoothstep(0.45f, 0.55f, y));
  }
  float az = std::fabs(theta) / kDeg;
  float a = head_half_width(id, y);
  float front = id.hairline + 0.05f * (s / a) * (s / a);
  float side = id.eye_y + (id.hair_style >= HairStyle::Medium ? -0.15f : 0.08f);
  float back = id.hair_style == HairStyle::Long ? -1.2f
             : id.hair_style == HairStyle::Medium ? -0.75f : -0.4f;
  float line;
  if (az < 50) line = front;
  else if (az < 80) line = front + (side - front) * smoothstep(50, 80, az);
  else if (az < 100) line = side;
  else line = side + (back - side) * smoothstep(100, 130, az);
  // A ramp wider than the grid spacing, so the per-pixel threshold of the
  // interpolated coverage draws a smooth hairline rather than mesh steps.
  return smoothstep(-0.09f, 0.09f, y - line);
}

// Rest point and front weight together (one base-depth evaluation).
Vec3 rest_point(const IdentityParams& id, float s, float t, float* weight) {
  float z = base_depth(id, s, t);
  float w = smoothstep(0.0f, 0.3f, z / id.head_c);
  if (weight) *weight = w;
  return {s, t, w > 0 ? z + w * relief(id, s, t) : z};
}

void add_ring(Part& p, Vec3 c, float rx, float ry, float width, int segs, uint8_t mat) {
  int base = int(p.pos.size());
  for (int k = 0; k < segs; ++k) {
    float a = 2 * kPi * float(k) / float(segs);
    float ca = std::cos(a), sa = std::sin(a);
    p.pos.push_back({c.x + rx * ca, c.y + ry * sa, c.z});
    p.pos.push_back({c.x + (rx - width) * ca, c.y + (ry - width) * sa, c.z});
  }
  for (int k = 0; k < segs; ++k) {
    int a0 = base + 2 * k, a1 = base + 2 * ((k + 1) % segs);
    p.add_tri(a0, a1, a1 + 1, mat);
    p.add_tri(a0, a1 + 1, a0 + 1, mat);
  }
}
void add_quad(Part& p, Vec3 a, Vec3 b, Vec3 c, Vec3 d, uint8_t mat) {
  int base = int(p.pos.size());
  p.pos.insert(p.pos.end(), {a, b, c, d});
  p.add_tri(base, base + 1, base + 2, mat);
  p.add_tri(base, base + 2, base + 3, mat);
}
void add_disc(Part& p, Vec3 c, float rx, float ry, int segs, uint8_t mat) {
  int base = int(p.pos.size());
  p.pos.push_back(c);
  for (int k = 0; k < segs; ++k) {
    float a = 2 * kPi * float(k) / float(segs);
    p.pos.push_back({c.x + rx * std::cos(a), c.y + ry * std::sin(a), c.z});
  }
  for (int k = 0; k < segs; ++k) p.add_tri(base, base + 1 + k, base + 1 + (k + 1) % segs, mat);
}

void build_glasses(const IdentityParams& id, Part& p, bool lenses) {
  float z_eye = face_rest_point(id, id.eye_dx, id.eye_y).z;
  float z_bridge = face_rest_point(id, 0, id.eye_y).z;
  float z = std::max(z_eye + 0.11f, z_bridge + 0.01f);
  float rx = id.eye_w * 1.55f, ry = id.eye_w * 1.12f, w = id.glasses_rim;
  for (int side = 0; side < 2; ++side) {
    float sg = side == 0 ? -1.0f : 1.0f;
    Vec3 c{sg * (id.eye_dx + 0.01f), id.eye_y - 0.01f, z};
    add_ring(p, c, rx, ry, w, 24, kMatGlassFrame);
    if (lenses) add_disc(p, Vec3{c.x, c.y, c.z - 0.002f}, rx - w * 0.5f, ry - w * 0.5f, 24, kMatGlassLens);
    // Temple arm from the rim's outer edge back over the ear.
    float x0 = c.x + sg * rx, xa = sg * (head_half_width(id, c.y) + 0.03f);
    add_quad(p, {x0, c.y + 0.02f, z}, {xa, c.y + 0.02f, -0.25f}, {xa, c.y - 0.01f, -0.25f},
             {x0, c.y - 0.01f, z}, kMatGlassFrame);
  }
  float bx = id.eye_dx + 0.01f - rx + w * 0.5f;
  add_quad(p, {-bx, id.eye_y + 0.04f, z}, {bx, id.eye_y + 0.04f, z}, {bx, id.eye_y + 0.015f, z},
           {-bx, id.eye_y + 0.015f, z}, kMatGlassFrame);
}

void build_body(const IdentityParams& id, Part& p) {
  // Neck: an elliptic cylinder from under the jaw into the shoulders.
  const int seg = 20, rows = 4;
  float rx = 0.46f * id.head_a / 0.74f, rz = 0.40f;
  int base = int(p.pos.size());
  for (int r = 0; r <= rows; ++r) {
    float y = -0.45f - 1.45f * float(r) / float(rows);
    for (int k = 0; k < seg; ++k) {
      float a = 2 * kPi * float(k) / float(seg);
      p.pos.push_back({rx * std::sin(a), y, -0.12f + rz * std::cos(a)});
    }
  }
  for (int r = 0; r < rows; ++r)
    for (int k = 0; k < seg; ++k) {
      int a = base + r * seg + k, b = base + r * seg + (k + 1) % seg;
      p.add_tri(a, a + seg, b + seg, kMatNeck);
      p.add_tri(a, b + seg, b, kMatNeck);
    }
  // Shoulders: the upper half of a wide ellipsoid.
  base = int(p.pos.size());
  const int su = 24, sv = 6;
  for (int j = 0; j <= sv; ++j) {
    float ph = 0.5f * kPi * float(j) / float(sv);
    for (int k = 0; k < su; ++k) {
      float a = 2 * kPi * float(k) / float(su);
      p.pos.push_back({1.8f * std::cos(ph) * std::sin(a), -2.3f + 0.75f * std::sin(ph),
                       -0.25f + 0.65f * std::cos(ph) * std::cos(a)});
    }
  }
  for (int j = 0; j < sv; ++j)
    for (int k = 0; k < su; ++k) {
      int a = base + j * su + k, b = base + j * su + (k + 1) % su;
      p.add_tri(a, b, b + su, kMatCloth);
      p.add_tri(a, b + su, a + su, kMatCloth);
    }
  // Ears: slightly cupped ovals on the sides, facing out and a little forward.
  for (int side = 0; side < 2; ++side) {
    float sg = side == 0 ? -1.0f : 1.0f;
    float y = id.eye_y - 0.2f;
    float x = sg * head_half_width(id, y) * 0.96f;
    int c = int(p.pos.size());
    p.pos.push_back({x + sg * 0.03f, y, -0.08f});
    const int es = 12;
    for (int k = 0; k < es; ++k) {
      float a = 2 * kPi * float(k) / float(es);
      float ey = 0.17f * id.ear_size * std::sin(a), ez = 0.09f * id.ear_size * std::cos(a);
      p.pos.push_back({x + sg * (0.06f + 0.03f * std::cos(a)), y + ey, -0.08f + ez});
    }
    for (int k = 0; k < es; ++k) p.add_tri(c, c + 1 + k, c + 1 + (k + 1) % es, kMatEar);
  }
  // Long hair: a curved sheet behind the head falling to the shoulders.
  if (id.hair_style == HairStyle::Long) {
    base = int(p.pos.size());
    const int hu = 12, hv = 6;
    for (int j = 0; j <= hv; ++j) {
      float v = float(j) / float(hv);
      for (int k = 0; k <= hu; ++k) {
        float al = (-1.0f + 2.0f * float(k) / float(hu)) * 1.75f;
        float r = (id.head_a + 0.12f) * (1 + 0.25f * v);
        p.pos.push_back({r * std::sin(al), 0.5f - 2.0f * v, -0.05f - 0.9f * r * std::cos(al) * 0.8f});
      }
    }
    for (int j = 0; j < hv; ++j)
      for (int k = 0; k < hu; ++k) {
        int a = base + j * (hu + 1) + k;
        p.add_tri(a, a + 1, a + hu + 2, kMatHairSheet);
        p.add_tri(a, a + hu + 2, a + hu + 1, kMatHairSheet);
      }
  }
}
}  // namespace

float head_half_width(const IdentityParams& id, float y) {
  float a = id.head_a * (1 + 0.05f * smoothstep(0.1f, 0.9f, y));
  if (y < 0) a *= 1 - id.jaw_taper * smoothstep(-0.15f, -1.0f, y);
  return a;
}

float face_front_weight(const IdentityParams& id, float s, float t) {
  return smoothstep(0.0f, 0.3f, base_depth(id, s, t) / id.head_c);
}

Vec3 face_rest_point(const IdentityParams& id, float s, float t) { return rest_point(id, s, t, nullptr); }

Vec2 brow_point(const IdentityParams& id, int side, float v, float* thickness) {
  float sg = side == 0 ? -1.0f : 1.0f;
  float inner = id.eye_dx - 0.9f * id.eye_w, outer = id.eye_dx + id.eye_w + id.brow_len;
  float x = sg * (inner + (outer - inner) * v);
  // Arch peaking a little past the middle: 4w(1-w) with w ~ v^0.8 (polynomial, runs per pixel).
  float w = v * (1.25f - 0.25f * v);
  float y = id.eye_y + id.brow_gap + id.brow_arch * 4 * w * (1 - w) - 0.02f * v * v;
  if (thickness) *thickness = id.brow_thick * (1 - 0.45f * v);
  return {x, y};
}

std::array<Vec2, kNumLandmarks> landmark_layout(const IdentityParams& id) {
  std::array<Vec2, kNumLandmarks> L;
  // Jaw 0-16: a curve on the head surface from one ear to the other via the chin.
  float y_top = id.eye_y - 0.06f;
  float phi_top = std::asin(std::clamp(y_top / id.head_btop, -1.0f, 1.0f));
  // The chin point sits where the chin turns under, and the ends stop short of
  // the ears: the contour a person sees in a frontal view.
  float phi_chin = -std::asin(0.93f);
  for (int i = 0; i <= 16; ++i) {
    float u = kPi * float(i) / 16.0f;
    float cu = std::cos(u);
    float theta = -75.0f * kDeg * (cu >= 0 ? 1.0f : -1.0f) * std::pow(std::fabs(cu), 0.6f);
    float phi = phi_top + (phi_chin - phi_top) * std::sin(u);
    float y = half_height(id, std::sin(phi)) * std::sin(phi);
    float x = head_half_width(id, y) * std::sin(theta) * std::cos(phi);
    L[i] = {x, y};
  }
  // Brows: 17-21 image-left from outer to inner, 22-26 image-right from inner to outer.
  const float bv[5] = {0.02f, 0.26f, 0.5f, 0.74f, 0.98f};
  for (int k = 0; k < 5; ++k) {
    L[17 + k] = brow_point(id, 0, bv[4 - k]);
    L[22 + k] = brow_point(id, 1, bv[k]);
  }
  // Nose: ridge 27-30 from the bridge to the tip, base 31-35 from left to right.
  float top = id.eye_y - 0.02f;
  for (int k = 0; k < 4; ++k) L[27 + k] = {0, top + (id.nose_tip_y - top) * float(k) / 3.0f};
  L[31] = {-0.8f * id.nose_w, id.nose_base_y + 0.025f};
  L[32] = {-0.42f * id.nose_w, id.nose_base_y + 0.006f};
  L[33] = {0, id.nose_base_y};
  L[34] = {0.42f * id.nose_w, id.nose_base_y + 0.006f};
  L[35] = {0.8f * id.nose_w, id.nose_base_y + 0.025f};
  // Eyes: corners on the eye line, lid points on the arcs at u = +-1/3.
  for (int side = 0; side < 2; ++side) {
    float sg = side == 0 ? -1.0f : 1.0f;
    auto at = [&](float u, int lid) {  // lid: +1 upper, -1 lower, 0 corner
      float k = 1 - u * u;
      float line = id.eye_y + id.eye_tilt * sg * u;
      float h = lid > 0 ? id.eye_hu * k : (lid < 0 ? -id.eye_hl * k : 0.0f);
      return Vec2{sg * id.eye_dx + u * id.eye_w, line + h};
    };
    const float c = 1.0f / 3.0f;
    int b = side == 0 ? 36 : 42;
    // 300W order: corner, two upper points, corner, two lower points, clockwise in the image.
    L[b + 0] = at(-1, 0);
    L[b + 1] = at(-c, 1);
    L[b + 2] = at(c, 1);
    L[b + 3] = at(1, 0);
    L[b + 4] = at(c, -1);
    L[b + 5] = at(-c, -1);
  }
  // Mouth: outer contour 48-59 clockwise from the left corner, inner 60-67.
  auto lip = [&](float u, int which) {  // 0 line, 1 inner upper, 2 outer upper, -1 inner lower, -2 outer lower
    float k = std::max(0.0f, 1 - u * u);
    float line = id.mouth_y + id.mouth_curve * u * u;
    float hm = 0.5f * kMouthGap * k;
    float rs = std::sqrt(k);
    float up = id.lip_up * rs * (1 + 0.25f * bump(std::fabs(u) - 0.25f, 0, 0.2f, 1) - 0.3f * bump(u, 0, 0.12f, 1));
    float lo = id.lip_lo * std::pow(k, 0.4f);
    float y = which == 1 ? line + hm : which == 2 ? line + hm + up
            : which == -1 ? line - hm : which == -2 ? line - hm - lo : line;
    return Vec2{u * id.mouth_w, y};
  };
  const float ou[5] = {-0.6f, -0.25f, 0.0f, 0.25f, 0.6f};
  L[48] = lip(-1, 0);
  for (int k = 0; k < 5; ++k) L[49 + k] = lip(ou[k], 2);
  L[54] = lip(1, 0);
  for (int k = 0; k < 5; ++k) L[55 + k] = lip(ou[4 - k], -2);
  L[60] = lip(-0.9f, 0);
  L[61] = lip(-0.4f, 1);
  L[62] = lip(0, 1);
  L[63] = lip(0.4f, 1);
  L[64] = lip(0.9f, 0);
  L[65] = lip(0.4f, -1);
  L[66] = lip(0, -1);
  L[67] = lip(-0.4f, -1);
  return L;
}

std::array<Vec3, kNumLandmarks> face_landmarks(const IdentityParams& id, const ExpressionControls& c) {
  auto layout = landmark_layout(id);
  std::array<Vec3, kNumLandmarks> out;
  for (int i = 0; i < kNumLandmarks; ++i) {
    float s = layout[i].x, t = layout[i].y;
    out[i] = face_rest_point(id, s, t) + expression_offset(id, c, s, t) * face_front_weight(id, s, t);
  }
  return out;
}

std::array<Vec3, kNumLandmarks> face_landmark_normals(const IdentityParams& id, const ExpressionControls& c) {
  auto layout = landmark_layout(id);
  auto at = [&](float s, float t) {
    return face_rest_point(id, s, t) + expression_offset(id, c, s, t) * face_front_weight(id, s, t);
  };
  // A step wider than a closed lip gap, so the normal is that of the lips and
  // not of the compressed opening between them.
  const float h = 0.04f;
  std::array<Vec3, kNumLandmarks> out;
  for (int i = 0; i < kNumLandmarks; ++i) {
    float s = layout[i].x, t = layout[i].y;
    Vec3 ds = at(s + h, t) - at(s - h, t), dt = at(s, t + h) - at(s, t - h);
    out[i] = normalize(cross(ds, dt));
  }
  return out;
}

std::shared_ptr<const HeadModel> build_head_model(const IdentityParams& id, int detail) {
  // Grid resolution (azimuth x elevation), denser on the face than at the back
  // (see grid_theta). Level 2 puts ~1.3 px between face vertices on a head 64 px wide.
  static const int kGrid[4][2] = {{48, 36}, {72, 54}, {96, 72}, {144, 108}};
  detail = std::clamp(detail, 0, 3);
  const int kNu = kGrid[detail][0], kNv = kGrid[detail][1];
  auto m = std::make_shared<HeadModel>();
  m->id = id;
  m->detail = detail;
  const int rows = kNv + 1;
  m->rest.resize(size_t(kNu) * rows);
  m->attr.resize(m->rest.size());
  m->expr_weight.resize(m->rest.size());
  for (int j = 0; j < rows; ++j) {
    float phi = grid_phi(j, kNv);
    float sp = std::sin(phi), cp = std::cos(phi);
    float y = half_height(id, sp) * sp;
    float a = head_half_width(id, y);
    for (int i = 0; i < kNu; ++i) {
      float th = grid_theta(i, kNu);
      float x = a * std::sin(th) * cp;
      float front = std::cos(th) * cp;
      Vec3 p;
      HeadAttr at;
      float w = 0;
      if (front >= 0) {
        p = rest_point(id, x, y, &w);
        at.s = x;
      } else {
        float r2 = std::min(1.0f, (x / a) * (x / a) + sp * sp);
        p = {x, y, -1.05f * id.head_c * std::sqrt(1 - r2)};
        at.s = (x >= 0 ? 1.0f : -1.0f) * (2 * a - std::fabs(x));
      }
      at.t = y;
      at.front = front;
      at.hair = hair_coverage(id, th, y, x);
      // Hair has volume: push covered vertices outward, most on the crown.
      float vol = id.hair_volume * at.hair * (0.5f + 0.5f * smoothstep(-0.5f, 0.8f, y));
      if (vol > 0) p += normalize(Vec3{p.x, p.y * 0.8f, p.z}) * vol;
      size_t k = size_t(j) * kNu + i;
      m->rest[k] = p;
      m->attr[k] = at;
      m->expr_weight[k] = w;
    }
  }
  for (int j = 0; j < kNv; ++j)
    for (int i = 0; i < kNu; ++i) {
      int i1 = (i + 1) % kNu;
      int a = j * kNu + i, b = j * kNu + i1, c = (j + 1) * kNu + i1, d = (j + 1) * kNu + i;
      m->tris.push_back({a, b, c});
      m->tris.push_back({a, c, d});
    }
  build_body(id, m->body);
  if (id.wears_glasses) build_glasses(id, m->glasses, false);
  build_glasses(id, m->sunglasses, true);
  // The rigid parts never deform: their normals are computed once here rather than per image.
  for (Part* p : {&m->body, &m->glasses, &m->sunglasses}) vertex_normals(p->pos, p->tris, p->normal);
  return m;
}

void deform_head(const HeadModel& m, const ExpressionControls& c, std::vector<Vec3>& out) {
  out.resize(m.rest.size());
  for (size_t k = 0; k < m.rest.size(); ++k) {
    float w = m.expr_weight[k];
    out[k] = w > 0 ? m.rest[k] + expression_offset(m.id, c, m.attr[k].s, m.attr[k].t) * w : m.rest[k];
  }
}

void vertex_normals(const std::vector<Vec3>& pos, const std::vector<std::array<int, 3>>& tris,
                    std::vector<Vec3>& out) {
  out.assign(pos.size(), Vec3{0, 0, 0});
  for (const auto& t : tris) {
    Vec3 n = cross(pos[t[1]] - pos[t[0]], pos[t[2]] - pos[t[0]]);
    out[t[0]] += n;
    out[t[1]] += n;
    out[t[2]] += n;
  }
  for (auto& n : out) n = normalize(n);
}

}  // namespace fb::synth
