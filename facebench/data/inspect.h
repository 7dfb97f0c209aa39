#pragma once
// Validation of a dataset in place: decodes every image (or the first
// `limit`), gathers counts per split, label and value ranges, image sizes, and
// every problem (with the annotation problems the reader already logged).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "facebench/data/dataset.h"

namespace fb::data {

struct InspectReport {
  int64_t samples = 0, checked = 0, failed = 0;
  std::map<std::string, int64_t> splits;
  int64_t label_min = 0, label_max = -1, labels_distinct = 0;
  int points = 0;
  std::string layout;
  std::vector<float> value_min, value_max;
  std::vector<std::string> value_names;
  int min_w = 0, max_w = 0, min_h = 0, max_h = 0;
  int mask_max = -1;
  std::vector<Problem> problems;  // decode failures found while checking
  std::string str() const;        // the human-readable summary
};

// threads >= 1 decode in parallel; the report does not depend on their number.
InspectReport inspect_dataset(const Dataset& ds, int64_t limit, int threads);

}  // namespace fb::data
