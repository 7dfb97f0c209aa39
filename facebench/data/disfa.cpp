#include "facebench/data/disfa.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

#include "facebench/data/text.h"
#include "tensor/error.h"

namespace fb::data {

namespace fs = std::filesystem;

int DisfaDataset::part_of(const std::string& subject) {
  // Subject-exclusive parts used by ME-GraphAU (FORMATS.md 8.1).
  static const std::map<int, int> parts = {
      {2, 1}, {10, 1}, {1, 1}, {26, 1}, {27, 1}, {32, 1}, {30, 1}, {9, 1}, {16, 1},
      {13, 2}, {18, 2}, {11, 2}, {28, 2}, {12, 2}, {6, 2}, {31, 2}, {21, 2}, {24, 2},
      {3, 3}, {29, 3}, {23, 3}, {25, 3}, {8, 3}, {5, 3}, {7, 3}, {17, 3}, {4, 3}};
  int64_t n = 0;
  if (subject.size() < 3 || subject.compare(0, 2, "SN") != 0 || !parse_int(subject.substr(2), &n)) return 0;
  auto it = parts.find(int(n));
  return it == parts.end() ? 0 : it->second;
}

std::string expand_frame_pattern(const std::string& pattern, const std::string& subject, int64_t index, int64_t frame) {
  int64_t sn = 0;
  parse_int(subject.size() > 2 ? subject.substr(2) : "", &sn);
  std::string out;
  for (size_t i = 0; i < pattern.size();) {
    if (pattern[i] != '{') {
      out += pattern[i++];
      continue;
    }
    size_t close = pattern.find('}', i);
    FB_CHECK(close != std::string::npos, "frame pattern '", pattern, "': unclosed '{'");
    std::string key = pattern.substr(i + 1, close - i - 1);
    int64_t width = 0;
    if (auto colon = key.find(':'); colon != std::string::npos) {
      // A width wider than any number is refused: printf would pad to it.
      if (!parse_int(key.substr(colon + 1), &width) || width < 0 || width > 20)
        FB_FAIL("frame pattern '", pattern, "': the width in {", key, "} must be a number from 0 to 20");
      key = key.substr(0, colon);
    }
    int64_t v;
    if (key == "subject") {
      out += subject;
    } else {
      if (key == "sn") v = sn;
      else if (key == "sn0") v = sn - 1;
      else if (key == "index") v = index;
      else if (key == "frame") v = frame;
      else FB_FAIL("frame pattern '", pattern, "': unknown placeholder {", key, "}");
      char b[32];
      std::snprintf(b, sizeof b, "%0*lld", int(width), (long long)v);
      out += b;
    }
    i = close + 1;
  }
  return out;
}

DisfaDataset::DisfaDataset(const std::string& root, const std::string& frame_root, const std::string& frame_pattern,
                           ProblemLog& log)
    : frame_root_(frame_root), pattern_(frame_pattern) {
  const fs::path labels = fs::path(root) / "ActionUnit_Labels";
  if (!fs::is_directory(labels)) FB_FAIL("disfa: '", labels.string(), "' does not exist");
  std::vector<std::string> subjects;
  for (const auto& e : fs::directory_iterator(labels))
    if (e.is_directory()) subjects.push_back(e.path().filename().string());
  std::sort(subjects.begin(), subjects.end(), natural_less);
  expand_frame_pattern(pattern_, "SN001", 0, 1);  // validates the pattern up front
  for (const auto& subj : subjects) {
    std::vector<std::vector<std::pair<int64_t, int64_t>>> cols;  // per AU: (frame, intensity)
    bool ok = true;
    for (int au : kDisfaAus) {
      const fs::path f = labels / subj / (subj + "_au" + std::to_string(au) + ".txt");
      if (!fs::is_regular_file(f)) {
        log.report(f.string(), 0, "missing AU label file");
        ok = false;
        break;
      }
      std::vector<std::pair<int64_t, int64_t>> col;
      auto lines = read_lines(f.string());
      for (size_t ln = 0; ln < lines.size() && ok; ++ln) {
        if (trim(lines[ln]).empty()) continue;
        auto tok = split_char(lines[ln], ',');
        int64_t fr, v;
        if (tok.size() != 2 || !parse_int(tok[0], &fr) || !parse_int(tok[1], &v)) {
          log.report(f.string(), int64_t(ln + 1), "expected 'frame,intensity', got '" + lines[ln] + "'");
          ok = false;
        } else if (v < 0 || v > 5) {
          log.report(f.string(), int64_t(ln + 1), "intensity " + std::to_string(v) + " outside 0..5");
          ok = false;
        } else {
          col.push_back({fr, v});
        }
      }
      if (!ok) break;
      if (!cols.empty() && col.size() != cols[0].size()) {
        log.report(f.string(), 0, "has " + std::to_string(col.size()) + " frames; " + subj + "_au1.txt has " +
                                      std::to_string(cols[0].size()));
        ok = false;
        break;
      }
      cols.push_back(std::move(col));
    }
    if (!ok) continue;  // a subject is used whole or not at all
    for (size_t k = 0; k < cols[0].size(); ++k) {
      Item it;
      it.subject = subj;
      it.index = int64_t(k);
      it.frame = cols[0][k].first;
      for (size_t a = 0; a < cols.size(); ++a) it.au[a] = uint8_t(cols[a][k].second);
      items_.push_back(it);
    }
  }
}

std::string DisfaDataset::file(int64_t i) const {
  if (frame_root_.empty()) return "";
  const Item& it = items_[size_t(i)];
  return (fs::path(frame_root_) / expand_frame_pattern(pattern_, it.subject, it.index, it.frame)).string();
}

std::string DisfaDataset::split(int64_t i) const {
  int p = part_of(items_[size_t(i)].subject);
  return p ? "part" + std::to_string(p) : "other";
}

Sample DisfaDataset::get(int64_t i) const {
  FB_CHECK(i >= 0 && i < size(), "disfa: index ", i, " out of range [0, ", size(), ")");
  FB_CHECK(!frame_root_.empty(), "disfa: no frame folder given; labels only");
  Sample s;
  s.index = i;
  s.source = file(i);
  s.image = decode_image_file(s.source, 3);
  for (uint8_t v : items_[size_t(i)].au) s.values.push_back(float(v));
  return s;
}

}  // namespace fb::data
