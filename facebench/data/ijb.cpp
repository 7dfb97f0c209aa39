#include "facebench/data/ijb.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string_view>
#include <unordered_map>

#include "facebench/data/text.h"
#include "tensor/error.h"

namespace fb::data {

namespace fs = std::filesystem;

namespace {

// Calls fn(line_number, line) for every line of a text file (CRLF tolerated);
// streaming, because IJB-C's pair list has about 15.7 million lines.
template <class Fn>
void for_each_line(const std::string& path, Fn fn) {
  std::ifstream f(path, std::ios::binary);
  if (!f) FB_FAIL("cannot read '", path, "': no such file or not readable");
  std::string l;
  int64_t n = 0;
  while (std::getline(f, l)) {
    ++n;
    if (!l.empty() && l.back() == '\r') l.pop_back();
    fn(n, l);
  }
}

// Splits on runs of blanks into at most `max` views; returns the number of
// tokens found (which may exceed max: the caller then rejects the line).
size_t tokens(std::string_view s, std::string_view* out, size_t max) {
  size_t n = 0, i = 0;
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; };
  while (i < s.size()) {
    while (i < s.size() && blank(s[i])) ++i;
    size_t j = i;
    while (j < s.size() && !blank(s[j])) ++j;
    if (j > i) {
      if (n < max) out[n] = s.substr(i, j - i);
      ++n;
    }
    i = j;
  }
  return n;
}

bool to_int(std::string_view t, int64_t* v) {
  auto r = std::from_chars(t.data(), t.data() + t.size(), *v);
  return r.ec == std::errc() && r.ptr == t.data() + t.size();
}

bool to_float(std::string_view t, float* v) {
  double d = 0;
  if (!parse_double(std::string(t), &d) || !std::isfinite(d)) return false;
  *v = float(d);
  return true;
}

std::string quoted(const std::string& line) {
  return "'" + (line.size() > 120 ? line.substr(0, 120) + "..." : line) + "'";
}

}  // namespace

IjbDataset::IjbDataset(const std::string& root, const std::string& set, const std::string& image_dir, ProblemLog& log)
    : set_(set) {
  FB_CHECK(set == "ijbb" || set == "ijbc", "IJB: set must be ijbb or ijbc, got '", set, "'");
  fs::path base(root);
  std::string upper = set == "ijbb" ? "IJBB" : "IJBC";
  if (!fs::is_directory(base / "meta") && fs::is_directory(base / upper / "meta")) base /= upper;
  if (!fs::is_directory(base / "meta"))
    FB_FAIL(set, ": no meta/ folder in '", root, "' (expected ", upper, "/meta/", set, "_face_tid_mid.txt)");
  meta_dir_ = (base / "meta").string();
  image_dir_ = image_dir.empty() ? (base / "loose_crop").string() : image_dir;
  const std::string tid_mid = (base / "meta" / (set + "_face_tid_mid.txt")).string();
  const std::string pair_file = (base / "meta" / (set + "_template_pair_label.txt")).string();
  const std::string pts_file = (base / "meta" / (set + "_name_5pts_score.txt")).string();
  if (!fs::is_regular_file(tid_mid)) FB_FAIL(set, ": '", tid_mid, "' does not exist");
  if (!fs::is_regular_file(pair_file)) FB_FAIL(set, ": '", pair_file, "' does not exist");

  // Faces: one per line of the tid/mid file; `ok` marks lines that parsed.
  std::vector<IjbFace> rows;
  std::vector<uint8_t> ok;
  std::vector<int64_t> line_of;
  std::string_view tok[12];
  for_each_line(tid_mid, [&](int64_t ln, const std::string& line) {
    IjbFace f;
    const size_t n = tokens(line, tok, 12);
    if (n == 0) return;  // blank line
    bool good = n == 3 && to_int(tok[1], &f.tid) && to_int(tok[2], &f.mid);
    rows.push_back(f);
    ok.push_back(0);
    line_of.push_back(ln);
    if (!good) {
      log.report(tid_mid, ln, "expected '<image name> <template id> <media id>', got " + quoted(line));
      return;
    }
    rows.back().name = std::string(tok[0]);
    ok.back() = 1;
  });

  if (fs::is_regular_file(pts_file)) {
    has_points_ = true;
    size_t k = 0;
    for_each_line(pts_file, [&](int64_t ln, const std::string& line) {
      const size_t n = tokens(line, tok, 12);
      if (n == 0) return;
      const size_t row = k++;
      if (row >= rows.size()) return;  // counted below
      IjbFace& f = rows[row];
      bool good = n == 12;
      for (int j = 0; good && j < 10; ++j) good = to_float(tok[1 + j], &f.points[j]);
      good = good && to_float(tok[11], &f.score);
      if (!good) {
        log.report(pts_file, ln, "expected '<image name> x1 y1 ... x5 y5 <score>' (12 fields), got " + quoted(line));
        ok[row] = 0;
        return;
      }
      if (ok[row] && tok[0] != f.name) {
        log.report(pts_file, ln, "names image '" + std::string(tok[0]) + "' where line " + std::to_string(line_of[row]) +
                                     " of " + tid_mid + " names '" + f.name + "'");
        ok[row] = 0;
        return;
      }
      f.has_points = true;
    });
    if (k != rows.size()) {
      log.report(pts_file, 0, "has " + std::to_string(k) + " faces, " + tid_mid + " has " + std::to_string(rows.size()));
      for (size_t r = k; r < rows.size(); ++r) ok[r] = 0;
    }
  }

  // Templates, in order of first appearance; faces whose image is missing are dropped.
  std::unordered_map<int64_t, int32_t> tindex;
  {
    for (size_t r = 0; r < rows.size(); ++r) {
      if (!ok[r]) continue;
      IjbFace& f = rows[r];
      if (!fs::is_regular_file(fs::path(image_dir_) / f.name)) {
        log.report(tid_mid, line_of[r], "image '" + (fs::path(image_dir_) / f.name).string() + "' does not exist");
        continue;
      }
      auto it = tindex.find(f.tid);
      if (it == tindex.end()) {
        FB_CHECK(templates_.size() < size_t(INT32_MAX), set, ": too many templates");
        it = tindex.emplace(f.tid, int32_t(templates_.size())).first;
        templates_.push_back(IjbTemplate{f.tid, {}});
      }
      f.template_index = it->second;
      templates_[size_t(it->second)].faces.push_back(int64_t(faces_.size()));
      faces_.push_back(std::move(f));
    }
  }

  for_each_line(pair_file, [&](int64_t ln, const std::string& line) {
    const size_t n = tokens(line, tok, 12);
    if (n == 0) return;
    int64_t t1 = 0, t2 = 0, label = -1;
    if (n != 3 || !to_int(tok[0], &t1) || !to_int(tok[1], &t2) || !to_int(tok[2], &label) || (label != 0 && label != 1)) {
      log.report(pair_file, ln, "expected '<template id 1> <template id 2> <0|1>', got " + quoted(line));
      return;
    }
    auto a = tindex.find(t1), b = tindex.find(t2);
    if (a == tindex.end() || b == tindex.end()) {
      log.report(pair_file, ln, "template " + std::to_string(a == tindex.end() ? t1 : t2) + " has no usable face in " + tid_mid);
      return;
    }
    pairs_.push_back(IjbPair{a->second, b->second, uint8_t(label)});
  });
}

std::string IjbDataset::file(int64_t i) const {
  FB_CHECK(i >= 0 && i < size(), set_, ": index ", i, " out of range [0, ", size(), ")");
  return (fs::path(image_dir_) / faces_[size_t(i)].name).string();
}

Sample IjbDataset::get(int64_t i) const {
  Sample s;
  s.index = i;
  s.source = file(i);
  s.image = decode_image_file(s.source, 3);
  const IjbFace& f = faces_[size_t(i)];
  if (f.has_points) {
    s.landmarks.assign(f.points, f.points + 10);
    s.visible.assign(5, 1);
  }
  s.values = {f.score};
  return s;
}

std::vector<float> ijb_template_features(const IjbDataset& ds, const std::vector<float>& emb, int64_t d, bool use_scores) {
  FB_CHECK(d > 0 && int64_t(emb.size()) == ds.size() * d, ds.name(), ": expected ", ds.size(), " x ", d,
           " face embeddings, got ", emb.size(), " values");
  const auto& faces = ds.faces();
  std::vector<float> out(ds.templates().size() * size_t(d), 0.0f);
  std::vector<double> acc(static_cast<size_t>(d)), media(static_cast<size_t>(d));
  for (size_t t = 0; t < ds.templates().size(); ++t) {
    std::fill(acc.begin(), acc.end(), 0.0);
    // Faces grouped by media id (ordered map: the sum does not depend on line order within a media).
    std::map<int64_t, std::vector<int64_t>> by_media;
    for (int64_t f : ds.templates()[t].faces) by_media[faces[size_t(f)].mid].push_back(f);
    for (const auto& [mid, fs_] : by_media) {
      (void)mid;
      std::fill(media.begin(), media.end(), 0.0);
      for (int64_t f : fs_) {
        const double w = use_scores ? double(faces[size_t(f)].score) : 1.0;
        for (int64_t j = 0; j < d; ++j) media[size_t(j)] += w * emb[size_t(f * d + j)];
      }
      for (int64_t j = 0; j < d; ++j) acc[size_t(j)] += media[size_t(j)] / double(fs_.size());
    }
    double norm = 0;
    for (double v : acc) norm += v * v;
    norm = std::sqrt(norm);
    if (norm > 0)
      for (int64_t j = 0; j < d; ++j) out[t * size_t(d) + size_t(j)] = float(acc[size_t(j)] / norm);
  }
  return out;
}

std::vector<double> ijb_pair_scores(const IjbDataset& ds, const std::vector<float>& tf, int64_t d) {
  FB_CHECK(d > 0 && tf.size() == ds.templates().size() * size_t(d), ds.name(), ": expected ", ds.templates().size(), " x ",
           d, " template features, got ", tf.size(), " values");
  std::vector<double> s;
  s.reserve(ds.pairs().size());
  for (const IjbPair& p : ds.pairs()) {
    double c = 0;
    const float* a = tf.data() + size_t(p.a) * size_t(d);
    const float* b = tf.data() + size_t(p.b) * size_t(d);
    for (int64_t j = 0; j < d; ++j) c += double(a[j]) * b[j];
    s.push_back(c);
  }
  return s;
}

std::vector<uint8_t> ijb_pair_labels(const IjbDataset& ds) {
  std::vector<uint8_t> l;
  l.reserve(ds.pairs().size());
  for (const IjbPair& p : ds.pairs()) l.push_back(p.same);
  return l;
}

}  // namespace fb::data
