#include "facebench/data/identity_folders.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "facebench/data/text.h"
#include "tensor/error.h"

namespace fb::data {

namespace fs = std::filesystem;

IdentityFolderDataset::IdentityFolderDataset(const std::string& image_root, const std::string& list_file,
                                             ProblemLog& log, std::string name)
    : root_(image_root), name_(std::move(name)) {
  if (!fs::is_directory(root_)) FB_FAIL(name_, ": image folder '", root_, "' does not exist");
  std::map<std::string, std::vector<std::string>> by_id;  // identity -> relative paths
  if (!list_file.empty()) {
    auto lines = read_lines(list_file);
    for (size_t ln = 0; ln < lines.size(); ++ln) {
      std::string rel = trim(lines[ln]);
      if (rel.empty()) continue;
      auto slash = rel.find('/');
      if (slash == std::string::npos || slash == 0 || slash + 1 == rel.size()) {
        log.report(list_file, int64_t(ln + 1), "expected '<identity>/<image>', got '" + rel + "'");
        continue;
      }
      if (!fs::is_regular_file(fs::path(root_) / rel)) {
        log.report(list_file, int64_t(ln + 1), "listed image '" + (fs::path(root_) / rel).string() + "' does not exist");
        continue;
      }
      by_id[rel.substr(0, slash)].push_back(rel);
    }
  } else {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root_, ec)) {
      if (!e.is_directory()) continue;
      std::string id = e.path().filename().string();
      for (const auto& f : list_images(e.path().string())) by_id[id].push_back(id + "/" + f);
    }
    if (ec) FB_FAIL(name_, ": cannot list '", root_, "': ", ec.message());
  }
  for (const auto& kv : by_id) identities_.push_back(kv.first);
  std::sort(identities_.begin(), identities_.end(), natural_less);
  for (size_t k = 0; k < identities_.size(); ++k) {
    auto& files = by_id[identities_[k]];
    if (list_file.empty()) std::sort(files.begin(), files.end(), natural_less);  // a list keeps its own order
    for (auto& f : files) items_.push_back({f, int64_t(k)});
  }
}

std::string IdentityFolderDataset::file(int64_t i) const { return (fs::path(root_) / items_[size_t(i)].rel).string(); }

Sample IdentityFolderDataset::get(int64_t i) const {
  FB_CHECK(i >= 0 && i < size(), name_, ": index ", i, " out of range [0, ", size(), ")");
  Sample s;
  s.index = i;
  s.source = file(i);
  s.image = decode_image_file(s.source, 3);
  s.label = items_[size_t(i)].label;
  return s;
}

std::string find_vggface2_list(const std::string& root, const std::string& split) {
  for (fs::path p : {fs::path(root) / (split + "_list.txt"), fs::path(root) / "meta" / (split + ".txt")})
    if (fs::is_regular_file(p)) return p.string();
  return "";
}

}  // namespace fb::data
