#pragma once
// ORL / AT&T "Database of Faces": <root>/s1 ... <root>/s40, each holding
// 1.pgm ... 10.pgm (binary P5, 92 x 112 gray). Subject sN gets label N - 1 and
// images keep their number order (natural sort: 1, 2, ..., 10), so the first
// k images of every subject form the few-shot gallery.
#include <memory>
#include <string>

#include "facebench/data/identity_folders.h"

namespace fb::data {

// Throws fb::Error when the root is missing; folders that are not named sN,
// or images other than 1..10.pgm, are problems under the log's policy.
std::shared_ptr<IdentityFolderDataset> open_orl(const std::string& root, ProblemLog& log);

}  // namespace fb::data
