// The in-memory generator: scene -> render -> occluders -> degradations -> labels.
#include "facebench/synth/generator.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "facebench/synth/background.h"
#include "facebench/synth/occluders.h"
#include "facebench/synth/rng.h"
#include "facebench/synth/scene.h"

namespace fb::synth {

Mode parse_mode(const std::string& s) {
  if (s == "curated") return Mode::Curated;
  if (s == "uncurated") return Mode::Uncurated;
  if (s == "video") return Mode::Video;
  throw std::invalid_argument("unknown synth mode '" + s + "' (expected curated, uncurated or video)");
}

const char* mode_name(Mode m) {
  return m == Mode::Curated ? "curated" : m == Mode::Uncurated ? "uncurated" : "video";
}

Generator::Generator(const Config& cfg) : cfg_(cfg) {
  if (cfg.identities < 1) throw std::invalid_argument("synth: identities must be >= 1");
  if (cfg.per_identity < 1) throw std::invalid_argument("synth: per-identity must be >= 1");
  if (cfg.size < 32 || cfg.size > 2048)
    throw std::invalid_argument("synth: size must be between 32 and 2048 pixels, got " + std::to_string(cfg.size));
  if (cfg.first_identity < 0) throw std::invalid_argument("synth: first identity must be >= 0");
  if (size() > (int64_t(1) << 31)) throw std::invalid_argument("synth: identities x per-identity is too large");
  if (cfg.mode == Mode::Uncurated) {
    // Heavy identity imbalance: identity rank r is drawn with probability about
    // proportional to 1/(r+1) (log-uniform ranks), like people in web photos;
    // about 6 % of images hold no face at all.
    const int64_t n = size();
    unc_identity_.resize(size_t(n));
    unc_image_.resize(size_t(n));
    std::vector<int64_t> count(size_t(cfg.identities), 0);
    int64_t nonface = 0;
    for (int64_t i = 0; i < n; ++i) {
      Rng g(hash_words(cfg.seed, uint64_t(i), kStreamLayout));
      if (g.chance(0.06f)) {
        unc_identity_[size_t(i)] = -1;
        unc_image_[size_t(i)] = nonface++;
        continue;
      }
      double u = double(g.next_u64() >> 11) * (1.0 / 9007199254740992.0);
      int64_t r = std::min<int64_t>(cfg.identities - 1,
                                    int64_t(std::exp(u * std::log(double(cfg.identities) + 1.0)) - 1.0));
      unc_identity_[size_t(i)] = cfg.first_identity + r;
      unc_image_[size_t(i)] = count[size_t(r)]++;
    }
  }
}

Generator::Slot Generator::slot(int64_t index) const {
  if (index < 0 || index >= size())
    throw std::out_of_range("synth: sample index " + std::to_string(index) + " out of range [0, " +
                            std::to_string(size()) + ")");
  if (cfg_.mode == Mode::Uncurated) return {unc_identity_[size_t(index)], unc_image_[size_t(index)]};
  return {cfg_.first_identity + index / cfg_.per_identity, index % cfg_.per_identity};
}

Sample Generator::sample(int64_t index) const {
  Slot sl = slot(index);
  SceneSpec sc = make_scene(cfg_, index, sl);
  const int S = cfg_.size;
  RenderResult r;
  r.image.reset(S, S);
  paint_background(sc.background_seed, r.image);
  render_faces(sc.cam, sc.light, sc.faces, r);
  std::vector<uint8_t> mask(size_t(S) * S, 0);

  Sample out;
  out.index = index;
  out.num_faces = int(sc.faces.size());
  out.has_face = sc.has_face && !sc.faces.empty();
  out.identity = out.has_face ? sl.identity : -1;
  out.image_in_identity = sl.image;
  std::array<Vec3, kNumLandmarks> cam_pts{};
  if (out.has_face) {
    const FaceInstance& f = sc.faces[0];
    ExpressionControls ctrl = expression_controls(f.expr);
    out.landmarks_head = face_landmarks(f.model->id, ctrl);
    const float D = -f.translation.z;
    float xmin = 1e30f, xmax = -1e30f, ymin = 1e30f, ymax = -1e30f;
    for (int k = 0; k < kNumLandmarks; ++k) {
      Vec3 q = f.to_camera(out.landmarks_head[k]);
      cam_pts[k] = q;
      ScreenVertex p = sc.cam.project(q);
      out.landmarks[k] = {p.x, p.y};
      // Depth on the pixel scale of the head centre (weak-perspective scale f/D).
      out.landmarks_3d[k] = {p.x, p.y, sc.cam.focal * (q.z + D) / D};
      xmin = std::min(xmin, p.x);
      xmax = std::max(xmax, p.x);
      ymin = std::min(ymin, p.y);
      ymax = std::max(ymax, p.y);
    }
    out.box = {xmin, ymin, xmax - xmin, ymax - ymin};
    out.focal = sc.cam.focal;
    out.cx = sc.cam.cx;
    out.cy = sc.cam.cy;
    out.head_translation = f.translation;
    out.yaw = f.yaw;
    out.pitch = f.pitch;
    out.roll = f.roll;
    for (int k = 0; k < kNumAus; ++k) {
      out.au_value[k] = f.expr.au[k];
      out.au[k] = int(std::lround(std::clamp(f.expr.au[k], 0.0f, 5.0f)));
    }
    out.emotion = int(f.expr.emotion);
    out.valence = f.expr.valence;
    out.arousal = f.expr.arousal;
  }
  if (sc.occluder) {
    Rng g(sc.occluder_seed);
    Vec2 c{0.5f * S, 0.5f * S};
    float fs = 0.5f * S;
    if (out.has_face) {
      c = {out.box[0] + 0.5f * out.box[2], out.box[1] + 0.5f * out.box[3]};
      fs = std::max(4.0f, std::max(out.box[2], out.box[3]));
    }
    paint_occluder(g, r.image, r.label, mask, c, fs);
  }
  if (out.has_face) {
    const FaceInstance& f = sc.faces[0];
    auto normals = face_landmark_normals(f.model->id, expression_controls(f.expr));
    Mat3 R = f.rotation();
    for (auto& nv : normals) nv = R * nv;
    // The jaw contour (0-16) lies on the face outline, where the surface turns
    // away from the camera: it stays visible until clearly behind the outline.
    std::array<float, kNumLandmarks> min_facing;
    min_facing.fill(0.02f);
    for (int k = 0; k <= 16; ++k) min_facing[k] = -0.2f;
    auto vis = point_visibility(sc.cam, r, cam_pts.data(), normals.data(), kNumLandmarks, mask, min_facing.data());
    for (int k = 0; k < kNumLandmarks; ++k) out.visible[k] = vis[k];
  }
  degrade(sc.degrade_seed, sc.degrade, r.image);
  out.image = to_image8(r.image);
  out.parsing = std::move(r.label);
  return out;
}

}  // namespace fb::synth
