#include "facebench/synth/dataset_writer.h"

#include <stb_image_write.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "facebench/synth/dataset_tables.h"
#include "facebench/synth/mat_file.h"
#include "facebench/synth/png_writer.h"
#include "facebench/synth/text_format.h"

namespace fb::synth {

namespace fs = std::filesystem;

namespace {

void append_bytes(void* ctx, void* data, int n) {
  auto* v = static_cast<std::string*>(ctx);
  v->append(static_cast<const char*>(data), size_t(n));
}

void write_sample_files(const fs::path& root, const std::string& stem, const Sample& s, int quality) {
  // Encode into memory and write once: stb's file writer issues many small writes.
  std::string bytes;
  bytes.reserve(size_t(s.image.width) * s.image.height);
  if (!stbi_write_jpg_to_func(append_bytes, &bytes, s.image.width, s.image.height, 3, s.image.data.data(), quality))
    throw std::runtime_error("cannot encode JPEG for '" + stem + "'");
  write_text(root / "images" / (stem + ".jpg"), bytes);
  if (!s.has_face) return;
  write_text(root / "images" / (stem + ".pts"), pts_text(s));
  write_text(root / "parsing" / (stem + ".png"), encode_png_gray8(s.parsing.data(), s.image.width, s.image.height));
  MatVariable pt3d{"pt3d_68", 3, kNumLandmarks, {}}, pt2d{"pt2d", 2, kNumLandmarks, {}};
  for (int k = 0; k < kNumLandmarks; ++k) {
    pt3d.data.insert(pt3d.data.end(), {s.landmarks_3d[k].x, s.landmarks_3d[k].y, s.landmarks_3d[k].z});
    pt2d.data.insert(pt2d.data.end(), {s.landmarks[k].x, s.landmarks[k].y});
  }
  const double r = 3.14159265358979 / 180.0;
  MatVariable pose{"Pose_Para", 1, 7, {s.pitch * r, s.yaw * r, s.roll * r, 0, 0, 0, 1}};
  write_mat_file((root / "aflw3d" / (stem + ".mat")).string(), {pt3d, pt2d, pose});
}
}  // namespace

std::string sample_stem(const Generator::Slot& slot, int64_t index) {
  char b[64];
  if (slot.identity < 0) std::snprintf(b, sizeof b, "nonface/%06lld", (long long)slot.image);
  else std::snprintf(b, sizeof b, "n%06lld/%04lld_01", (long long)slot.identity, (long long)slot.image + 1);
  return b;
}

std::string pts_text(const Sample& s) {
  std::string out = "version: 1\nn_points:  68\n{\n";
  out.reserve(out.size() + size_t(kNumLandmarks) * 20 + 2);
  for (int k = 0; k < kNumLandmarks; ++k) {
    append_fixed(out, s.landmarks[k].x + 1.0, 4);
    out += ' ';
    append_fixed(out, s.landmarks[k].y + 1.0, 4);
    out += '\n';
  }
  return out + "}\n";
}

WriteStats write_dataset(const Generator& gen, const WriteOptions& opt) {
  if (opt.out_dir.empty()) throw std::invalid_argument("synth: no output directory given");
  if (opt.threads < 1) throw std::invalid_argument("synth: threads must be >= 1");
  const fs::path root(opt.out_dir);
  const int64_t n = gen.size();
  std::error_code ec;
  if (fs::exists(root / "manifest.json"))
    throw std::runtime_error("'" + opt.out_dir + "' already holds a dataset (manifest.json); choose a new directory");
  // Folders first, from one thread, so the workers never race on them.
  std::map<int64_t, std::vector<int64_t>> by_identity;  // identity -> sample indices in image order
  bool any_nonface = false;
  for (int64_t i = 0; i < n; ++i) {
    auto sl = gen.slot(i);
    if (sl.identity < 0) { any_nonface = true; continue; }
    auto& v = by_identity[sl.identity];
    if (int64_t(v.size()) <= sl.image) v.resize(size_t(sl.image + 1), -1);
    v[size_t(sl.image)] = i;
  }
  for (const char* sub : {"images", "parsing", "aflw3d"})
    for (const auto& kv : by_identity) {
      fs::create_directories(root / sub / id_folder(kv.first), ec);
      if (ec) throw std::runtime_error("cannot create '" + (root / sub / id_folder(kv.first)).string() + "': " + ec.message());
    }
  if (any_nonface) fs::create_directories(root / "images" / "nonface", ec);
  if (ec) throw std::runtime_error("cannot create folders under '" + opt.out_dir + "': " + ec.message());

  std::vector<SampleRecord> rec(static_cast<size_t>(n));
  std::atomic<int64_t> next{0}, done{0};
  std::atomic<bool> failed{false};
  std::string error;
  std::mutex error_mu;
  auto worker = [&] {
    // Chunks of consecutive samples keep one identity per thread (model cache hits).
    const int64_t chunk = 8;
    while (!failed) {
      int64_t b = next.fetch_add(chunk);
      if (b >= n) break;
      for (int64_t i = b; i < std::min(n, b + chunk) && !failed; ++i) {
        try {
          Sample s = gen.sample(i);
          write_sample_files(root, sample_stem(gen.slot(i), i), s, opt.jpeg_quality);
          SampleRecord& r = rec[size_t(i)];
          r.has_face = s.has_face;
          r.box = s.box;
          r.lm = s.landmarks;
          r.vis = s.visible;
          r.yaw = s.yaw;
          r.pitch = s.pitch;
          r.roll = s.roll;
          r.au = s.au;
          r.emotion = s.emotion;
          r.valence = s.valence;
          r.arousal = s.arousal;
          r.num_faces = s.num_faces;
          ++done;
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> lk(error_mu);
          if (!failed) error = e.what();
          failed = true;
        }
      }
    }
  };
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < opt.threads; ++t) pool.emplace_back(worker);
  while (done < n && !failed) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (opt.progress) opt.progress(done.load(), n);
  }
  for (auto& t : pool) t.join();
  if (failed) throw std::runtime_error(error);
  if (opt.progress) opt.progress(n, n);
  WriteStats st;
  st.images = n;
  st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  write_tables(root, gen, by_identity, rec);
  return st;
}

}  // namespace fb::synth
