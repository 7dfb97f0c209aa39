#include "facebench/data/parsing.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "facebench/data/text.h"
#include "tensor/error.h"

namespace fb::data {

namespace fs = std::filesystem;

const std::vector<std::string>& ParsingDataset::celebamask_parts() {
  static const std::vector<std::string> parts = {"skin", "nose", "eye_g", "l_eye", "r_eye", "l_brow",
                                                 "r_brow", "l_ear", "r_ear", "mouth", "u_lip", "l_lip",
                                                 "hair", "hat", "ear_r", "neck_l", "neck", "cloth"};
  return parts;
}

ParsingDataset::ParsingDataset(const std::string& image_dir, const std::string& label_dir, MaskLayout layout,
                               std::string name, ProblemLog& log)
    : name_(std::move(name)), layout_(layout) {
  if (!fs::is_directory(image_dir)) FB_FAIL(name_, ": image folder '", image_dir, "' does not exist");
  if (!fs::is_directory(label_dir)) FB_FAIL(name_, ": label folder '", label_dir, "' does not exist");
  std::vector<std::string> rels;
  for (auto it = fs::recursive_directory_iterator(image_dir); it != fs::recursive_directory_iterator(); ++it)
    if (it->is_regular_file() && is_image_name(it->path().filename().string()))
      rels.push_back(fs::relative(it->path(), image_dir).string());
  std::sort(rels.begin(), rels.end(), natural_less);
  for (const auto& rel : rels) {
    fs::path lab = (fs::path(label_dir) / rel).replace_extension(".png");
    if (!fs::is_regular_file(lab)) {
      log.report((fs::path(image_dir) / rel).string(), 0, "no label image '" + lab.string() + "'");
      continue;
    }
    items_.push_back({(fs::path(image_dir) / rel).string(), {lab.string()}, -1});
  }
}

std::shared_ptr<ParsingDataset> ParsingDataset::celebamask_hq(const std::string& root, ProblemLog& log) {
  std::shared_ptr<ParsingDataset> d(new ParsingDataset());
  d->name_ = "celebamask-hq";
  d->layout_ = MaskLayout::CelebAMaskHQ;
  const fs::path img_dir = fs::path(root) / "CelebA-HQ-img", anno = fs::path(root) / "CelebAMask-HQ-mask-anno";
  if (!fs::is_directory(img_dir) || !fs::is_directory(anno))
    FB_FAIL("celebamask-hq: expected '", img_dir.string(), "' and '", anno.string(), "'");
  for (const auto& name : list_images(img_dir.string())) {
    int64_t k;
    if (!parse_int(fs::path(name).stem().string(), &k) || k < 0) {
      log.report((img_dir / name).string(), 0, "image name is not a CelebA-HQ index");
      continue;
    }
    Item it;
    it.image = (img_dir / name).string();
    it.celeba_index = int(k);
    char stem[32];
    std::snprintf(stem, sizeof stem, "%05lld", (long long)k);
    bool any = false;
    for (const auto& part : celebamask_parts()) {
      fs::path p = anno / std::to_string(k / 2000) / (std::string(stem) + "_" + part + ".png");
      // A missing part means "not in this face": keep an empty slot.
      it.labels.push_back(fs::is_regular_file(p) ? p.string() : "");
      any = any || fs::is_regular_file(p);
    }
    if (!any) {
      log.report(it.image, 0, "no part masks under '" + (anno / std::to_string(k / 2000)).string() + "'");
      continue;
    }
    d->items_.push_back(std::move(it));
  }
  return d;
}

Image8 ParsingDataset::load_mask(const Item& it) const {
  if (it.celeba_index < 0) {
    Image8 m = decode_image_file(it.labels[0], 1);
    const int classes = mask_layout_classes(layout_);
    for (uint8_t v : m.px)
      if (v >= classes)
        FB_FAIL("label image '", it.labels[0], "' holds class ", int(v), "; ", mask_layout_name(layout_), " has 0..",
                classes - 1);
    return m;
  }
  Image8 m;
  for (size_t p = 0; p < it.labels.size(); ++p) {
    if (it.labels[p].empty()) continue;
    Image8 part = decode_image_file(it.labels[p], 1);
    if (m.empty()) m.reset(part.width, part.height, 1);
    FB_CHECK(part.width == m.width && part.height == m.height, "part mask '", it.labels[p], "' is ", part.width, "x",
             part.height, ", the other parts ", m.width, "x", m.height);
    for (size_t j = 0; j < part.px.size(); ++j)
      if (part.px[j]) m.px[j] = uint8_t(p + 1);  // later parts overwrite earlier ones
  }
  return m;
}

Sample ParsingDataset::get(int64_t i) const {
  FB_CHECK(i >= 0 && i < size(), name_, ": index ", i, " out of range [0, ", size(), ")");
  const Item& it = items_[size_t(i)];
  Sample s;
  s.index = i;
  s.source = it.image;
  s.image = decode_image_file(it.image, 3);
  Image8 m = load_mask(it);
  if (m.width != s.image.width || m.height != s.image.height) {
    // Only whole-number enlargements are trusted (CelebA-HQ: 512 -> 1024);
    // anything else means the pair does not belong together.
    FB_CHECK(it.celeba_index >= 0 && s.image.width % m.width == 0 && s.image.height % m.height == 0 &&
                 s.image.width / m.width == s.image.height / m.height,
             "label image of '", it.image, "' is ", m.width, "x", m.height, ", the image ", s.image.width, "x",
             s.image.height);
    const int f = s.image.width / m.width;
    Image8 big;
    big.reset(s.image.width, s.image.height, 1);
    for (int y = 0; y < big.height; ++y)
      for (int x = 0; x < big.width; ++x) big.px[size_t(y) * big.width + x] = m.px[size_t(y / f) * m.width + x / f];
    m = std::move(big);
  }
  s.mask = std::move(m);
  s.mask_layout = layout_;
  return s;
}

}  // namespace fb::data
