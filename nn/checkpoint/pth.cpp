#include "nn/checkpoint/pth.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "nn/checkpoint/load_any.h"
#include "nn/checkpoint/torch_pickle.h"
#include "nn/checkpoint/unpickler.h"
#include "nn/checkpoint/zip_reader.h"
#include "tensor/error.h"

namespace fb::checkpoint {
namespace {

// Storage bytes are copied as they are into tensor memory.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the .pth reader assumes a little-endian host");

// State-dict pickles are tens of KB (a ResNet-50's is ~30 KB); anything near this is not one.
constexpr uint64_t kMaxPickleBytes = 256ull << 20;
// The newest zip format version this reader knows (torch writes 3 as of 1.13 and 2.x).
constexpr int64_t kMaxZipVersion = 3;
// torch.save's legacy stream starts with this number pickled as LONG1 (little-endian bytes).
const char kLegacyMagic[] = "\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19";
constexpr int64_t kLegacyProtocol = 1001;

pickle::UnpickleOptions pickle_options(const std::string& where) {
  pickle::UnpickleOptions o;
  o.allowed_globals = torch_pickle::allowed_globals();
  o.where = where;
  return o;
}

// --- the zip format ---------------------------------------------------------------------------

PthCheckpoint read_zip(const std::string& path) {
  const std::string where = "load_pth: " + path + ": ";
  ZipReader zip(path);

  // The archive's folder is the one holding data.pkl (torch names it "archive" or after the file).
  std::string prefix;
  int found = 0;
  for (const std::string& n : zip.names()) {
    const size_t slash = n.find('/');
    if (slash != std::string::npos && slash > 0 && n.compare(slash, std::string::npos, "/data.pkl") == 0) {
      prefix = n.substr(0, slash);
      ++found;
    }
  }
  FB_CHECK(found == 1, where,
           found == 0 ? "no '<archive>/data.pkl' member: a zip file, but not a PyTorch checkpoint"
                      : "several '<archive>/data.pkl' members: ambiguous checkpoint");

  uint64_t size = 0;
  if (zip.find(prefix + "/byteorder", &size)) {
    const std::string order = zip.read_string(prefix + "/byteorder", 16);
    FB_CHECK(order == "little", where, "byte order '", order, "' is not supported (only little-endian)");
  }
  for (const std::string& v : {prefix + "/version", prefix + "/.data/version"}) {
    if (!zip.find(v, &size)) continue;
    std::string text = zip.read_string(v, 32);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    FB_CHECK(!text.empty() && text.size() <= 9 && text.find_first_not_of("0123456789") == std::string::npos, where,
             "unreadable format version in '", v, "'");
    FB_CHECK(std::stoll(text) <= kMaxZipVersion, where, "format version ", text,
             " is newer than this reader knows (", kMaxZipVersion, ")");
  }

  const std::string pkl = zip.read_string(prefix + "/data.pkl", kMaxPickleBytes);
  size_t pos = 0;
  const pickle::Pickle p = pickle::unpickle(pkl.data(), pkl.size(), &pos, pickle_options(where + "data.pkl: "));
  FB_CHECK(pos == pkl.size(), where, "data.pkl: ", pkl.size() - pos, " bytes after the end of the pickle");

  auto load = [&](const torch_pickle::StorageRef& ref) {
    const std::string member = prefix + "/data/" + ref.key;
    const uint64_t want = torch_pickle::record_bytes(ref, where);
    uint64_t have = 0;
    FB_CHECK(zip.find(member, &have), where, "storage '", ref.key, "' has no member '", member, "'");
    // The size check comes before any allocation: a record cannot claim more than the file holds.
    FB_CHECK(have == want, where, "storage '", ref.key, "': member '", member, "' holds ", have,
             " bytes but the pickle declares ", ref.numel, " elements of ", ref.type->name, " (", want, " bytes)");
    return torch_pickle::make_storage(
        ref, [&](void* dst, uint64_t n) { zip.read(member, dst, n); }, where);
  };
  torch_pickle::StateDict sd = torch_pickle::extract_state_dict(p, load, where);
  return PthCheckpoint{std::move(sd.tensors), "zip", std::move(sd.location), std::move(sd.ignored)};
}

// --- the legacy stream format -------------------------------------------------------------------

std::string read_file(const std::string& path, const std::string& where) {
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  FB_CHECK(!ec, where, "cannot get the file size: ", ec.message());
  std::ifstream in(path, std::ios::binary);
  FB_CHECK(in.good(), where, "cannot open the file");
  std::string data(size, '\0');
  in.read(data.data(), static_cast<std::streamsize>(size));
  FB_CHECK(static_cast<uint64_t>(in.gcount()) == size, where, "cannot read the file");
  return data;
}

PthCheckpoint read_legacy(const std::string& path) {
  const std::string where = "load_pth: " + path + ": legacy format: ";
  const std::string data = read_file(path, where);
  size_t pos = 0;
  auto next = [&](const char* what) {
    return pickle::unpickle(data.data(), data.size(), &pos, pickle_options(where + what + ": "));
  };

  const pickle::Pickle magic = next("magic number");
  const pickle::Value& m = magic.at(magic.root);
  FB_CHECK(m.kind == pickle::Kind::big_integer && m.text == std::string(kLegacyMagic, 10), where,
           "wrong magic number: not a PyTorch checkpoint");
  const pickle::Pickle proto = next("protocol version");
  FB_CHECK(proto.at(proto.root).kind == pickle::Kind::integer && proto.at(proto.root).integer == kLegacyProtocol,
           where, "unsupported protocol version (expected ", kLegacyProtocol, ")");
  const pickle::Pickle info = next("system info");
  const pickle::Value& d = info.at(info.root);
  FB_CHECK(d.kind == pickle::Kind::dict, where, "system info is not a dict");
  for (size_t k = 0; k + 1 < d.items.size(); k += 2) {
    const pickle::Value& key = info.at(d.items[k]);
    const pickle::Value& v = info.at(d.items[k + 1]);
    if (key.kind == pickle::Kind::string && key.text == "little_endian")
      FB_CHECK(v.kind == pickle::Kind::boolean && v.boolean, where, "written on a big-endian machine: not supported");
  }

  const pickle::Pickle obj = next("object");
  const pickle::Pickle keys = next("storage keys");
  const pickle::Value& kl = keys.at(keys.root);
  FB_CHECK(kl.kind == pickle::Kind::list, where, "storage keys are not a list");

  // The storages follow in the order of the key list, each as int64 element count + raw bytes.
  std::map<std::string, torch_pickle::StorageRef> refs;
  for (const auto& r : torch_pickle::storage_refs(obj, where)) refs.emplace(r.key, r);
  std::map<std::string, size_t> offsets;  // key -> offset of the raw bytes in `data`
  for (uint32_t ki : kl.items) {
    const pickle::Value& k = keys.at(ki);
    FB_CHECK(k.kind == pickle::Kind::string, where, "a storage key is not a str");
    auto it = refs.find(k.text);
    FB_CHECK(it != refs.end(), where, "storage '", k.text, "' is listed but never used, so its type is unknown");
    FB_CHECK(offsets.count(k.text) == 0, where, "storage '", k.text, "' is listed twice");
    FB_CHECK(data.size() - pos >= 8, where, "truncated before the size of storage '", k.text, "'");
    uint64_t numel = 0;
    for (int i = 7; i >= 0; --i) numel = (numel << 8) | static_cast<unsigned char>(data[pos + i]);
    pos += 8;
    FB_CHECK(numel == it->second.numel, where, "storage '", k.text, "' holds ", numel,
             " elements but the pickle declares ", it->second.numel);
    const uint64_t n = torch_pickle::record_bytes(it->second, where);
    FB_CHECK(n <= data.size() - pos, where, "truncated: storage '", k.text, "' needs ", n, " bytes, ",
             data.size() - pos, " are left");
    offsets[k.text] = pos;
    pos += n;
  }
  FB_CHECK(pos == data.size(), where, data.size() - pos, " unexpected bytes after the last storage");

  auto load = [&](const torch_pickle::StorageRef& ref) {
    auto it = offsets.find(ref.key);
    FB_CHECK(it != offsets.end(), where, "storage '", ref.key, "' is used but its data is missing");
    return torch_pickle::make_storage(
        ref, [&](void* dst, uint64_t n) { std::memcpy(dst, data.data() + it->second, n); }, where);
  };
  torch_pickle::StateDict sd = torch_pickle::extract_state_dict(obj, load, where);
  return PthCheckpoint{std::move(sd.tensors), "legacy", std::move(sd.location), std::move(sd.ignored)};
}

}  // namespace

PthCheckpoint read_pth(const std::string& path) {
  const std::string where = "load_pth: " + path + ": ";
  std::error_code ec;
  FB_CHECK(std::filesystem::is_regular_file(path, ec), where, "file not found or not a regular file");
  if (looks_like_zip(path)) return read_zip(path);
  std::ifstream in(path, std::ios::binary);
  char head[4] = {0, 0, 0, 0};
  in.read(head, 4);
  // PROTO 2, LONG1 of 10 bytes: the start of the legacy magic number.
  if (in.gcount() == 4 && std::memcmp(head, "\x80\x02\x8a\x0a", 4) == 0) return read_legacy(path);
  FB_FAIL(where, "not a PyTorch checkpoint: neither a zip archive nor a legacy torch.save stream");
}

NamedTensors load_pth(const std::string& path, const std::string& prefix) {
  NamedTensors t = read_pth(path).tensors;
  strip_prefix(t, prefix, "load_pth: " + path + ": ");
  return t;
}

}  // namespace fb::checkpoint
