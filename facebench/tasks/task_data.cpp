#include "facebench/tasks/task_data.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>

#include "facebench/common/progress.h"
#include "facebench/data/color.h"
#include "facebench/data/pipeline.h"
#include "facebench/tasks/backbone.h"
#include "tensor/error.h"

namespace fb::tasks {

int64_t TaskArrays::value_index(const std::string& name) const {
  auto it = std::find(value_names.begin(), value_names.end(), name);
  return it == value_names.end() ? -1 : static_cast<int64_t>(it - value_names.begin());
}

namespace {
template <typename T>
std::vector<T> select_rows(const std::vector<T>& v, int64_t per_row, const std::vector<int64_t>& rows) {
  std::vector<T> out;
  if (v.empty()) return out;
  out.reserve(rows.size() * static_cast<size_t>(per_row));
  for (int64_t r : rows) out.insert(out.end(), v.begin() + r * per_row, v.begin() + (r + 1) * per_row);
  return out;
}
}  // namespace

TaskArrays TaskArrays::select(const std::vector<int64_t>& rows) const {
  TaskArrays s;
  s.dataset = dataset;
  s.size = size;
  s.images = take_rows(images, rows);
  s.source_index = select_rows(source_index, 1, rows);
  s.group = select_rows(group, 1, rows);
  s.label = select_rows(label, 1, rows);
  s.points = points;
  s.landmarks = select_rows(landmarks, 2 * points, rows);
  s.visible = select_rows(visible, points, rows);
  s.depth = select_rows(depth, points, rows);
  s.pose = select_rows(pose, 3, rows);
  s.value_names = value_names;
  s.values = select_rows(values, num_values(), rows);
  s.masks = select_rows(masks, size * size, rows);
  return s;
}

std::array<float, 4> TaskArrays::landmark_box(int64_t r) const {
  FB_CHECK(points > 0, "landmark box: ", dataset, " has no landmarks");
  float x0 = std::numeric_limits<float>::max(), y0 = x0, x1 = -x0, y1 = -x0;
  for (int k = 0; k < points; ++k) {
    float x = landmarks[static_cast<size_t>((r * points + k) * 2)];
    float y = landmarks[static_cast<size_t>((r * points + k) * 2 + 1)];
    x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
  }
  return {x0, y0, x1 - x0, y1 - y0};
}

TaskArrays load_arrays(const data::Dataset& ds, const std::string& name, std::vector<int64_t> rows,
                       bool group_by_label, const ArrayOptions& o) {
  if (rows.empty())
    for (int64_t i = 0; i < ds.size(); ++i) rows.push_back(i);
  FB_CHECK(!rows.empty(), "task data: ", ds.name(), " is empty");
  const int64_t n = static_cast<int64_t>(rows.size()), s = o.size;
  data::AugmentConfig crop;
  crop.size = o.size;
  crop.crop = data::CropMode::Face;
  crop.face_enlarge = o.face_enlarge;
  data::Normalize norm;

  // The first sample fixes which labels every row carries.
  data::Sample first = ds.get(rows[0]);
  TaskArrays a;
  a.dataset = name;
  a.size = s;
  a.images = Tensor::empty({n, s, s, 3});
  a.source_index = rows;
  a.group.assign(static_cast<size_t>(n), -1);
  a.label.assign(static_cast<size_t>(n), -1);
  a.points = first.num_points();
  a.value_names = ds.value_names();
  const int64_t nv = static_cast<int64_t>(first.values.size());
  if (a.value_names.empty())
    for (int64_t v = 0; v < nv; ++v) a.value_names.push_back("value" + std::to_string(v));
  FB_CHECK(static_cast<int64_t>(a.value_names.size()) == nv, "task data: ", ds.name(), " names ",
           a.value_names.size(), " values but sample ", rows[0], " has ", nv);
  const bool has_depth = !first.depth.empty(), has_mask = first.mask.width > 0;
  a.landmarks.resize(static_cast<size_t>(n * a.points * 2));
  a.visible.resize(static_cast<size_t>(n * a.points));
  if (has_depth) a.depth.resize(static_cast<size_t>(n * a.points));
  if (first.has_pose) a.pose.resize(static_cast<size_t>(n * 3));
  a.values.resize(static_cast<size_t>(n * nv));
  if (has_mask) a.masks.resize(static_cast<size_t>(n * s * s));

  app::Progress bar("decode " + name, n, "img");
  std::atomic<int64_t> done{0};
  std::mutex error_mutex;
  std::string error;
  int threads = o.threads > 0 ? o.threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 8) num_threads(threads)
  for (int64_t i = 0; i < n; ++i) {
    try {
      data::Sample smp = i == 0 ? first : ds.get(rows[static_cast<size_t>(i)]);
      FB_CHECK(smp.num_points() == a.points && static_cast<int64_t>(smp.values.size()) == nv &&
                   smp.depth.empty() != has_depth && (smp.mask.width > 0) == has_mask && smp.has_pose == first.has_pose,
               "task data: sample ", rows[static_cast<size_t>(i)], " of ", ds.name(),
               " carries different labels than sample ", rows[0]);
      Generator unused(0);  // the evaluation crop draws nothing
      data::View v = data::augment(smp, crop, unused);
      float* px = a.images.data<float>() + i * s * s * 3;
      for (int64_t p = 0; p < s * s * 3; ++p) px[p] = (v.image.px[static_cast<size_t>(p)] - norm.mean[p % 3]) / norm.std[p % 3];
      a.label[static_cast<size_t>(i)] = smp.label;
      if (group_by_label) a.group[static_cast<size_t>(i)] = smp.label;
      std::copy(v.landmarks.begin(), v.landmarks.end(), a.landmarks.begin() + i * a.points * 2);
      std::copy(v.visible.begin(), v.visible.end(), a.visible.begin() + i * a.points);
      if (has_depth) std::copy(v.depth.begin(), v.depth.end(), a.depth.begin() + i * a.points);
      if (first.has_pose) std::copy(v.pose.begin(), v.pose.end(), a.pose.begin() + i * 3);
      std::copy(smp.values.begin(), smp.values.end(), a.values.begin() + i * nv);
      if (has_mask) std::memcpy(a.masks.data() + i * s * s, v.mask.px.data(), static_cast<size_t>(s * s));
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (error.empty()) error = e.what();
    }
    int64_t d = ++done;
    if (o.progress && omp_get_thread_num() == 0) bar.update(d);
  }
  FB_CHECK(error.empty(), error);
  if (o.progress) bar.finish();
  return a;
}

data::Image8 denormalised_image(const TaskArrays& a, int64_t r) {
  data::Normalize norm;
  data::Image8 im;
  im.reset(static_cast<int>(a.size), static_cast<int>(a.size), 3);
  const float* px = a.images.data<float>() + r * a.size * a.size * 3;
  for (size_t p = 0; p < im.px.size(); ++p) {
    float v = (px[p] * norm.std[p % 3] + norm.mean[p % 3]) * 255.0f;
    im.px[p] = static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
  }
  return im;
}

}  // namespace fb::tasks
