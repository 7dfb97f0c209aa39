#pragma once
// IJB-B / IJB-C 1:1 verification meta, as the insightface IJB release lays it
// out (the set name in the file names is lower case: ijbb / ijbc):
//
//   <root>/meta/ijbc_face_tid_mid.txt           "<image name> <template id> <media id>" per face
//   <root>/meta/ijbc_template_pair_label.txt    "<template id 1> <template id 2> <label>" (1 same, 0 different)
//   <root>/meta/ijbc_name_5pts_score.txt        optional: "<image name> x1 y1 ... x5 y5 <faceness score>"
//   <root>/loose_crop/<image name>              the face crops
//
// All three files are space-separated with one record a line, no header. Line
// k of the 5-point file describes the same face as line k of the tid/mid file
// (insightface reads them in parallel); the reader checks that the names agree.
//
// Each face line is one sample (an image may appear on several lines); a
// template is the set of faces with its template id, grouped by media id. The
// pairs refer to templates by index. Template features follow insightface's
// ijb_11: the per-face embedding (usually emb(img) + emb(flipped img)) is
// weighted by the faceness score, averaged within a media, summed across
// media and L2-normalised; a pair's score is the cosine of its templates'
// features. ijb_pair_scores() + pair labels feed metrics::tar_at_far.
//
// Bad input: a malformed line, an unknown template id in a pair, a label other
// than 0/1, a missing image, 5-point names that disagree — the face or pair is
// dropped and counted (skip) or the reader throws naming file and line (fail).
#include <cstdint>
#include <string>
#include <vector>

#include "facebench/data/dataset.h"

namespace fb::data {

struct IjbFace {
  std::string name;       // image name relative to the image folder
  int64_t tid = 0, mid = 0;
  int64_t template_index = -1;  // into IjbDataset::templates()
  bool has_points = false;
  float points[10] = {0};  // 5 (x, y) when has_points
  float score = 1;         // faceness score (1 without the 5-point file)
};

struct IjbTemplate {
  int64_t id = 0;
  std::vector<int64_t> faces;  // sample indices
};

struct IjbPair {
  int32_t a = 0, b = 0;  // template indices
  uint8_t same = 0;
};

class IjbDataset : public Dataset {
 public:
  // root: the IJBB / IJBC folder (meta/ inside) or the folder holding it.
  // set: "ijbb" or "ijbc". image_dir: "" = <root>/loose_crop.
  IjbDataset(const std::string& root, const std::string& set, const std::string& image_dir, ProblemLog& log);
  std::string name() const override { return set_; }
  int64_t size() const override { return int64_t(faces_.size()); }
  Sample get(int64_t i) const override;
  std::string file(int64_t i) const override;
  std::vector<std::string> value_names() const override { return {"faceness"}; }

  const std::vector<IjbFace>& faces() const { return faces_; }
  const std::vector<IjbTemplate>& templates() const { return templates_; }
  const std::vector<IjbPair>& pairs() const { return pairs_; }
  const std::string& meta_dir() const { return meta_dir_; }
  const std::string& image_dir() const { return image_dir_; }
  bool has_points() const { return has_points_; }

 private:
  std::string set_, meta_dir_, image_dir_;
  std::vector<IjbFace> faces_;
  std::vector<IjbTemplate> templates_;
  std::vector<IjbPair> pairs_;
  bool has_points_ = false;
};

// Template features [templates x d] from per-face embeddings [faces x d]
// (row-major, one row per sample of `ds`). use_scores multiplies each face by
// its faceness score first. A template whose features sum to zero stays zero.
std::vector<float> ijb_template_features(const IjbDataset& ds, const std::vector<float>& face_embeddings, int64_t d,
                                         bool use_scores = true);
// Cosine score of every pair, in the order of ds.pairs().
std::vector<double> ijb_pair_scores(const IjbDataset& ds, const std::vector<float>& template_features, int64_t d);
// The pairs' labels (1 same, 0 different), in the same order.
std::vector<uint8_t> ijb_pair_labels(const IjbDataset& ds);

}  // namespace fb::data
