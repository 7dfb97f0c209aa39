// PyTorch .pth reader: checkpoints written by torch.save (zip and legacy formats) load with the
// right names, dtypes and values, and a ResNet built from them reproduces PyTorch's outputs.
// Fixtures: tests/golden/make_pth_fixtures.py.
#include <cstdio>
#include <set>
#include <vector>

#include "autograd/grad_mode.h"
#include "facebench/cli/commands.h"
#include "facebench/common/arrays.h"
#include "nn/checkpoint/load_any.h"
#include "nn/checkpoint/pth.h"
#include "nn/resnet.h"
#include "pth_test_util.h"
#include "tensor/ops.h"

using namespace fb;
using namespace pth_test;

namespace {

std::map<std::string, Tensor> load_expected(const std::string& name) { return by_name(checkpoint::load_safetensors(fixture(name))); }

// Logits of a ResNet with `state` for the NCHW input, in `dtype`.
Tensor resnet_logits(const std::string& arch, double width, const checkpoint::NamedTensors& state, const Tensor& nchw,
                     DType dtype) {
  nn::ResNetConfig cfg;
  cfg.arch = arch;
  cfg.width = width;
  for (auto& [n, t] : state)
    if (n == "fc.weight") cfg.num_classes = t.size(0);
  auto net = nn::make_resnet(cfg);
  net->load_state_dict(state, true);
  net->to(dtype);
  net->eval();
  autograd::NoGradGuard ng;
  return net->forward(nchw.to(dtype).permute({0, 2, 3, 1}).contiguous());
}

// Runs the facebench CLI in-process.
void run_cli(std::vector<std::string> args) {
  CLI::App app;
  app.require_subcommand(1);
  cli::register_convert_command(app);
  cli::register_forward_command(app);
  args.insert(args.begin(), "facebench");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  app.parse(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

TEST_CASE("pth: a released-style ResNet-50 checkpoint (nested, prefixed) reproduces PyTorch's logits") {
  checkpoint::PthCheckpoint ck = checkpoint::read_pth(fixture("r50_release.pth"));
  CHECK(ck.format == "zip");
  CHECK(ck.location == "state_dict");
  CHECK(ck.ignored.empty());  // the state dict itself holds only tensors
  REQUIRE(!ck.tensors.empty());
  for (auto& [n, t] : ck.tensors) CHECK(n.rfind("module.base_net.", 0) == 0);

  auto state = checkpoint::load_pth(fixture("r50_release.pth"), "module.base_net.");
  auto exp = load_expected("r50_expected.safetensors");
  // float64 evaluation of the loaded float32 weights against PyTorch's float64 evaluation of the
  // same weights: any weight read wrongly would show far above rounding.
  const double e64 = ops::rel_error(resnet_logits("resnet50", 0.0625, state, exp.at("input"), DType::f64),
                                    exp.at("logits_f64"));
  const double e32 = ops::rel_error(resnet_logits("resnet50", 0.0625, state, exp.at("input"), DType::f32),
                                    exp.at("logits_f32"));
  std::printf("pth resnet50 release: logits rel err f64 %.2e, f32 vs torch f32 %.2e\n", e64, e32);
  CHECK(e64 <= 1e-6);
  CHECK(e64 <= 1e-12);
  CHECK(e32 <= 1e-5);  // two float32 implementations: rounding noise only

  // Stripping only part of the prefix leaves names the model does not know.
  auto partial = checkpoint::load_pth(fixture("r50_release.pth"), "module.");
  CHECK(partial.front().first.rfind("base_net.", 0) == 0);
  nn::ResNetConfig cfg;
  cfg.arch = "resnet50";
  cfg.width = 0.0625;
  cfg.num_classes = 7;
  CHECK_THROWS_WITH_AS(nn::make_resnet(cfg)->load_state_dict(partial, true), doctest::Contains("Missing"), Error);
}

TEST_CASE("pth: half-precision weights load as exact float32 and reproduce PyTorch's logits") {
  auto state = checkpoint::load_pth(fixture("r18_f16.pth"));
  for (auto& [n, t] : state) {
    if (n.find("num_batches_tracked") != std::string::npos) CHECK(t.dtype() == DType::i64);
    else CHECK(t.dtype() == DType::f32);
  }
  auto exp = load_expected("r18_f16_expected.safetensors");
  const double e = ops::rel_error(resnet_logits("resnet18", 0.0625, state, exp.at("input"), DType::f64),
                                  exp.at("logits_f64"));
  std::printf("pth resnet18 f16: logits rel err f64 %.2e\n", e);
  CHECK(e <= 1e-6);
  CHECK(e <= 1e-12);
}

TEST_CASE("pth: views, shared storages and every dtype, in the zip and the legacy format") {
  auto exp = load_expected("views_expected.safetensors");
  for (const char* file : {"views.pth", "views_legacy.pth"}) {
    CAPTURE(file);
    checkpoint::PthCheckpoint ck = checkpoint::read_pth(fixture(file));
    const bool legacy = std::string(file) == "views_legacy.pth";
    CHECK(ck.format == (legacy ? "legacy" : "zip"));
    CHECK(ck.location == (legacy ? "model" : ""));
    CHECK(ck.ignored == std::vector<std::string>{"epoch_like", "notes"});
    auto got = by_name(ck.tensors);
    REQUIRE(got.size() == exp.size());
    const std::map<std::string, DType> dtypes = {
        {"transposed", DType::f32}, {"row", DType::f32},  {"cols", DType::f32},     {"base", DType::f32},
        {"permuted64", DType::f64}, {"expanded", DType::f32}, {"half", DType::f32}, {"bf16", DType::bf16},
        {"i64", DType::i64},        {"i32", DType::i32},  {"u8", DType::u8},        {"bool", DType::u8},
        {"scalar", DType::f32},     {"empty", DType::f32}, {"param", DType::f32},   {"num_batches_tracked", DType::i64}};
    std::set<const void*> storages;
    for (auto& [name, want] : exp) {
      const std::string& tensor_name = name;  // clang's C++17 lambdas (CAPTURE) cannot capture a structured binding
      CAPTURE(tensor_name);
      REQUIRE(got.count(name) == 1);
      const Tensor& t = got.at(name);
      CHECK(t.dtype() == dtypes.at(name));
      CHECK(t.shape() == want.shape());
      CHECK(t.is_contiguous());
      CHECK(t.offset() == 0);
      // Values exactly equal (every fixture value is exact in its dtype and in float64).
      CHECK(t.to(DType::f64).to_vector<double>() == want.to_vector<double>());
      // Each result owns its memory, even where the file shared one storage between tensors.
      if (t.numel() > 0) CHECK(storages.insert(t.storage()->data()).second);
    }
    CHECK(got.at("scalar").dim() == 0);
    CHECK(got.at("half").to_vector<float>()[4] == 1.1920928955078125e-07f);  // a half subnormal, exact
  }
}

TEST_CASE("pth: a hand-assembled pickle in the expected layout loads") {
  auto t = checkpoint::load_pth(fixture("crafted_ok.pth"));
  REQUIRE(t.size() == 1);
  CHECK(t[0].first == "a");
  CHECK(t[0].second.shape() == Shape{2, 3});
  CHECK(t[0].second.to_vector<float>() == std::vector<float>{0, 1, 2, 3, 4, 5});
}

TEST_CASE("pth: load_state_any picks the reader by extension and strips prefixes") {
  TempDir tmp;
  auto pth = checkpoint::load_state_any(fixture("crafted_ok.pth"));
  REQUIRE(pth.size() == 1);
  checkpoint::save_safetensors(tmp.file("w.safetensors"), {{"module.a", pth[0].second}, {"b", pth[0].second}});
  auto st = checkpoint::load_state_any(tmp.file("w.safetensors"), "module.");
  CHECK(st[0].first == "a");
  CHECK(st[1].first == "b");  // names without the prefix are kept
  write_bytes(tmp.file("w.weights"), read_bytes(fixture("crafted_ok.pth")));
  CHECK_THROWS_WITH_AS(checkpoint::load_state_any(tmp.file("w.weights")), doctest::Contains("unknown checkpoint format"),
                       Error);
  CHECK_THROWS_WITH_AS(checkpoint::load_state_any(fixture("crafted_ok.pth"), "module."),
                       doctest::Contains("no tensor name starts with the prefix 'module.'"), Error);
  checkpoint::NamedTensors clash = {{"module.a", pth[0].second}, {"a", pth[0].second}};
  CHECK_THROWS_WITH_AS(checkpoint::strip_prefix(clash, "module."), doctest::Contains("two tensors are named 'a'"),
                       Error);
}

TEST_CASE("pth: facebench convert checks names against the architecture and writes safetensors") {
  TempDir tmp;
  const std::string out = tmp.file("r50.safetensors");
  run_cli({"convert", "--from", fixture("r50_release.pth"), "--to", out, "--strip-prefix", "module.base_net.",
           "--arch", "resnet50", "--width", "0.0625"});
  auto converted = checkpoint::load_safetensors(out);
  auto direct = by_name(checkpoint::load_pth(fixture("r50_release.pth"), "module.base_net."));
  REQUIRE(converted.size() == direct.size());
  for (auto& [n, t] : converted) {
    const std::string& tensor_name = n;  // clang's C++17 lambdas (CAPTURE) cannot capture a structured binding
    CAPTURE(tensor_name);
    REQUIRE(direct.count(n) == 1);
    CHECK(ops::rel_error(t.to(DType::f64), direct.at(n).to(DType::f64)) == 0.0);
  }

  // Without the prefix nothing matches: a clear error, and no output file.
  const std::string bad = tmp.file("bad.safetensors");
  CHECK_THROWS_WITH_AS(run_cli({"convert", "--from", fixture("r50_release.pth"), "--to", bad, "--arch", "resnet50",
                                "--width", "0.0625"}),
                       doctest::Contains("missing"), Error);
  CHECK(!std::filesystem::exists(bad));
  // The wrong architecture: shapes and names differ.
  CHECK_THROWS_WITH_AS(run_cli({"convert", "--from", fixture("r50_release.pth"), "--to", bad, "--strip-prefix",
                                "module.base_net.", "--arch", "resnet18", "--width", "0.0625"}),
                       doctest::Contains("does not fit resnet18"), Error);
  // A hostile file is refused by the CLI as well.
  CHECK_THROWS_WITH_AS(run_cli({"convert", "--from", fixture("evil_os_system.pth"), "--to", bad}),
                       doctest::Contains("posix.system"), Error);

  // facebench forward reads the .pth directly.
  auto exp = load_expected("r50_expected.safetensors");
  app::save_array(tmp.file("x.npy"), exp.at("input"));
  run_cli({"forward", "--arch", "resnet50", "--width", "0.0625", "--weights", fixture("r50_release.pth"),
           "--strip-prefix", "module.base_net.", "--input", tmp.file("x.npy"), "--output", tmp.file("y.npy")});
  const double e = ops::rel_error(app::load_array(tmp.file("y.npy")), exp.at("logits_f32"));
  std::printf("pth forward CLI (f32) vs torch f32: rel err %.2e\n", e);
  CHECK(e <= 1e-5);
}
