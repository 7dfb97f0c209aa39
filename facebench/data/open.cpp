#include "facebench/data/open.h"

#include <filesystem>

#include "facebench/data/affectnet.h"
#include "facebench/data/aflw19.h"
#include "facebench/data/aflw2000.h"
#include "facebench/data/cofw.h"
#include "facebench/data/disfa.h"
#include "facebench/data/h5_images.h"
#include "facebench/data/identity_folders.h"
#include "facebench/data/ijb.h"
#include "facebench/data/lfw.h"
#include "facebench/data/orl.h"
#include "facebench/data/parsing.h"
#include "facebench/data/w300.h"
#include "facebench/data/wflw.h"
#include "tensor/error.h"

namespace fb::data {

namespace fs = std::filesystem;

const std::vector<std::string>& dataset_formats() {
  static const std::vector<std::string> f = {"vggface2", "folders", "orl", "lfw", "300w", "wflw", "aflw19", "disfa",
                                             "affectnet", "lapa", "celebamask-hq", "aflw2000-3d", "300w-lp", "cofw", "ijbb", "ijbc", "h5", "synth"};
  return f;
}

DatasetPtr open_dataset(const OpenOptions& o, ProblemLog& log) {
  if (!fs::exists(o.path)) FB_FAIL("'", o.path, "' does not exist");
  const fs::path p(o.path);
  auto split = [&](const char* def) { return o.split.empty() ? std::string(def) : o.split; };
  if (o.format == "vggface2") {
    std::string sp = split("train");
    return std::make_shared<IdentityFolderDataset>((p / sp).string(), find_vggface2_list(o.path, sp), log, "vggface2");
  }
  if (o.format == "folders") return std::make_shared<IdentityFolderDataset>(o.path, "", log, "folders");
  if (o.format == "orl") return open_orl(o.path, log);
  if (o.format == "lfw") {
    fs::path pairs = fs::is_regular_file(p) ? p : p / "pairs.txt";
    fs::path imgs = o.images.empty() ? pairs.parent_path() / "lfw" : fs::path(o.images);
    return std::make_shared<LfwPairs>(pairs.string(), imgs.string(), log);
  }
  if (o.format == "300w") return std::make_shared<W300Dataset>(o.path, split("full"), log);
  if (o.format == "wflw") return std::make_shared<WflwDataset>(o.path, split("test"), log);
  if (o.format == "aflw19") return std::make_shared<Aflw19Dataset>(o.path, split("test"), log);
  if (o.format == "disfa") return std::make_shared<DisfaDataset>(o.path, o.images, o.frame_pattern, log);
  if (o.format == "affectnet") {
    if (fs::is_regular_file(p)) {  // a CSV given directly (the synthetic output's affectnet.csv)
      fs::path imgs = o.images.empty() ? p.parent_path() / "images" : fs::path(o.images);
      return std::make_shared<AffectNetDataset>(o.path, imgs.string(), o.classes, log);
    }
    std::string sp = split("train");
    FB_CHECK(sp == "train" || sp == "val", "affectnet: split must be train or val, got '", sp, "'");
    fs::path csv = p / "Manually_Annotated_file_lists" / (sp == "train" ? "training.csv" : "validation.csv");
    fs::path imgs = o.images.empty() ? p / "Manually_Annotated_Images" : fs::path(o.images);
    return std::make_shared<AffectNetDataset>(csv.string(), imgs.string(), o.classes, log);
  }
  if (o.format == "lapa") {
    std::string sp = split("train");
    return std::make_shared<ParsingDataset>((p / sp / "images").string(), (p / sp / "labels").string(), MaskLayout::LaPa,
                                            "lapa", log);
  }
  if (o.format == "celebamask-hq") return ParsingDataset::celebamask_hq(o.path, log);
  if (o.format == "aflw2000-3d") return std::make_shared<Aflw2000Dataset>(o.path, o.images, o.max_angle, log);
  if (o.format == "300w-lp") return Aflw2000Dataset::w300lp(o.path, o.split, o.images, o.max_angle, log);
  if (o.format == "cofw") return std::make_shared<CofwDataset>(o.path, o.split, log);
  if (o.format == "h5") return std::make_shared<H5ImagesDataset>(o.path, log);
  if (o.format == "ijbb" || o.format == "ijbc") return std::make_shared<IjbDataset>(o.path, o.format, o.images, log);
  if (o.format == "synth") {
    std::string list = fs::is_regular_file(p / "train_list.txt") ? (p / "train_list.txt").string() : "";
    return std::make_shared<IdentityFolderDataset>((p / "images").string(), list, log, "synth");
  }
  std::string known;
  for (const auto& f : dataset_formats()) known += (known.empty() ? "" : ", ") + f;
  FB_FAIL("unknown dataset format '", o.format, "' (known: ", known, ")");
}

}  // namespace fb::data
