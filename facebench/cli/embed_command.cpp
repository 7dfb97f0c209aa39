// facebench embed: a backbone's pooled features of images, one row per image,
// as a .npy matrix (for retrieval, clustering, or any outside evaluation).
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "facebench/cli/commands.h"
#include "facebench/data/image_list.h"
#include "facebench/tasks/backbone.h"
#include "facebench/tasks/task_data.h"
#include "nn/checkpoint/npy.h"

namespace fb::cli {

void register_embed_command(CLI::App& app) {
  struct Args {
    std::string backbone, images, out, arch = "resnet18";
    double width = 0.25;
    int size = 64;
    int64_t batch = 64;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("embed", "Write a backbone's pooled features of images to a .npy file");
  cmd->add_option("--backbone", a->backbone, "Checkpoint (backbone.safetensors, .pth, .safetensors) or 'scratch'")->required();
  cmd->add_option("--images", a->images,
                  "A folder (recursive, sorted by path) or a text file with one image path per line (in that order)")
      ->required();
  cmd->add_option("--out", a->out, "features.npy: float32 [images, features]; the image order goes to <out>.txt")->required();
  cmd->add_option("--size", a->size, "Input size (each image is squared and resized to it)")
      ->check(CLI::Range(16, 1024))
      ->capture_default_str();
  cmd->add_option("--arch", a->arch, "Architecture of 'scratch' and of checkpoints without metadata")
      ->check(CLI::IsMember({"resnet18", "resnet34", "resnet50"}))
      ->capture_default_str();
  cmd->add_option("--width", a->width, "Width multiplier, as --arch")->capture_default_str();
  cmd->add_option("--batch", a->batch, "Images per forward pass")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->callback([a] {
    nn::ResNetConfig rc;
    rc.arch = a->arch;
    rc.width = a->width;
    auto net = tasks::load_backbone(a->backbone, rc, 0);
    net->eval();
    data::ImageListDataset images = data::ImageListDataset::from_folder_or_list(a->images);
    tasks::ArrayOptions ao;
    ao.size = a->size;
    tasks::TaskArrays arr = tasks::load_arrays(images, "images", {}, false, ao);
    tasks::Features f = tasks::backbone_features_batched(*net, arr.images, tasks::FeatureKind::Pooled, a->batch);
    std::filesystem::path out(a->out);
    if (!out.parent_path().empty()) std::filesystem::create_directories(out.parent_path());
    checkpoint::save_npy(a->out, f.pooled);
    std::ofstream order(a->out + ".txt");
    for (int64_t i = 0; i < images.size(); ++i) order << images.file(i) << "\n";
    FB_CHECK(order.good(), "embed: cannot write ", a->out, ".txt");
    std::printf("%lld images x %lld features -> %s (image order in %s.txt)\n", static_cast<long long>(f.pooled.size(0)),
                static_cast<long long>(f.pooled.size(1)), a->out.c_str(), a->out.c_str());
  });
}

}  // namespace fb::cli
