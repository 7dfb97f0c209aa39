// Opening datasets by format name and validating them in place, through the
// library and through `facebench data inspect`.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <sys/wait.h>

#include "facebench/data/inspect.h"
#include "facebench/data/open.h"
#include "test_util.h"

using namespace fb::data;
namespace fs = std::filesystem;

namespace {
// Each test case makes its own copy: ctest may run them in parallel.
fs::path damaged_300w(const std::string& name) {
  auto root = fbt::scratch(name);
  for (int i = 0; i < 3; ++i) {
    fs::path stem = root / "ibug" / ("image_00" + std::to_string(i));
    std::string pts = "version: 1\nn_points:  68\n{\n";
    for (int k = 0; k < 68; ++k) pts += std::to_string(10 + k) + " " + std::to_string(20 + k % 30) + "\n";
    fbt::write_text(stem.string() + ".pts", pts + "}\n");
    fs::create_directories(stem.parent_path());
    write_jpeg(stem.string() + ".jpg", fbt::pattern(100, 90, i));
  }
  // Line 5 of image_001.pts is not "x y"; image_002.jpg is cut short.
  fbt::write_text(root / "ibug" / "image_001.pts", "version: 1\nn_points:  68\n{\n1 2\n3 oops\n}\n");
  std::string b = read_file_bytes((root / "ibug" / "image_002.jpg").string());
  fbt::write_text(root / "ibug" / "image_002.jpg", b.substr(0, b.size() / 2));
  for (const char* d : {"helen/testset", "lfpw/testset"}) fs::create_directories(root / d);
  return root;
}

struct Run {
  int status;
  std::string out;
};
Run run(const std::string& cmd) {
  Run r{-1, ""};
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}
}  // namespace

TEST_CASE("inspect lists annotation and image problems with file and line and label ranges") {
  auto root = damaged_300w("inspect_lib");
  ProblemLog log(OnError::Skip);
  log.set_quiet(true);
  OpenOptions o;
  o.format = "300w";
  o.path = root.string();
  o.split = "challenging";
  auto ds = open_dataset(o, log);
  REQUIRE(ds->size() == 2);
  REQUIRE(log.count() == 1);
  CHECK(log.problems()[0].str().find("image_001.pts:5:") != std::string::npos);
  for (int threads : {1, 3}) {
    InspectReport r = inspect_dataset(*ds, 0, threads);
    CHECK(r.samples == 2);
    CHECK(r.failed == 1);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].str().find("image_002.jpg") != std::string::npos);
    CHECK(r.points == 68);
    CHECK(r.splits.at("challenging") == 2);
    CHECK(r.min_w == 100);
  }
  o.format = "nonsense";
  CHECK_THROWS_WITH(open_dataset(o, log), doctest::Contains("unknown dataset format 'nonsense'"));
  o.format = "300w";
  o.path = (root / "absent").string();
  CHECK_THROWS_WITH(open_dataset(o, log), doctest::Contains("does not exist"));
}

TEST_CASE("facebench data inspect: report exit status --help") {
  const fs::path exe = fs::path(FB_BINARY_DIR) / "facebench" / "facebench";
  if (!fs::exists(exe)) {
    MESSAGE("facebench binary not built; CLI check skipped");
    return;
  }
  auto root = damaged_300w("inspect_cli");
  Run r = run(exe.string() + " data inspect --format 300w --split full '" + root.string() + "'");
  CHECK(r.status != 0);
  CHECK(r.out.find("samples: 2") != std::string::npos);
  CHECK(r.out.find("image_001.pts:5: expected 'x y'") != std::string::npos);
  CHECK(r.out.find("image_002.jpg") != std::string::npos);
  CHECK(r.out.find("problems: 2") != std::string::npos);
  Run f = run(exe.string() + " data inspect --on-error fail --format 300w --split full '" + root.string() + "'");
  CHECK(f.status != 0);
  CHECK(f.out.find("image_001.pts:5:") != std::string::npos);
  CHECK(run(exe.string() + " data inspect --help").status == 0);
  CHECK(run(exe.string() + " data --help").status == 0);
  const std::string orl = std::string(FB_SHARED_DIR) + "/data/orl-faces";
  if (fs::is_directory(orl)) {
    Run o = run(exe.string() + " data inspect --format orl '" + orl + "'");
    CHECK(o.status == 0);
    CHECK(o.out.find("identities: 40") != std::string::npos);
    CHECK(o.out.find("samples: 400") != std::string::npos);
    CHECK(o.out.find("labels: 400") == std::string::npos);
    CHECK(o.out.find("labels: 40 distinct, range 0..39") != std::string::npos);
    CHECK(o.out.find("problems: 0") != std::string::npos);
  }
}
