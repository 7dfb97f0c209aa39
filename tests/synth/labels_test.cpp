// The labels agree with each other and with the rendered pixels.
#include <doctest/doctest.h>

#include <cmath>

#include "facebench/synth/expression.h"
#include "facebench/synth/face_model.h"
#include "facebench/synth/generator.h"

using namespace fb::synth;

namespace {
std::vector<Sample> curated(int n, int size, uint64_t seed) {
  Config c;
  c.identities = n / 2;
  c.per_identity = 2;
  c.size = size;
  c.seed = seed;
  Generator g(c);
  std::vector<Sample> v;
  for (int i = 0; i < n; ++i) v.push_back(g.sample(i));
  return v;
}

// Rotation nearest to M (polar decomposition by Newton's iteration
// R <- (R + R^-T) / 2), i.e. the least-squares rotation of Kabsch/Umeyama.
void polar_rotation(const double M[9], double R[9]) {
  for (int i = 0; i < 9; ++i) R[i] = M[i];
  for (int it = 0; it < 60; ++it) {
    double a = R[0], b = R[1], c = R[2], d = R[3], e = R[4], f = R[5], g = R[6], h = R[7], k = R[8];
    double det = a * (e * k - f * h) - b * (d * k - f * g) + c * (d * h - e * g);
    // Inverse transpose = cofactor matrix / det.
    double C[9] = {e * k - f * h, -(d * k - f * g), d * h - e * g,
                   -(b * k - c * h), a * k - c * g, -(a * h - b * g),
                   b * f - c * e, -(a * f - c * d), a * e - b * d};
    for (int i = 0; i < 9; ++i) R[i] = 0.5 * (R[i] + C[i] / det);
  }
}

// Pose recovered from 3D landmarks: the rotation taking the model's landmarks
// onto the labelled ones (image y flipped to point up).
void recover_pose(const Sample& s, float& yaw, float& pitch, float& roll) {
  double pc[3] = {0, 0, 0}, qc[3] = {0, 0, 0};
  for (int k = 0; k < kNumLandmarks; ++k) {
    const Vec3 &p = s.landmarks_head[k], &q = s.landmarks_3d[k];
    pc[0] += p.x; pc[1] += p.y; pc[2] += p.z;
    qc[0] += q.x; qc[1] -= q.y; qc[2] += q.z;
  }
  for (double& v : pc) v /= kNumLandmarks;
  for (double& v : qc) v /= kNumLandmarks;
  double M[9] = {0};
  for (int k = 0; k < kNumLandmarks; ++k) {
    const Vec3 &p = s.landmarks_head[k], &q = s.landmarks_3d[k];
    double P[3] = {p.x - pc[0], p.y - pc[1], p.z - pc[2]};
    double Q[3] = {q.x - qc[0], -q.y - qc[1], q.z - qc[2]};
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) M[i * 3 + j] += Q[i] * P[j];
  }
  double R[9];
  polar_rotation(M, R);
  Mat3 r;
  for (int i = 0; i < 9; ++i) r.m[i] = float(R[i]);
  pose_angles(r, yaw, pitch, roll);
}

bool has_label_near(const Sample& s, Vec2 p, std::initializer_list<int> labels) {
  const int S = s.image.width;
  int cx = int(std::lround(p.x)), cy = int(std::lround(p.y));
  for (int dy = -1; dy <= 1; ++dy)
    for (int dx = -1; dx <= 1; ++dx) {
      int x = cx + dx, y = cy + dy;
      if (x < 0 || y < 0 || x >= S || y >= S) continue;
      for (int l : labels)
        if (s.parsing[size_t(y) * S + x] == l) return true;
    }
  return false;
}
}  // namespace

TEST_CASE("pose_angles inverts pose_matrix") {
  for (float yaw : {-80.0f, -30.0f, 0.0f, 45.0f, 85.0f})
    for (float pitch : {-40.0f, 0.0f, 20.0f})
      for (float roll : {-25.0f, 0.0f, 10.0f}) {
        float y, p, r;
        pose_angles(pose_matrix(yaw, pitch, roll), y, p, r);
        CHECK(y == doctest::Approx(yaw).epsilon(1e-3));
        CHECK(p == doctest::Approx(pitch).epsilon(1e-3));
        CHECK(r == doctest::Approx(roll).epsilon(1e-3));
      }
  // The documented directions: yaw > 0 moves the nose to the image right,
  // pitch > 0 lifts it (chin up), roll > 0 turns the top of the head left.
  Vec3 nose{0, 0, 1}, top{0, 1, 0};
  CHECK((pose_matrix(30, 0, 0) * nose).x > 0.4f);
  CHECK((pose_matrix(0, 30, 0) * nose).y > 0.4f);
  CHECK((pose_matrix(0, 0, 30) * top).x < -0.4f);
}

TEST_CASE("projected 3D landmarks equal the 2D labels") {
  for (const Sample& s : curated(20, 128, 11)) {
    REQUIRE(s.has_face);
    Mat3 R = pose_matrix(s.yaw, s.pitch, s.roll);
    for (int k = 0; k < kNumLandmarks; ++k) {
      Vec3 q = R * s.landmarks_head[k] + s.head_translation;
      float u = s.cx + s.focal * q.x / -q.z, v = s.cy - s.focal * q.y / -q.z;
      CHECK(u == doctest::Approx(s.landmarks[k].x).epsilon(1e-4));
      CHECK(v == doctest::Approx(s.landmarks[k].y).epsilon(1e-4));
      CHECK(s.landmarks_3d[k].x == s.landmarks[k].x);
      CHECK(s.landmarks_3d[k].y == s.landmarks[k].y);
    }
    // The nose tip is nearer the camera than the ears when the face is frontal.
    if (std::fabs(s.yaw) < 30) CHECK(s.landmarks_3d[30].z > s.landmarks_3d[0].z);
  }
}

TEST_CASE("pose angles recovered from the 3D landmarks match the labels") {
  int checked = 0;
  for (const Sample& s : curated(40, 128, 12)) {
    if (std::fabs(s.yaw) > 80) continue;
    float y, p, r;
    recover_pose(s, y, p, r);
    // The labels are exact; what is left is the perspective of the camera,
    // which the rigid fit does not model: a few degrees.
    CHECK(std::fabs(y - s.yaw) < 4.0f);
    CHECK(std::fabs(p - s.pitch) < 4.0f);
    CHECK(std::fabs(r - s.roll) < 4.0f);
    ++checked;
  }
  CHECK(checked > 30);
}

TEST_CASE("parsing mask agrees with the landmark regions") {
  int eye_ok = 0, eye_n = 0, centre_ok = 0, centre_n = 0, nose_ok = 0, nose_n = 0;
  int brow_ok = 0, brow_n = 0, mouth_ok = 0, mouth_n = 0;
  for (const Sample& s : curated(80, 128, 13)) {
    for (int side = 0; side < 2; ++side) {
      int b = side == 0 ? 36 : 42, lab = side == 0 ? 4 : 5;
      bool all = true;
      Vec2 c{0, 0};
      for (int k = b; k < b + 6; ++k) {
        all = all && s.visible[k];
        c.x += s.landmarks[k].x / 6;
        c.y += s.landmarks[k].y / 6;
        if (s.visible[k]) { ++eye_n; eye_ok += has_label_near(s, s.landmarks[k], {lab}); }
      }
      float open = std::hypot(s.landmarks[b + 1].x - s.landmarks[b + 5].x, s.landmarks[b + 1].y - s.landmarks[b + 5].y);
      if (all && open > 2.5f) {
        ++centre_n;
        int px = int(std::lround(c.x)), py = int(std::lround(c.y));
        centre_ok += s.parsing[size_t(py) * s.image.width + px] == lab;
      }
    }
    for (int k = 27; k <= 35; ++k)
      if (s.visible[k]) { ++nose_n; nose_ok += has_label_near(s, s.landmarks[k], {6}); }
    for (int k = 17; k <= 26; ++k)
      if (s.visible[k]) { ++brow_n; brow_ok += has_label_near(s, s.landmarks[k], {k <= 21 ? 2 : 3}); }
    for (int k = 48; k <= 67; ++k)
      if (s.visible[k]) { ++mouth_n; mouth_ok += has_label_near(s, s.landmarks[k], {7, 8, 9}); }
  }
  MESSAGE("eye ", eye_ok, "/", eye_n, " centre ", centre_ok, "/", centre_n, " nose ", nose_ok, "/", nose_n,
          " brow ", brow_ok, "/", brow_n, " mouth ", mouth_ok, "/", mouth_n);
  REQUIRE(centre_n > 40);
  CHECK(centre_ok >= 0.95 * centre_n);
  CHECK(eye_ok >= 0.9 * eye_n);
  CHECK(nose_ok >= 0.9 * nose_n);
  CHECK(brow_ok >= 0.9 * brow_n);
  CHECK(mouth_ok >= 0.9 * mouth_n);
}

TEST_CASE("far-side landmarks are hidden in profile views") {
  int n = 0, hidden = 0, near_visible = 0;
  for (const Sample& s : curated(200, 96, 14)) {
    if (std::fabs(s.yaw) < 50) continue;
    // yaw > 0 turns the nose to the image right: the image-right jaw turns away.
    int far0 = s.yaw > 0 ? 15 : 0, far1 = s.yaw > 0 ? 16 : 1, near0 = s.yaw > 0 ? 2 : 13, near1 = s.yaw > 0 ? 3 : 14;
    ++n;
    hidden += !s.visible[far0] && !s.visible[far1];
    near_visible += s.visible[near0] || s.visible[near1];
  }
  REQUIRE(n > 3);
  CHECK(hidden >= 0.8 * n);
  CHECK(near_visible >= 0.5 * n);
}

TEST_CASE("AU 12 raises the mouth corners and AU 26 lowers the jaw") {
  for (int k = 0; k < 10; ++k) {
    IdentityParams id = make_identity(k);
    Expression neutral, smile, jaw;
    smile.au[6] = 5;  // AU12
    jaw.au[11] = 5;   // AU26
    auto n = face_landmarks(id, expression_controls(neutral));
    auto s = face_landmarks(id, expression_controls(smile));
    auto j = face_landmarks(id, expression_controls(jaw));
    CHECK(s[48].y > n[48].y + 0.03f);  // head space: y up
    CHECK(s[54].y > n[54].y + 0.03f);
    CHECK(s[48].x < n[48].x);          // and outward
    CHECK(s[54].x > n[54].x);
    CHECK(std::fabs(s[8].y - n[8].y) < 1e-3f);  // the chin stays
    CHECK(j[8].y < n[8].y - 0.06f);             // the jaw drops
    CHECK((j[62].y - j[66].y) > (n[62].y - n[66].y) + 0.1f);  // the mouth opens
    CHECK(std::fabs(j[27].y - n[27].y) < 1e-3f);               // the nose bridge stays
    // Every AU moves something, and only AU-driven controls change the face.
    for (int a = 0; a < kNumAus; ++a) {
      Expression e;
      e.au[size_t(a)] = 5;
      auto l = face_landmarks(id, expression_controls(e));
      float moved = 0;
      for (int i = 0; i < kNumLandmarks; ++i) moved = std::max(moved, length(l[i] - n[i]));
      CHECK_MESSAGE(moved > 0.01f, "AU ", kAuNumbers[size_t(a)], " moves no landmark");
    }
  }
}

TEST_CASE("emotions carry their valence and arousal signs") {
  float v, a;
  emotion_valence_arousal(Emotion::Happy, 1, v, a);
  CHECK(v > 0.5f);
  emotion_valence_arousal(Emotion::Sad, 1, v, a);
  CHECK(v < -0.5f);
  CHECK(a < 0);
  emotion_valence_arousal(Emotion::Surprise, 1, v, a);
  CHECK(a > 0.5f);
  Expression h = emotion_prototype(Emotion::Happy, 1);
  CHECK(h.au[6] == doctest::Approx(5));  // AU12 drives a smile
}
