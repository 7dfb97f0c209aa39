// facebench predict: run a trained task model (from `facebench eval
// --save-model` or `reproduce`) on images and draw what it predicts. Each
// image is squared and resized to the model's input size, as in training;
// drawings and coordinates are in that crop's pixels.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "autograd/grad_mode.h"
#include "facebench/cli/commands.h"
#include "facebench/data/image_list.h"
#include "facebench/report/canvas.h"
#include "facebench/report/files.h"
#include "facebench/tasks/runner.h"
#include "facebench/tasks/task_data.h"
#include "facebench/tasks/task_model.h"

namespace fb::cli {

namespace {
namespace fs = std::filesystem;

constexpr int kZoom = 4;  // drawings are made at 4x the crop so points are visible
const char* kEmotions[8] = {"neutral", "happy", "sad", "surprise", "fear", "disgust", "anger", "contempt"};

report::Rgb class_colour(int c) {
  static const report::Rgb palette[] = {{0, 0, 0},       {230, 25, 75},  {60, 180, 75},  {255, 225, 25},
                                        {0, 130, 200},   {245, 130, 48}, {145, 30, 180}, {70, 240, 240},
                                        {240, 50, 230},  {210, 245, 60}, {250, 190, 212}, {0, 128, 128},
                                        {220, 190, 255}, {170, 110, 40}, {255, 250, 200}, {128, 0, 0}};
  return palette[c % 16];
}

// Draws the prediction of row r; adds it to `j`.
report::Canvas draw(const tasks::TaskModel& m, const tasks::TaskArrays& arr, const std::vector<float>& out,
                    int64_t width, int64_t r, nlohmann::json& j) {
  data::Image8 im = tasks::denormalised_image(arr, r);
  const int s = static_cast<int>(arr.size), big = s * kZoom;
  const float* o = out.data() + r * width;
  if (m.task == "parsing") {
    const int64_t classes = width / (arr.size * arr.size);
    std::vector<int> label(static_cast<size_t>(s * s));
    for (int p = 0; p < s * s; ++p) label[static_cast<size_t>(p)] = static_cast<int>(std::max_element(o + p * classes, o + (p + 1) * classes) - (o + p * classes));
    // Blend the class colours over the face.
    for (int p = 0; p < s * s; ++p) {
      report::Rgb c = class_colour(label[static_cast<size_t>(p)]);
      if (label[static_cast<size_t>(p)] == 0) continue;
      uint8_t* px = &im.px[static_cast<size_t>(p) * 3];
      px[0] = static_cast<uint8_t>((px[0] + c.r) / 2), px[1] = static_cast<uint8_t>((px[1] + c.g) / 2),
      px[2] = static_cast<uint8_t>((px[2] + c.b) / 2);
    }
    j["labels"] = label;
  }
  const int panel = m.task == "au" ? 12 * 22 + 10 : m.task == "emotion" ? 60 : 0;
  report::Canvas cv(big, big + panel);
  cv.paste(im, 0, 0, kZoom);
  auto pixel = [&](double v) { return static_cast<int>(std::lround((v + 0.5) * kZoom - 0.5)); };
  if (m.task == "landmarks" || m.task == "3d") {
    const int64_t k = arr.points, step = m.task == "3d" ? 3 : 2;
    nlohmann::json pts = nlohmann::json::array();
    for (int64_t p = 0; p < k; ++p) {
      double x = o[p * step], y = o[p * step + 1];
      cv.disc(pixel(x), pixel(y), 2, {255, 40, 40});
      pts.push_back(step == 3 ? nlohmann::json{x, y, o[p * 3 + 2]} : nlohmann::json{x, y});
    }
    j["landmarks"] = pts;
    if (m.task == "3d") {
      j["pose"] = {{"yaw", o[k * 3]}, {"pitch", o[k * 3 + 1]}, {"roll", o[k * 3 + 2]}};
      char t[64];
      std::snprintf(t, sizeof t, "yaw %.0f pitch %.0f roll %.0f", o[k * 3], o[k * 3 + 1], o[k * 3 + 2]);
      cv.text(4, 4, t, {255, 255, 0}, 2);
    }
  } else if (m.task == "emotion") {
    int c = static_cast<int>(std::max_element(o, o + 8) - o);
    j["emotion"] = kEmotions[c];
    std::string line = std::string("emotion: ") + kEmotions[c];
    cv.text(6, big + 8, line, {0, 0, 0}, 2);
    if (width >= 10) {
      char t[64];
      std::snprintf(t, sizeof t, "valence %+.2f arousal %+.2f", o[8], o[9]);
      cv.text(6, big + 32, t, {0, 0, 0}, 2);
      j["valence"] = o[8];
      j["arousal"] = o[9];
    }
  } else if (m.task == "au") {
    nlohmann::json aus;
    for (int64_t a = 0; a < width && a < 12; ++a) {
      double v = std::clamp<double>(o[a], 0.0, 5.0);
      std::string name = a < static_cast<int64_t>(arr.value_names.size()) ? arr.value_names[static_cast<size_t>(a)] : "AU?";
      aus[name] = v;
      int y = big + 6 + static_cast<int>(a) * 22;
      cv.text(4, y, name, {0, 0, 0}, 2);
      cv.fill_rect(70, y, 70 + static_cast<int>(v / 5.0 * (big - 80)), y + 16, {0, 130, 200});
    }
    j["au"] = aus;
  } else if (m.task == "recognition") {
    std::vector<float> e(o, o + width);
    j["embedding"] = e;
  }
  return cv;
}
}  // namespace

void register_predict_command(CLI::App& app) {
  struct Args {
    std::string model, out;
    std::vector<std::string> images;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("predict", "Run a trained task model on images and draw its predictions (PNG + JSON)");
  cmd->add_option("--model", a->model, "Task model from `facebench eval --save-model` (<out>/models/*.safetensors)")
      ->required();
  cmd->add_option("images", a->images, "Image files, folders or lists of images")->required();
  cmd->add_option("--out", a->out, "Output folder: <image>.png per image and predictions.json")->required();
  cmd->callback([a] {
    tasks::TaskModel m = tasks::load_task_model(a->model);
    std::vector<std::string> paths;
    for (const auto& p : a->images) {
      if (fs::is_regular_file(p) && fs::path(p).extension() != ".txt") {
        paths.push_back(p);
      } else {
        auto list = data::ImageListDataset::from_folder_or_list(p);
        for (int64_t i = 0; i < list.size(); ++i) paths.push_back(list.file(i));
      }
    }
    data::ImageListDataset ds(paths);
    tasks::ArrayOptions ao;
    ao.size = static_cast<int>(m.crop);
    ao.progress = false;
    tasks::TaskArrays arr = tasks::load_arrays(ds, "images", {}, false, ao);
    arr.points = m.shape.points;
    arr.value_names = m.shape.value_names;
    Tensor out;
    {
      autograd::NoGradGuard ng;
      out = m.head->forward_features(
          tasks::backbone_features(*m.backbone, arr.images, m.definition->feature_kind())).contiguous();
    }
    const int64_t width = out.numel() / out.size(0);
    std::vector<float> o = out.to_vector<float>();
    fs::create_directories(a->out);
    nlohmann::json all = nlohmann::json::array();
    for (int64_t r = 0; r < arr.rows(); ++r) {
      nlohmann::json j = {{"image", paths[static_cast<size_t>(r)]}, {"task", m.task}, {"crop", m.crop}};
      report::Canvas cv = draw(m, arr, o, width, r, j);
      std::string png = (fs::path(a->out) / (fs::path(paths[static_cast<size_t>(r)]).stem().string() + "_" +
                                             std::to_string(r) + ".png")).string();
      report::write_file_atomic(png, report::encode_png(cv.image()));
      j["drawing"] = png;
      all.push_back(j);
    }
    report::write_file_atomic((fs::path(a->out) / "predictions.json").string(), all.dump(2) + "\n");
    std::printf("%s: %lld images -> %s (PNG per image, predictions.json)\n", m.task.c_str(),
                static_cast<long long>(arr.rows()), a->out.c_str());
  });
}

}  // namespace fb::cli
