#include "facebench/data/orl.h"

#include <filesystem>
#include <regex>

#include "facebench/data/text.h"

namespace fb::data {

std::shared_ptr<IdentityFolderDataset> open_orl(const std::string& root, ProblemLog& log) {
  auto ds = std::make_shared<IdentityFolderDataset>(root, "", log, "orl");
  static const std::regex subject("s([1-9][0-9]*)"), image("([1-9][0-9]*)\\.pgm");
  // Labels follow the natural order of the folder names; for s1..sN that is
  // N - 1 exactly, which the check below confirms for every subject.
  for (size_t k = 0; k < ds->identities().size(); ++k) {
    const std::string& id = ds->identities()[k];
    std::smatch m;
    if (!std::regex_match(id, m, subject) || std::stoll(m[1]) != int64_t(k) + 1)
      log.report((std::filesystem::path(root) / id).string(), 0,
                 "unexpected subject folder (ORL has s1..s40; labels follow folder order)");
  }
  for (int64_t i = 0; i < ds->size(); ++i) {
    std::string f = std::filesystem::path(ds->file(i)).filename().string();
    if (!std::regex_match(f, image)) log.report(ds->file(i), 0, "unexpected image name (ORL has 1.pgm..10.pgm)");
  }
  return ds;
}

}  // namespace fb::data
