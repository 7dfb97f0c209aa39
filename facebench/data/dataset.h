#pragma once
// The interface every reader implements, and the in-memory synthetic source.
//
// Readers parse their annotation files when constructed (problems found there
// go to the ProblemLog under the caller's OnError policy) and decode images
// lazily in get(), which must be safe to call from several threads at once.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "facebench/data/problems.h"
#include "facebench/data/sample.h"

namespace fb::data {

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::string name() const = 0;
  virtual int64_t size() const = 0;
  // Decodes sample i. Throws fb::Error naming the file when it cannot be read
  // (the loader then applies the OnError policy). Thread-safe.
  virtual Sample get(int64_t i) const = 0;
  // Which split sample i belongs to ("train", "common", ...); "all" if none.
  virtual std::string split(int64_t i) const { (void)i; return "all"; }
  // Names of Sample::values, in order ("AU1", "valence" ...); empty if unnamed.
  virtual std::vector<std::string> value_names() const { return {}; }
  // The image file behind sample i, without decoding it ("" when in memory).
  virtual std::string file(int64_t i) const { (void)i; return ""; }
};

using DatasetPtr = std::shared_ptr<const Dataset>;

}  // namespace fb::data
