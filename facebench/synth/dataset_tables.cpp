#include "facebench/synth/dataset_tables.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "facebench/synth/dataset_writer.h"
#include "facebench/synth/text_format.h"

namespace fb::synth {

namespace fs = std::filesystem;

std::string id_folder(int64_t identity) {
  char b[32];
  std::snprintf(b, sizeof b, "n%06lld", (long long)identity);
  return b;
}

void write_text(const fs::path& p, const std::string& s) {
  std::ofstream f(p, std::ios::binary);
  f << s;
  if (!f) throw std::runtime_error("cannot write '" + p.string() + "'");
}

namespace {

void write_affectnet(const fs::path& root, const Generator& gen, const std::vector<SampleRecord>& rec) {
  std::string s = "subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal\n";
  for (size_t i = 0; i < rec.size(); ++i) {
    const SampleRecord& r = rec[i];
    if (!r.has_face) continue;
    s += sample_stem(gen.slot(int64_t(i)), int64_t(i)) + ".jpg";
    for (int k = 0; k < 4; ++k) s += "," + std::to_string(int(std::lround(r.box[k])));
    s += ",";
    for (int k = 0; k < kNumLandmarks; ++k) {
      if (k) s += ';';
      append_fixed(s, r.lm[k].x, 2);
      s += ';';
      append_fixed(s, r.lm[k].y, 2);
    }
    s += "," + std::to_string(r.emotion) + ",";
    append_fixed(s, r.valence, 4);
    s += ',';
    append_fixed(s, r.arousal, 4);
    s += '\n';
  }
  write_text(root / "affectnet.csv", s);
}

void write_disfa(const fs::path& root, const std::map<int64_t, std::vector<int64_t>>& by_identity,
                 const std::vector<SampleRecord>& rec) {
  for (const auto& kv : by_identity) {
    char subj[32];
    std::snprintf(subj, sizeof subj, "SN%03lld", (long long)kv.first + 1);
    fs::path dir = root / "disfa" / "ActionUnit_Labels" / subj;
    fs::create_directories(dir);
    for (int a = 0; a < kNumAus; ++a) {
      std::string s;
      for (size_t f = 0; f < kv.second.size(); ++f)
        s += std::to_string(f + 1) + "," + std::to_string(rec[size_t(kv.second[f])].au[a]) + "\n";
      write_text(dir / (std::string(subj) + "_au" + std::to_string(kAuNumbers[a]) + ".txt"), s);
    }
  }
}

void write_labels_csv(const fs::path& root, const Generator& gen, const std::vector<SampleRecord>& rec) {
  std::string s = "index,file,identity,image,num_faces,yaw,pitch,roll";
  for (int a : kAuNumbers) s += ",au" + std::to_string(a);
  s += ",emotion,valence,arousal,box_x,box_y,box_w,box_h,visible";
  for (int k = 0; k < kNumLandmarks; ++k) s += ",x" + std::to_string(k) + ",y" + std::to_string(k);
  s += "\n";
  for (size_t i = 0; i < rec.size(); ++i) {
    const SampleRecord& r = rec[i];
    auto sl = gen.slot(int64_t(i));
    s += std::to_string(i) + "," + sample_stem(sl, int64_t(i)) + ".jpg," + std::to_string(r.has_face ? sl.identity : -1) +
         "," + std::to_string(sl.image) + "," + std::to_string(r.num_faces);
    if (!r.has_face) {
      s += "\n";
      continue;
    }
    for (float v : {r.yaw, r.pitch, r.roll}) {
      s += ',';
      append_fixed(s, v, 3);
    }
    for (int a = 0; a < kNumAus; ++a) s += "," + std::to_string(r.au[a]);
    s += "," + std::to_string(r.emotion);
    for (float v : {r.valence, r.arousal}) {
      s += ',';
      append_fixed(s, v, 4);
    }
    for (int k = 0; k < 4; ++k) {
      s += ',';
      append_fixed(s, r.box[k], 2);
    }
    s += ",";
    for (int k = 0; k < kNumLandmarks; ++k) s += r.vis[k] ? '1' : '0';
    for (int k = 0; k < kNumLandmarks; ++k) {
      s += ',';
      append_fixed(s, r.lm[k].x, 3);
      s += ',';
      append_fixed(s, r.lm[k].y, 3);
    }
    s += '\n';
  }
  write_text(root / "labels.csv", s);
}
}  // namespace

void write_tables(const fs::path& root, const Generator& gen,
                  const std::map<int64_t, std::vector<int64_t>>& by_identity,
                  const std::vector<SampleRecord>& rec) {
  const Config& c = gen.config();
  // VGGFace2 metadata: one row per identity; this generator has no gender trait ("u").
  std::string meta = "Class_ID, Name, Sample_Num, Flag, Gender\n", list;
  for (const auto& kv : by_identity) {
    meta += id_folder(kv.first) + ", \"synth_" + std::to_string(kv.first) + "\", " +
            std::to_string(kv.second.size()) + ", 1, u\n";
    for (int64_t i : kv.second) list += sample_stem(gen.slot(i), i) + ".jpg\n";
  }
  write_text(root / "identity_meta.csv", meta);
  write_text(root / "train_list.txt", list);
  write_affectnet(root, gen, rec);
  write_disfa(root, by_identity, rec);
  write_labels_csv(root, gen, rec);

  int64_t faces = 0;
  for (const auto& r : rec) faces += r.has_face ? 1 : 0;
  nlohmann::json m;
  m["generator"] = kGeneratorVersion;
  m["mode"] = mode_name(c.mode);
  m["seed"] = c.seed;
  m["identities"] = c.identities;
  m["per_identity"] = c.per_identity;
  m["first_identity"] = c.first_identity;
  m["size"] = c.size;
  m["images"] = rec.size();
  m["images_with_face"] = faces;
  m["identities_present"] = by_identity.size();
  std::vector<std::string> classes, emotions;
  for (int k = 0; k < kNumParsingClasses; ++k) classes.push_back(parsing_class_name(k));
  for (int k = 0; k < kNumEmotions; ++k) emotions.push_back(emotion_name(Emotion(k)));
  m["parsing_classes"] = classes;
  m["au_numbers"] = std::vector<int>(kAuNumbers.begin(), kAuNumbers.end());
  m["emotions"] = emotions;
  m["conventions"] = {
      {"pixel_coordinates", "x right, y down; integer coordinates are pixel centres"},
      {"pts_coordinate_base", 1},
      {"csv_and_mat_coordinate_base", 0},
      {"pose", "degrees in labels.csv; Pose_Para = [pitch, yaw, roll] in radians, then 0, 0, 0, 1. "
               "Head to camera rotation R = Rz(roll) Ry(yaw) Rx(-pitch); yaw > 0 turns the nose to the "
               "image right, pitch > 0 lifts the chin, roll > 0 is counter-clockwise in the image"},
      {"landmarks_3d", "pt3d_68 rows x, y (pixels) and z (pixels toward the camera, 0 at the head centre)"},
      {"left_right", "left = image-left part of a frontal face (brow 17-21, eye 36-41)"},
      {"disfa", "subject SN<identity+1>, frame f (1-based) = image n<identity>/<f>_01.jpg"},
      {"uncurated", "labels describe the primary face only; extra faces are drawn unlabelled "
                    "but appear in the parsing masks"}};
  write_text(root / "manifest.json", m.dump(2) + "\n");
}

}  // namespace fb::synth
