#pragma once
// Small vector algebra for the renderer, and the head-pose convention.
//
// Head space: x to the viewer's right for a frontal face, y up, z out of the
// face (the nose points to +z); units are roughly half a face width.
// Camera space: x right, y up, z toward the viewer; the camera looks along -z.
// Pose (degrees): R = Rz(roll) * Ry(yaw) * Rx(-pitch), head -> camera.
//   yaw > 0   turns the nose toward the image's right,
//   pitch > 0 lifts the chin (the face looks up),
//   roll > 0  tilts the head counter-clockwise as seen in the image.
#include <algorithm>
#include <cmath>

namespace fb::synth {

constexpr float kPi = 3.14159265358979f;
constexpr float kDeg = kPi / 180.0f;

struct Vec2 {
  float x = 0, y = 0;
};
struct Vec3 {
  float x = 0, y = 0, z = 0;
  Vec3() = default;
  Vec3(float a, float b, float c) : x(a), y(b), z(c) {}
  Vec3 operator+(const Vec3& o) const { return {x + o.x, y + o.y, z + o.z}; }
  Vec3 operator-(const Vec3& o) const { return {x - o.x, y - o.y, z - o.z}; }
  Vec3 operator*(float s) const { return {x * s, y * s, z * s}; }
  Vec3& operator+=(const Vec3& o) { x += o.x; y += o.y; z += o.z; return *this; }
};
inline float dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
inline Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
inline float length(const Vec3& a) { return std::sqrt(dot(a, a)); }
inline Vec3 normalize(const Vec3& a) {
  float l = length(a);
  return l > 1e-12f ? a * (1.0f / l) : Vec3{0, 0, 1};
}

struct Rgb {
  float r = 0, g = 0, b = 0;
  Rgb operator*(float s) const { return {r * s, g * s, b * s}; }
  Rgb operator+(const Rgb& o) const { return {r + o.r, g + o.g, b + o.b}; }
};
inline Rgb mix(const Rgb& a, const Rgb& b, float t) {
  return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}

// Row-major 3x3 matrix.
struct Mat3 {
  float m[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  Vec3 operator*(const Vec3& v) const {
    return {m[0] * v.x + m[1] * v.y + m[2] * v.z, m[3] * v.x + m[4] * v.y + m[5] * v.z,
            m[6] * v.x + m[7] * v.y + m[8] * v.z};
  }
  Mat3 operator*(const Mat3& o) const {
    Mat3 r;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        r.m[i * 3 + j] = m[i * 3] * o.m[j] + m[i * 3 + 1] * o.m[3 + j] + m[i * 3 + 2] * o.m[6 + j];
    return r;
  }
};
inline Mat3 rot_x(float a) { float c = std::cos(a), s = std::sin(a); return {{1, 0, 0, 0, c, -s, 0, s, c}}; }
inline Mat3 rot_y(float a) { float c = std::cos(a), s = std::sin(a); return {{c, 0, s, 0, 1, 0, -s, 0, c}}; }
inline Mat3 rot_z(float a) { float c = std::cos(a), s = std::sin(a); return {{c, -s, 0, s, c, 0, 0, 0, 1}}; }

// Pose in degrees -> rotation (see the convention at the top of the file).
inline Mat3 pose_matrix(float yaw, float pitch, float roll) {
  return rot_z(roll * kDeg) * rot_y(yaw * kDeg) * rot_x(-pitch * kDeg);
}
// Inverse of pose_matrix for |yaw| < 90 degrees (away from gimbal lock).
// R = Rz(r) Ry(y) Rx(p'): R20 = -sin y, R21 = cos y sin p', R22 = cos y cos p',
// R10 = sin r cos y, R00 = cos r cos y.
inline void pose_angles(const Mat3& R, float& yaw, float& pitch, float& roll) {
  float sy = std::clamp(-R.m[6], -1.0f, 1.0f);
  yaw = std::asin(sy) / kDeg;
  pitch = -std::atan2(R.m[7], R.m[8]) / kDeg;
  roll = std::atan2(R.m[3], R.m[0]) / kDeg;
}

inline float clamp01(float v) { return v < 0 ? 0 : (v > 1 ? 1 : v); }
inline float smoothstep(float e0, float e1, float x) {
  float t = clamp01((x - e0) / (e1 - e0));
  return t * t * (3 - 2 * t);
}
// Compactly supported bump on an ellipse: (1 - q)^2 for q = (dx/rx)^2 + (dy/ry)^2 < 1.
// Cheaper than a Gaussian and exactly zero outside, so far vertices skip it.
inline float bump(float dx, float dy, float rx, float ry) {
  float q = (dx * dx) / (rx * rx) + (dy * dy) / (ry * ry);
  return q < 1 ? (1 - q) * (1 - q) : 0.0f;
}

}  // namespace fb::synth
