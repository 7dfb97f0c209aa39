#include "facebench/synth/render.h"

#include <cmath>

#include "facebench/synth/face_texture.h"
#include "facebench/synth/labels.h"
#include "facebench/synth/rng.h"

namespace fb::synth {

namespace {
// Scene-wide arrays: every vertex of every drawn part, in one index space.
struct SceneBuffers {
  std::vector<ScreenVertex> sv;
  std::vector<Vec3> normal;   // camera space
  std::vector<Vec3> head;     // head-space position (face grid: after the expression)
  std::vector<HeadAttr> attr; // face grid only (zero elsewhere)
  std::vector<std::array<int, 3>> tris;
  std::vector<uint8_t> owner, mat;
};

// `normals`: the part's vertex normals when known in advance (rigid parts);
// null to compute them from `pos`.
void add_part(SceneBuffers& S, const Camera& cam, const FaceInstance& f, int owner,
              const std::vector<Vec3>& pos, const std::vector<Vec3>* normals,
              const std::vector<std::array<int, 3>>& tris, const uint8_t* mats, uint8_t single_mat,
              const HeadAttr* attr) {
  Mat3 R = f.rotation();
  std::vector<Vec3> computed;
  if (!normals) {
    vertex_normals(pos, tris, computed);
    normals = &computed;
  }
  const std::vector<Vec3>& nrm = *normals;
  int base = int(S.sv.size());
  for (size_t k = 0; k < pos.size(); ++k) {
    S.sv.push_back(cam.project(R * pos[k] + f.translation));
    S.normal.push_back(R * nrm[k]);
    S.head.push_back(pos[k]);
    S.attr.push_back(attr ? attr[k] : HeadAttr{0, 0, 0, 0});
  }
  for (size_t k = 0; k < tris.size(); ++k) {
    S.tris.push_back({tris[k][0] + base, tris[k][1] + base, tris[k][2] + base});
    S.owner.push_back(uint8_t(owner));
    S.mat.push_back(mats ? mats[k] : single_mat);
  }
}

bool culled_material(uint8_t m) { return m == kMatFace || m == kMatNeck || m == kMatCloth; }
}  // namespace

void render_faces(const Camera& cam, const Lighting& light, const std::vector<FaceInstance>& faces,
                  RenderResult& out) {
  const int W = cam.width, H = cam.height;
  SceneBuffers S;
  size_t nv = 0, nt = 0;
  for (const auto& f : faces) {
    nv += f.model->rest.size() + f.model->body.pos.size() + f.model->sunglasses.pos.size();
    nt += f.model->tris.size() + f.model->body.tris.size() + f.model->sunglasses.tris.size();
  }
  S.sv.reserve(nv);
  S.normal.reserve(nv);
  S.head.reserve(nv);
  S.attr.reserve(nv);
  S.tris.reserve(nt);
  S.owner.reserve(nt);
  S.mat.reserve(nt);
  std::vector<ExpressionControls> ctrl(faces.size());
  std::vector<Vec3> deformed;
  for (size_t i = 0; i < faces.size(); ++i) {
    const FaceInstance& f = faces[i];
    const HeadModel& m = *f.model;
    ctrl[i] = expression_controls(f.expr);
    deform_head(m, ctrl[i], deformed);
    add_part(S, cam, f, int(i), deformed, nullptr, m.tris, nullptr, kMatFace, m.attr.data());
    add_part(S, cam, f, int(i), m.body.pos, &m.body.normal, m.body.tris, m.body.mat.data(), 0, nullptr);
    const Part* g = f.sunglasses ? &m.sunglasses : (f.glasses && !m.glasses.pos.empty() ? &m.glasses : nullptr);
    if (g) add_part(S, cam, f, int(i), g->pos, &g->normal, g->tris, g->mat.data(), 0, nullptr);
  }
  out.vb.reset(W, H);
  // Runs of triangles sharing the culling mode go to the rasteriser together.
  size_t k = 0;
  while (k < S.tris.size()) {
    bool cull = culled_material(S.mat[k]);
    size_t e = k + 1;
    while (e < S.tris.size() && culled_material(S.mat[e]) == cull) ++e;
    rasterize(out.vb, S.sv.data(), S.tris.data() + k, int(e - k), int(k), cull);
    k = e;
  }
  out.tri_owner = S.owner;
  out.tri_mat = S.mat;
  out.label.assign(size_t(W) * H, kBackground);

  Vec3 L = normalize(light.dir);
  Vec3 Hv = normalize(L + Vec3{0, 0, 1});
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      size_t p = size_t(y) * W + x;
      int t = out.vb.tri[p];
      if (t < 0) continue;
      const auto& tv = S.tris[t];
      float w[3];
      perspective_weights(out.vb.b1[p], out.vb.b2[p], S.sv[tv[0]].d, S.sv[tv[1]].d, S.sv[tv[2]].d, w);
      Vec3 n = normalize(S.normal[tv[0]] * w[0] + S.normal[tv[1]] * w[1] + S.normal[tv[2]] * w[2]);
      if (n.z < 0 && !culled_material(S.mat[t])) n = n * -1.0f;  // two-sided parts
      const FaceInstance& f = faces[S.owner[t]];
      const IdentityParams& id = f.model->id;
      uint8_t label = kBackground;
      Rgb albedo;
      float spec = 0.2f;
      switch (S.mat[t]) {
        case kMatFace: {
          const HeadAttr &a0 = S.attr[tv[0]], &a1 = S.attr[tv[1]], &a2 = S.attr[tv[2]];
          Vec3 hp = S.head[tv[0]] * w[0] + S.head[tv[1]] * w[1] + S.head[tv[2]] * w[2];
          SurfaceSample ss = shade_head(id, ctrl[S.owner[t]], a0.s * w[0] + a1.s * w[1] + a2.s * w[2],
                                        a0.t * w[0] + a1.t * w[1] + a2.t * w[2],
                                        a0.hair * w[0] + a1.hair * w[1] + a2.hair * w[2],
                                        a0.front * w[0] + a1.front * w[1] + a2.front * w[2], hp.x, hp.y);
          label = ss.label;
          albedo = ss.albedo;
          spec = ss.specular;
          break;
        }
        case kMatNeck: albedo = id.skin * 0.9f; label = kBackground; break;
        case kMatEar: albedo = id.skin * 0.95f; label = kSkin; break;
        case kMatCloth: {
          Vec3 hp = S.head[tv[0]] * w[0] + S.head[tv[1]] * w[1] + S.head[tv[2]] * w[2];
          float stripe = value_noise(uint64_t(id.id) ^ 0x77, hp.x * 6, hp.y * 6);
          albedo = f.cloth * (0.8f + 0.3f * stripe);
          spec = 0.05f;
          break;
        }
        case kMatHairSheet: {
          Vec3 hp = S.head[tv[0]] * w[0] + S.head[tv[1]] * w[1] + S.head[tv[2]] * w[2];
          albedo = id.hair * (0.6f + 0.7f * value_noise(uint64_t(id.id) ^ 0x99, hp.x * 60, hp.y * 8));
          label = kHair;
          spec = 0.25f;
          break;
        }
        case kMatGlassFrame: albedo = id.glasses; label = kGlasses; spec = 0.6f; break;
        case kMatGlassLens: albedo = Rgb{0.04f, 0.04f, 0.05f}; label = kGlasses; spec = 1.0f; break;
        default: albedo = Rgb{0.5f, 0.5f, 0.5f}; break;
      }
      float diff = std::max(0.0f, dot(n, L));
      float nh = std::max(0.0f, dot(n, Hv));
      float nh3 = nh * nh * nh, nh6 = nh3 * nh3, nh12 = nh6 * nh6;  // nh^24 without pow
      float sp = light.specular * spec * nh12 * nh12;
      float* px = out.image.at(x, y);
      px[0] = albedo.r * (light.ambient.r + light.diffuse.r * diff) + sp;
      px[1] = albedo.g * (light.ambient.g + light.diffuse.g * diff) + sp;
      px[2] = albedo.b * (light.ambient.b + light.diffuse.b * diff) + sp;
      out.label[p] = label;
    }
}

std::vector<uint8_t> point_visibility(const Camera& cam, const RenderResult& r, const Vec3* q,
                                      const Vec3* nrm, int n, const std::vector<uint8_t>& mask,
                                      const float* min_facing) {
  std::vector<uint8_t> vis(size_t(n), 0);
  const int W = cam.width, H = cam.height;
  for (int i = 0; i < n; ++i) {
    ScreenVertex s = cam.project(q[i]);
    int px = int(std::lround(s.x)), py = int(std::lround(s.y));
    if (px < 0 || py < 0 || px >= W || py >= H || s.d <= 0) continue;
    if (!mask.empty() && mask[size_t(py) * W + px]) continue;
    Vec3 to_cam = normalize(q[i] * -1.0f);
    float facing = dot(nrm[i], to_cam);
    if (facing < (min_facing ? min_facing[i] : 0.02f)) continue;  // on the far side of the head
    // Depth tolerance (head units): above the mesh's deviation from the smooth
    // surface, below the height of a nose, a hand or a lens over the skin. On
    // a surface seen at a grazing angle one pixel spans a larger depth range.
    float c = std::max(std::fabs(facing), 0.15f);
    float tol = 0.04f + 1.5f * (s.d / cam.focal) * std::sqrt(1 - c * c) / c;
    const float limit = 1.0f / std::max(s.d - tol, 1e-3f);  // inv_depth above this is in front
    bool ok = false;
    for (int dy = -1; dy <= 1 && !ok; ++dy)
      for (int dx = -1; dx <= 1 && !ok; ++dx) {
        int x = px + dx, y = py + dy;
        if (x < 0 || y < 0 || x >= W || y >= H) continue;
        ok = r.vb.inv_depth[size_t(y) * W + x] <= limit;
      }
    vis[i] = ok ? 1 : 0;
  }
  return vis;
}

}  // namespace fb::synth
