// Scene sampling for the three dataset modes.
#include "facebench/synth/scene.h"

#include <cmath>

#include "facebench/synth/rng.h"

namespace fb::synth {

std::shared_ptr<const HeadModel> cached_head_model(int64_t identity, int detail) {
  // Small most-recently-used list; a pure cache, so it cannot affect the output.
  thread_local std::vector<std::pair<int64_t, std::shared_ptr<const HeadModel>>> cache;
  const int64_t key = identity * 4 + detail;
  for (size_t i = 0; i < cache.size(); ++i)
    if (cache[i].first == key) {
      if (i != 0) std::swap(cache[i], cache[0]);
      return cache[0].second;
    }
  auto m = build_head_model(make_identity(identity), detail);
  if (cache.size() >= 8) cache.pop_back();
  cache.insert(cache.begin(), {key, m});
  return m;
}

namespace {
Lighting sample_light(Rng& g) {
  Lighting l;
  l.dir = normalize(Vec3{g.uniform(-1.0f, 1.0f), g.uniform(-0.2f, 1.0f), g.uniform(0.25f, 1.2f)});
  float amb = g.uniform(0.3f, 0.6f), dif = g.uniform(0.4f, 0.85f), tint = g.uniform(-0.12f, 0.12f);
  l.ambient = Rgb{amb * (1 + tint * 0.5f), amb, amb * (1 - tint * 0.5f)};
  l.diffuse = Rgb{dif * (1 + tint), dif, dif * (1 - tint)};
  l.specular = g.uniform(0.05f, 0.35f);
  return l;
}

Rgb sample_cloth(Rng& g) {
  float l = g.uniform(0.1f, 0.85f);
  return mix(Rgb{l, l, l}, Rgb{g.uniform(), g.uniform(), g.uniform()}, g.uniform(0.0f, 0.8f));
}

// Places face f so that its head is w_px pixels wide and its face centre lands
// on pixel (u, v): picks the distance from the width, then the offset.
void place(const Camera& cam, FaceInstance& f, float u, float v, float w_px) {
  float a = f.model->id.head_a;
  float D = cam.focal * 2.0f * a / std::max(w_px, 1.0f);
  Vec3 c = f.rotation() * Vec3{0, -0.12f, 0.35f};
  float depth = D - c.z;
  f.translation = {(u - cam.cx) * depth / cam.focal - c.x, -(v - cam.cy) * depth / cam.focal - c.y, -D};
  // Mesh resolution to match the size on screen (a pure function of the scene).
  int detail = detail_for_width(w_px);
  if (f.model->detail != detail) f.model = cached_head_model(f.model->id.id, detail);
}

FaceInstance make_face(Rng& g, int64_t identity, uint64_t expr_seed, float yaw_sd, bool wide_pose) {
  FaceInstance f;
  f.model = cached_head_model(identity);
  Rng ge(expr_seed);
  f.expr = sample_expression(ge);
  if (wide_pose && g.chance(0.5f)) f.yaw = g.uniform(-90.0f, 90.0f);
  else f.yaw = g.clipped(0, yaw_sd, -90, 90);
  f.pitch = g.clipped(0, wide_pose ? 18.0f : 12.0f, -45, 45);
  f.roll = g.clipped(0, wide_pose ? 12.0f : 7.0f, -30, 30);
  f.glasses = f.model->id.wears_glasses && g.chance(0.85f);
  f.sunglasses = g.chance(wide_pose ? 0.06f : 0.03f);
  f.cloth = sample_cloth(g);
  return f;
}

void video_scene(const Config& cfg, int64_t seq, int64_t frame, SceneSpec& s) {
  // Everything slow is a sum of sinusoids of the frame number with per-sequence
  // periods and phases, so consecutive frames differ only a little.
  Rng g(hash_words(cfg.seed, uint64_t(seq), kStreamVideo));
  const float S = float(cfg.size);
  s.cam.focal = S * g.uniform(1.3f, 2.4f);
  s.light = sample_light(g);
  s.background_seed = hash_words(cfg.seed, uint64_t(seq), kStreamBackground);
  s.degrade_seed = hash_words(cfg.seed, uint64_t(seq), kStreamDegrade);
  s.degrade.scale = 0.6f;
  const float t = float(frame);
  auto wave = [&](float amp, float pmin, float pmax) {
    float period = g.uniform(pmin, pmax), phase = g.uniform(0, 2 * kPi);
    return amp * std::sin(2 * kPi * t / period + phase);
  };
  FaceInstance f;
  f.model = cached_head_model(cfg.first_identity + seq);
  float yaw0 = g.clipped(0, 20, -50, 50);
  f.yaw = std::clamp(yaw0 + wave(g.uniform(5, 30), 80, 300), -90.0f, 90.0f);
  f.pitch = std::clamp(g.clipped(0, 8, -25, 25) + wave(g.uniform(2, 10), 60, 200), -45.0f, 45.0f);
  f.roll = std::clamp(g.clipped(0, 5, -15, 15) + wave(g.uniform(1, 6), 90, 250), -30.0f, 30.0f);
  f.glasses = f.model->id.wears_glasses;
  f.cloth = sample_cloth(g);
  // Expression: segments of one emotion each, rising and falling smoothly.
  int seg_len = g.integer(30, 80);
  int64_t seg = frame / seg_len;
  Rng gs(hash_words(cfg.seed, uint64_t(seq), uint64_t(seg), kStreamExpression));
  Emotion e = gs.chance(0.3f) ? Emotion::Neutral : Emotion(gs.integer(1, kNumEmotions - 1));
  float peak = gs.uniform(0.4f, 1.0f);
  float ph = float(frame % seg_len) / float(seg_len);
  float env = std::sin(kPi * ph);
  f.expr = emotion_prototype(e, peak * env * env);
  if (e != Emotion::Neutral && env * env < 0.25f) f.expr.emotion = Emotion::Neutral;
  // Blinks: a 3-frame closure every blink_period frames.
  int blink_period = g.integer(40, 120), blink_phase = g.integer(0, 119);
  int bp = int((frame + blink_phase) % blink_period);
  f.expr.blink = bp == 0 ? 0.5f : bp == 1 ? 1.0f : bp == 2 ? 0.5f : 0.0f;
  f.expr.gaze_x = wave(0.015f, 40, 120);
  f.expr.gaze_y = wave(0.008f, 50, 150);
  float w_px = S * g.uniform(0.42f, 0.58f);
  float u = S * 0.5f + wave(0.05f * S, 100, 400), v = S * 0.5f + wave(0.04f * S, 100, 400);
  place(s.cam, f, u, v, w_px);
  s.faces.push_back(f);
}
}  // namespace

SceneSpec make_scene(const Config& cfg, int64_t index, const Generator::Slot& slot) {
  SceneSpec s;
  const float S = float(cfg.size);
  s.cam.width = s.cam.height = cfg.size;
  s.cam.cx = s.cam.cy = 0.5f * (S - 1);
  if (cfg.mode == Mode::Video) {
    video_scene(cfg, slot.identity - cfg.first_identity, slot.image, s);
    return s;
  }
  Rng g(hash_words(cfg.seed, uint64_t(index), kStreamScene));
  s.cam.focal = S * g.uniform(1.2f, 2.5f);
  s.light = sample_light(g);
  s.background_seed = hash_words(cfg.seed, uint64_t(index), kStreamBackground);
  s.occluder_seed = hash_words(cfg.seed, uint64_t(index), kStreamOccluder);
  s.degrade_seed = hash_words(cfg.seed, uint64_t(index), kStreamDegrade);
  uint64_t expr_seed = hash_words(cfg.seed, uint64_t(index), kStreamExpression);
  if (cfg.mode == Mode::Curated) {
    FaceInstance f = make_face(g, slot.identity, expr_seed, 30.0f, false);
    float w_px = S * g.uniform(0.42f, 0.58f);
    place(s.cam, f, S * (0.5f + g.uniform(-0.04f, 0.04f)), S * (0.5f + g.uniform(-0.04f, 0.04f)), w_px);
    s.faces.push_back(f);
    s.occluder = g.chance(0.08f);
    s.degrade.scale = 0.6f;
    s.degrade.p_lowres = 0.04f;
    s.degrade.p_jpeg = 0.06f;
    return s;
  }
  // Uncurated.
  s.degrade.scale = 1.0f;
  if (slot.identity < 0) {
    s.has_face = false;
    s.occluder = g.chance(0.5f);  // an object on its own
    return s;
  }
  int n = g.chance(0.75f) ? 1 : (g.chance(0.7f) ? 2 : 3);
  // Primary: log-uniform size from tiny to larger than the image, anywhere.
  float w_px = S * std::exp(g.uniform(std::log(0.1f), std::log(1.3f)));
  FaceInstance f = make_face(g, slot.identity, expr_seed, 35.0f, true);
  place(s.cam, f, g.uniform(-0.1f, 1.1f) * S, g.uniform(-0.1f, 1.1f) * S, w_px);
  s.faces.push_back(f);
  for (int k = 1; k < n; ++k) {
    Rng gx(hash_words(cfg.seed, uint64_t(index), kStreamExtraFace, uint64_t(k)));
    int64_t other = cfg.first_identity + int64_t(gx.next_u64() % uint64_t(cfg.identities));
    FaceInstance e = make_face(gx, other, gx.next_u64(), 35.0f, true);
    place(s.cam, e, gx.uniform(0.0f, 1.0f) * S, gx.uniform(0.0f, 1.0f) * S,
          S * std::exp(gx.uniform(std::log(0.1f), std::log(0.7f))));
    s.faces.push_back(e);
  }
  s.occluder = g.chance(0.25f);
  return s;
}

}  // namespace fb::synth
