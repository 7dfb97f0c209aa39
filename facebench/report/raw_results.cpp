#include "facebench/report/raw_results.h"

#include <charconv>
#include <cmath>
#include <set>
#include <sstream>

#include "tensor/error.h"

namespace fb::report {
namespace {

std::string csv_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  // Shortest text that reads back to the same double.
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string results_csv(const std::vector<CellResult>& cells) {
  std::set<std::string> keys;
  for (const auto& c : cells)
    for (const auto& [k, v] : c.metrics) keys.insert(k);
  std::ostringstream os;
  os << "task,dataset,backbone,mode,fraction,seed,train_size,seconds";
  for (const auto& k : keys) os << ',' << csv_field(k);
  os << '\n';
  for (const auto& c : cells) {
    os << csv_field(c.task) << ',' << csv_field(c.dataset) << ',' << csv_field(c.backbone) << ','
       << csv_field(c.mode) << ',' << csv_number(c.fraction) << ',' << c.seed << ',' << c.train_size << ','
       << csv_number(c.seconds);
    for (const auto& k : keys) {
      os << ',';
      auto it = c.metrics.find(k);
      if (it != c.metrics.end()) os << csv_number(it->second);
    }
    os << '\n';
  }
  return os.str();
}

nlohmann::json results_json(const std::vector<CellResult>& cells, const nlohmann::json& config,
                            const nlohmann::json& meta) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& c : cells) arr.push_back(to_json(c));
  return {{"cells", std::move(arr)}, {"config", config}, {"meta", meta}};
}

std::vector<CellResult> cells_from_results_json(const nlohmann::json& doc) {
  FB_CHECK(doc.is_object() && doc.contains("cells") && doc["cells"].is_array(),
           "report: results.json must be an object with a \"cells\" array");
  std::vector<CellResult> out;
  for (const auto& j : doc["cells"]) out.push_back(cell_from_json(j));
  return out;
}

}  // namespace fb::report
