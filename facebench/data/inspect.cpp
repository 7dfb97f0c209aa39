#include "facebench/data/inspect.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "tensor/error.h"

namespace fb::data {

InspectReport inspect_dataset(const Dataset& ds, int64_t limit, int threads) {
  InspectReport r;
  r.samples = ds.size();
  r.value_names = ds.value_names();
  for (int64_t i = 0; i < ds.size(); ++i) r.splits[ds.split(i)]++;
  const int64_t n = limit > 0 ? std::min(limit, ds.size()) : ds.size();
  // Per-sample results, merged in index order afterwards so that the report
  // (and the order of problems) is the same for any thread count.
  struct One {
    bool ok = false;
    std::string error;
    int w = 0, h = 0, points = 0, mask_max = -1;
    int64_t label = -1;
    std::string layout;
    std::vector<float> values;
  };
  std::vector<One> res(static_cast<size_t>(n));
  std::atomic<int64_t> next{0};
  auto work = [&] {
    for (int64_t i; (i = next.fetch_add(1)) < n;) {
      One& o = res[size_t(i)];
      try {
        Sample s = ds.get(i);
        o.ok = true;
        o.w = s.image.width;
        o.h = s.image.height;
        o.points = s.num_points();
        o.layout = layout_name(s.layout);
        o.label = s.label;
        o.values = s.values;
        for (uint8_t v : s.mask.px) o.mask_max = std::max(o.mask_max, int(v));
      } catch (const std::exception& e) {
        o.error = e.what();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, threads); ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  std::set<int64_t> labels;
  bool first = true;
  for (int64_t i = 0; i < n; ++i) {
    const One& o = res[size_t(i)];
    r.checked++;
    if (!o.ok) {
      r.failed++;
      r.problems.push_back(Problem{"", 0, o.error});
      continue;
    }
    if (first) {
      r.min_w = r.max_w = o.w;
      r.min_h = r.max_h = o.h;
      r.points = o.points;
      r.layout = o.layout;
      r.value_min = r.value_max = o.values;
      first = false;
    }
    r.min_w = std::min(r.min_w, o.w);
    r.max_w = std::max(r.max_w, o.w);
    r.min_h = std::min(r.min_h, o.h);
    r.max_h = std::max(r.max_h, o.h);
    if (o.points != r.points)
      r.problems.push_back(Problem{ds.file(i), 0, "has " + std::to_string(o.points) + " landmarks, others " + std::to_string(r.points)});
    if (o.label >= 0) labels.insert(o.label);
    if (o.values.size() == r.value_min.size())
      for (size_t k = 0; k < o.values.size(); ++k) {
        r.value_min[k] = std::min(r.value_min[k], o.values[k]);
        r.value_max[k] = std::max(r.value_max[k], o.values[k]);
      }
    else
      r.problems.push_back(Problem{ds.file(i), 0, "has " + std::to_string(o.values.size()) + " values, others " +
                                                      std::to_string(r.value_min.size())});
    r.mask_max = std::max(r.mask_max, o.mask_max);
  }
  if (!labels.empty()) {
    r.label_min = *labels.begin();
    r.label_max = *labels.rbegin();
    r.labels_distinct = int64_t(labels.size());
  }
  return r;
}

std::string InspectReport::str() const {
  std::string s;
  char b[256];
  std::snprintf(b, sizeof b, "samples: %lld\n", (long long)samples);
  s += b;
  if (!(splits.size() == 1 && splits.begin()->first == "all")) {
    s += "splits:";
    for (const auto& kv : splits) s += " " + kv.first + " " + std::to_string(kv.second);
    s += "\n";
  }
  std::snprintf(b, sizeof b, "images: %lld checked, %lld unreadable; sizes %dx%d .. %dx%d\n", (long long)checked,
                (long long)failed, min_w, min_h, max_w, max_h);
  s += b;
  if (labels_distinct > 0) {
    std::snprintf(b, sizeof b, "labels: %lld distinct, range %lld..%lld\n", (long long)labels_distinct,
                  (long long)label_min, (long long)label_max);
    s += b;
  }
  if (points > 0) s += "landmarks: " + std::to_string(points) + " points (" + layout + " flip table)\n";
  for (size_t k = 0; k < value_min.size(); ++k) {
    const std::string nm = k < value_names.size() ? value_names[k] : "value[" + std::to_string(k) + "]";
    std::snprintf(b, sizeof b, "%s: %g .. %g\n", nm.c_str(), double(value_min[k]), double(value_max[k]));
    s += b;
  }
  if (mask_max >= 0) s += "parsing labels: classes 0.." + std::to_string(mask_max) + "\n";
  return s;
}

}  // namespace fb::data
