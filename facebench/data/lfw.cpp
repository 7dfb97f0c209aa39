#include "facebench/data/lfw.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>

#include "facebench/data/text.h"
#include "tensor/error.h"

namespace fb::data {

namespace fs = std::filesystem;

LfwPairs::LfwPairs(const std::string& pairs_txt, const std::string& lfw_dir, ProblemLog& log) {
  auto lines = read_lines(pairs_txt);
  FB_CHECK(!lines.empty(), pairs_txt, ": empty file");
  auto head = split_char(lines[0], '\t');
  int64_t f = 0, p = 0;
  if (head.size() != 2 || !parse_int(head[0], &f) || !parse_int(head[1], &p) || f <= 0 || p <= 0)
    FB_FAIL(pairs_txt, ":1: expected '<folds>\\t<pairs per half fold>', got '", lines[0], "'");
  // Both must fit the int fields, which also keeps the pair counts below within 64 bits.
  if (f > INT32_MAX || p > INT32_MAX)
    FB_FAIL(pairs_txt, ":1: absurd header '", lines[0], "' (", f, " folds of 2 x ", p, " pairs)");
  folds_ = int(f);
  per_fold_ = int(p);
  const int64_t per_fold_lines = 2 * int64_t(per_fold_);
  std::map<std::string, int64_t> index;
  auto image = [&](const std::string& name, int64_t n, size_t ln) -> int64_t {
    char num[16];
    std::snprintf(num, sizeof num, "%04lld", (long long)n);
    fs::path base = fs::path(lfw_dir) / name / (name + "_" + num);
    std::string path = base.string() + ".jpg";
    if (!fs::is_regular_file(path) && fs::is_regular_file(base.string() + ".png")) path = base.string() + ".png";
    if (!fs::is_regular_file(path)) {
      log.report(pairs_txt, int64_t(ln + 1), "image '" + path + "' does not exist");
      return -1;
    }
    auto it = index.find(path);
    if (it != index.end()) return it->second;
    images_.push_back(path);
    return index[path] = int64_t(images_.size()) - 1;
  };
  size_t body = 0;
  for (size_t ln = 1; ln < lines.size(); ++ln) {
    if (trim(lines[ln]).empty()) continue;
    const size_t k = body++;
    const int fold = int(int64_t(k) / per_fold_lines);
    // Within a fold the first half are matched pairs, the second mismatched.
    const bool expect_same = int64_t(k) % per_fold_lines < per_fold_;
    auto tok = split_char(lines[ln], '\t');
    int64_t n1 = 0, n2 = 0;
    LfwPair pr;
    pr.fold = fold;
    pr.line = int64_t(ln + 1);
    pr.same = tok.size() == 3;
    if (tok.size() == 3 && parse_int(tok[1], &n1) && parse_int(tok[2], &n2) && n1 > 0 && n2 > 0) {
      pr.a = image(tok[0], n1, ln);
      pr.b = image(tok[0], n2, ln);
    } else if (tok.size() == 4 && parse_int(tok[1], &n1) && parse_int(tok[3], &n2) && n1 > 0 && n2 > 0) {
      pr.a = image(tok[0], n1, ln);
      pr.b = image(tok[2], n2, ln);
    } else {
      log.report(pairs_txt, int64_t(ln + 1), "expected 'name\\tn1\\tn2' or 'name1\\tn1\\tname2\\tn2', got '" + lines[ln] + "'");
      continue;
    }
    if (pr.same != expect_same) {
      log.report(pairs_txt, int64_t(ln + 1), std::string("a ") + (pr.same ? "matched" : "mismatched") +
                                                 " pair where the fold layout puts " + (expect_same ? "matched" : "mismatched") + " pairs");
      continue;
    }
    if (pr.a >= 0 && pr.b >= 0) pairs_.push_back(pr);
  }
  if (int64_t(body) != folds_ * per_fold_lines)
    log.report(pairs_txt, 0, "header announces " + std::to_string(folds_ * per_fold_lines) + " pairs, file has " +
                                 std::to_string(body));
}

Sample LfwPairs::get(int64_t i) const {
  FB_CHECK(i >= 0 && i < size(), "lfw: index ", i, " out of range [0, ", size(), ")");
  Sample s;
  s.index = i;
  s.source = images_[size_t(i)];
  s.image = decode_image_file(s.source, 3);
  return s;
}

}  // namespace fb::data
