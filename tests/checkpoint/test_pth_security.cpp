// PyTorch .pth reader against hostile and damaged input: pickles that would run code in a normal
// unpickler are refused with an error naming what was refused (and nothing runs), malformed tensor
// records and archives are refused before allocation, and randomly damaged files never crash.
// Fixtures: tests/golden/make_pth_fixtures.py.
#include <cstdio>
#include <set>

#include "nn/checkpoint/pth.h"
#include "nn/checkpoint/torch_pickle.h"
#include "nn/checkpoint/unpickler.h"
#include "nn/checkpoint/zip_reader.h"
#include "pth_test_util.h"

using namespace fb;
using namespace pth_test;
namespace fs = std::filesystem;
namespace pickle = fb::checkpoint::pickle;

namespace {

// Each payload would create this file if the pickle were run by Python's unpickler.
const char* kMarker = "/tmp/facebench_pth_marker";

// The error of read_pth(file), or "" if it loaded.
std::string error_of(const std::string& path) {
  try {
    checkpoint::read_pth(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("pth security: pickles that call or import anything else are refused, naming what, and nothing runs") {
  struct Case {
    const char* file;
    const char* named;
  };
  const Case cases[] = {
      {"evil_os_system.pth", "refusing global 'posix.system'"},
      {"evil_eval.pth", "refusing global '__builtin__.eval' (builtins.eval)"},
      {"evil_eval_p4.pth", "refusing global 'builtins.eval'"},
      {"evil_exec.pth", "refusing global '__builtin__.exec' (builtins.exec)"},
      {"evil_popen.pth", "refusing global 'commands.Popen' (subprocess.Popen)"},
      {"evil_stack_global.pth", "refusing global 'posix.system'"},
      {"evil_legacy.pth", "refusing global 'posix.system'"},
      {"evil_whole_module.pth", "refusing global 'torch.nn.modules.linear.Linear'"},
      {"evil_storage_type.pth", "refusing global 'posix.system'"},
      {"evil_getattr.pth", "refusing global 'builtins.getattr'"},
      {"evil_reduce_in_state.pth", "refusing global 'os.system'"},
      {"evil_obj.pth", "refusing global 'os.system'"},
      {"evil_newobj.pth", "refusing global 'subprocess.Popen'"},
      {"evil_inst.pth", "refusing opcode INST"},
      {"evil_ext.pth", "refusing opcode EXT1"},
      {"evil_persid.pth", "refusing opcode PERSID"},
      {"unknown_opcode.pth", "unknown opcode 0xff"},
  };
  std::error_code ec;
  fs::remove(kMarker, ec);
  for (const Case& c : cases) {
    CAPTURE(c.file);
    const std::string err = error_of(fixture(c.file));
    CHECK(err.find(c.named) != std::string::npos);
    CHECK(err.find(c.file) != std::string::npos);  // the message names the file
    CHECK(!fs::exists(kMarker));
    std::printf("refused %-26s %s\n", c.file, err.substr(err.find(c.file) + std::string(c.file).size() + 2).c_str());
  }
}

TEST_CASE("pth security: malformed tensor records, pickles and archives give clear errors") {
  struct Case {
    const char* file;
    const char* says;
  };
  const Case cases[] = {
      {"bad_huge_numel.pth", "holds 24 bytes but the pickle declares 1152921504606846976 elements"},
      {"bad_out_of_bounds.pth", "reach element 999999 but storage '0' holds 6 elements"},
      {"bad_offset.pth", "reach element 6 but storage '0' holds 6 elements"},
      {"bad_overflow.pth", "overflow 64-bit arithmetic"},
      {"bad_negative_stride.pth", "stride holds the negative value -1"},
      {"bad_missing_storage.pth", "storage '0' has no member"},
      {"bad_storage_size.pth", "holds 20 bytes but the pickle declares 6 elements"},
      {"bad_memo.pth", "memo entry 5 was never stored"},
      {"bad_stack.pth", "stack underflow"},
      {"bad_no_stop.pth", "no STOP opcode"},
      {"bad_mark.pth", "no MARK to pop to"},
      {"bad_cycle.pth", "no state dict found"},
      {"bad_no_tensors.pth", "holds no tensors"},
      {"bad_not_torch.pth", "no '<archive>/data.pkl' member"},
      {"bad_truncated.pth", "not a readable zip archive"},
      {"bad_crc.pth", "damaged data"},
      {"bad_garbage.pth", "not a PyTorch checkpoint"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.file);
    const std::string err = error_of(fixture(c.file));
    CAPTURE(err);
    CHECK(err.find(c.says) != std::string::npos);
  }
  CHECK_THROWS_WITH_AS(checkpoint::read_pth(fixture("no_such_file.pth")), doctest::Contains("file not found"), Error);
}

TEST_CASE("pth security: the unpickler reads protocol 2-5 values and refuses what it does not know") {
  pickle::UnpickleOptions opts;
  opts.where = "test: ";
  auto run = [&](const std::string& bytes) {
    size_t pos = 0;
    pickle::Pickle p = pickle::unpickle(bytes.data(), bytes.size(), &pos, opts);
    CHECK(pos == bytes.size());
    return p;
  };
  // Protocol 4: FRAME, SHORT_BINUNICODE, MEMOIZE, a LONG1 over 64 bits, BINFLOAT, DUP/POP.
  auto bytes = [](std::initializer_list<int> v) {
    std::string s;
    for (int c : v) s.push_back(static_cast<char>(c));
    return s;
  };
  const std::string body = bytes({']', 0x94, '(', 0x8c, 2, 'h', 'i', 0x94,       // [ "hi"
                                  0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0x80,          // -2**71
                                  'G', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0,               // 1.5
                                  '2', '0',                                       // DUP, POP
                                  0x8a, 2, 0xff, 0xff,                            // -1
                                  'e', '.'});
  const std::string p4 = bytes({0x80, 4, 0x95, static_cast<int>(body.size()), 0, 0, 0, 0, 0, 0, 0}) + body;
  pickle::Pickle p = run(p4);
  const pickle::Value& list = p.at(p.root);
  REQUIRE(list.kind == pickle::Kind::list);
  REQUIRE(list.items.size() == 4);
  CHECK(p.at(list.items[0]).text == "hi");
  CHECK(p.at(list.items[1]).kind == pickle::Kind::big_integer);
  CHECK(p.at(list.items[2]).floating == 1.5);
  CHECK(p.at(list.items[3]).integer == -1);
  // Globals are refused unless allowed; allowed ones are only recorded.
  CHECK_THROWS_WITH_AS(run("\x80\x02" "cposix\nsystem\n."), doctest::Contains("refusing global 'posix.system'"), Error);
  opts.allowed_globals = {"collections.OrderedDict"};
  CHECK(run("\x80\x02" "ccollections\nOrderedDict\n)R.").at(0).kind == pickle::Kind::global_ref);
  // Control bytes in a refused name are escaped, keeping the message on one line.
  CHECK_THROWS_WITH_AS(run("\x80\x02" "cos\x1b[2J\nsystem\n."), doctest::Contains("os\\x1b[2J.system"), Error);
  CHECK_THROWS_WITH_AS(run("\x80\x06."), doctest::Contains("protocol 6 is not supported"), Error);
  CHECK_THROWS_WITH_AS(run("\x80\x02X\xff\xff\xff\x7f."), doctest::Contains("runs past the end"), Error);
  CHECK_THROWS_WITH_AS(run("\x80\x02K\x01K\x02."), doctest::Contains("holds 2 values at STOP"), Error);
  CHECK_THROWS_WITH_AS(run("\x80\x02r\xff\xff\xff\xff."), doctest::Contains("stack underflow"), Error);
  CHECK_THROWS_WITH_AS(run("\x80\x02]K\x01K\x02s."), doctest::Contains("not a dict"), Error);
}

namespace {

// One random damage to `s`: truncation, flipped bytes, an extreme 32-bit value, or a shifted chunk.
std::string damage(std::string s, std::mt19937_64& rng, size_t lo = 0) {
  if (s.size() <= lo + 1) return s;
  auto at = [&](size_t from) { return from + rng() % (s.size() - from); };
  switch (rng() % 5) {
    case 0: s.resize(at(0)); break;
    case 1:
      for (int i = 0, n = 1 + static_cast<int>(rng() % 8); i < n; ++i) s[at(lo)] ^= static_cast<char>(1 + rng() % 255);
      break;
    case 2: {
      static const uint32_t extremes[] = {0xffffffffu, 0x7fffffffu, 0x80000000u, 0u, 0x10000u, 0xfffffff0u};
      const size_t p = at(lo);
      const uint32_t v = extremes[rng() % 6];
      for (size_t i = 0; i < 4 && p + i < s.size(); ++i) s[p + i] = static_cast<char>(v >> (8 * i));
      break;
    }
    case 3: {
      const size_t p = at(lo), n = 1 + rng() % 16;
      s.insert(p, s.substr(at(lo), n));
      break;
    }
    default: s.erase(at(lo), 1 + rng() % 16); break;
  }
  return s;
}

}  // namespace

TEST_CASE("pth security: 1200 randomly damaged files and pickles load or throw fb::Error, never crash") {
  TempDir tmp;
  std::mt19937_64 rng(12345);
  int loaded = 0, refused = 0;
  auto try_file = [&](const std::string& bytes) {
    const std::string path = tmp.file("fuzz.pth");
    write_bytes(path, bytes);
    try {
      checkpoint::read_pth(path);
      ++loaded;
    } catch (const Error&) {
      ++refused;
    }
  };
  // Whole files: the zip container (libzip and its CRC checks) and the legacy stream (unpickler).
  const std::string zip = read_bytes(fixture("views.pth")), legacy = read_bytes(fixture("views_legacy.pth")),
                    crafted = read_bytes(fixture("crafted_ok.pth"));
  for (int i = 0; i < 250; ++i) try_file(damage(zip, rng));
  for (int i = 0; i < 300; ++i) try_file(damage(legacy, rng));
  for (int i = 0; i < 50; ++i) try_file(damage(crafted, rng));
  const int file_cases = loaded + refused;

  // The pickle inside an intact archive (damaged files fail the CRC check before the unpickler
  // sees them), with the storages read from the genuine archive.
  checkpoint::ZipReader z(fixture("views.pth"));
  const std::string pkl = z.read_string("views/data.pkl", 1 << 20);
  pickle::UnpickleOptions opts;
  opts.allowed_globals = checkpoint::torch_pickle::allowed_globals();
  opts.where = "fuzz: ";
  int ploaded = 0, prefused = 0;
  for (int i = 0; i < 600; ++i) {
    const std::string bad = damage(pkl, rng, 2);
    try {
      size_t pos = 0;
      pickle::Pickle p = pickle::unpickle(bad.data(), bad.size(), &pos, opts);
      auto load = [&](const checkpoint::torch_pickle::StorageRef& ref) {
        const std::string member = "views/data/" + ref.key;
        uint64_t have = 0;
        FB_CHECK(z.find(member, &have), "no member");
        FB_CHECK(have == checkpoint::torch_pickle::record_bytes(ref, "fuzz: "), "size");
        return checkpoint::torch_pickle::make_storage(ref, [&](void* d, uint64_t n) { z.read(member, d, n); }, "fuzz: ");
      };
      checkpoint::torch_pickle::extract_state_dict(p, load, "fuzz: ");
      ++ploaded;
    } catch (const Error&) {
      ++prefused;
    }
  }
  std::printf("fuzz: %d damaged files (%d loaded, %d refused), %d damaged pickles (%d loaded, %d refused)\n",
              file_cases, loaded, refused, ploaded + prefused, ploaded, prefused);
  CHECK(file_cases == 600);
  CHECK(ploaded + prefused == 600);
  CHECK(refused > 0);
  CHECK(prefused > 0);
}
