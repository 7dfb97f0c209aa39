#include "nn/checkpoint/torch_pickle.h"

#include <cctype>
#include <cstring>
#include <map>

#include "tensor/error.h"
#include "nn/checkpoint/float16.h"
#include "tensor/tensor.h"

namespace fb::checkpoint::torch_pickle {

using pickle::Kind;
using pickle::Pickle;
using pickle::Value;

namespace {

constexpr const char* kRebuildTensor = "torch._utils._rebuild_tensor_v2";
constexpr const char* kRebuildParameter = "torch._utils._rebuild_parameter";
constexpr const char* kRebuildParameterWithState = "torch._utils._rebuild_parameter_with_state";
// torch supports at most 64 dimensions; anything above is a damaged or hostile record.
constexpr size_t kMaxDims = 64;
// Depth to which nested checkpoint dicts are searched for the state dict (a pickle can make a dict
// contain itself, so the search must be bounded).
constexpr int kMaxNesting = 4;

const std::vector<StorageType>& storage_types() {
  static const std::vector<StorageType> t = {
      {"torch.FloatStorage", 4, DType::f32, StorageType::none},
      {"torch.DoubleStorage", 8, DType::f64, StorageType::none},
      {"torch.HalfStorage", 2, DType::f32, StorageType::f16_to_f32},
      {"torch.BFloat16Storage", 2, DType::bf16, StorageType::none},
      {"torch.LongStorage", 8, DType::i64, StorageType::none},
      {"torch.IntStorage", 4, DType::i32, StorageType::none},
      {"torch.ByteStorage", 1, DType::u8, StorageType::none},
      {"torch.BoolStorage", 1, DType::u8, StorageType::bool_to_u8},
  };
  return t;
}

const std::string* dict_string_key(const Pickle& p, uint32_t k) {
  const Value& v = p.at(k);
  return v.kind == Kind::string ? &v.text : nullptr;
}

bool is_tensor_record(const Pickle& p, uint32_t i) {
  const Value& v = p.at(i);
  if (v.kind != Kind::call) return false;
  const std::string& f = p.at(v.items.at(0)).text;
  return f == kRebuildTensor || f == kRebuildParameter || f == kRebuildParameterWithState;
}

int64_t get_int(const Pickle& p, uint32_t i, const std::string& where, const char* what) {
  const Value& v = p.at(i);
  FB_CHECK(v.kind == Kind::integer, where, what, " must be an int, got a ", pickle::kind_name(v.kind));
  return v.integer;
}

std::vector<int64_t> get_int_tuple(const Pickle& p, uint32_t i, const std::string& where, const char* what) {
  const Value& v = p.at(i);
  FB_CHECK(v.kind == Kind::tuple, where, what, " must be a tuple, got a ", pickle::kind_name(v.kind));
  FB_CHECK(v.items.size() <= kMaxDims, where, what, " has ", v.items.size(), " entries, over the limit of ",
           kMaxDims, " dimensions");
  std::vector<int64_t> out;
  for (uint32_t x : v.items) {
    const int64_t n = get_int(p, x, where, what);
    FB_CHECK(n >= 0, where, what, " holds the negative value ", n);
    out.push_back(n);
  }
  return out;
}

// Parses a persistent id ('storage', type, key, location, numel[, view_metadata]).
StorageRef parse_storage_id(const Pickle& p, uint32_t pid_value, const std::string& where) {
  const Value& pid = p.at(p.at(pid_value).items.at(0));
  FB_CHECK(pid.kind == Kind::tuple && (pid.items.size() == 5 || pid.items.size() == 6), where,
           "persistent id must be a tuple ('storage', type, key, location, size), got a ", pickle::kind_name(pid.kind),
           pid.kind == Kind::tuple ? " of " + std::to_string(pid.items.size()) + " items" : std::string());
  const Value& tag = p.at(pid.items[0]);
  FB_CHECK(tag.kind == Kind::string && tag.text == "storage", where, "persistent id is not a 'storage' record");
  const Value& type = p.at(pid.items[1]);
  FB_CHECK(type.kind == Kind::global_ref, where, "storage type must be a storage class");
  const Value& key = p.at(pid.items[2]);
  FB_CHECK(key.kind == Kind::string, where, "storage key must be a str");
  // Keys name archive members ("<archive>/data/<key>"): keep them to plain names.
  FB_CHECK(!key.text.empty() && key.text.size() <= 64, where, "storage key has a bad length");
  for (char c : key.text)
    FB_CHECK(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.', where,
             "storage key holds a character other than letters, digits, '_', '-', '.'");
  FB_CHECK(key.text != "." && key.text != "..", where, "storage key is not a plain name");
  const Value& location = p.at(pid.items[3]);
  FB_CHECK(location.kind == Kind::string, where, "storage location must be a str");
  const int64_t numel = get_int(p, pid.items[4], where, "storage size");
  FB_CHECK(numel >= 0, where, "storage size ", numel, " is negative");
  if (pid.items.size() == 6)
    FB_CHECK(p.at(pid.items[5]).kind == Kind::none, where,
             "storage views (legacy view metadata) are not supported");
  return StorageRef{key.text, &storage_type(type.text, where), static_cast<uint64_t>(numel)};
}

// A tensor record, parsed and checked but not yet materialised.
struct TensorSpec {
  std::string name;
  StorageRef storage;
  int64_t offset;
  Shape shape, strides;
};

TensorSpec parse_tensor(const Pickle& p, uint32_t i, const std::string& name, const std::string& where_) {
  const std::string where = where_ + "tensor '" + name + "': ";
  // _rebuild_parameter(data, requires_grad, hooks[, state]) wraps a tensor record.
  for (int depth = 0; p.at(p.at(i).items.at(0)).text != kRebuildTensor; ++depth) {
    FB_CHECK(depth < 2, where, "nested parameter records");
    const Value& args = p.at(p.at(i).items.at(1));
    FB_CHECK(args.items.size() >= 3 && args.items.size() <= 4, where, "parameter record has ", args.items.size(),
             " arguments, expected 3 or 4");
    i = args.items[0];
    FB_CHECK(is_tensor_record(p, i), where, "parameter record does not hold a tensor");
  }
  const Value& call = p.at(i);
  // A BUILD on a tensor would set Python attributes on it: nothing a state dict needs.
  FB_CHECK(call.items.size() == 2, where, "tensor record carries extra state");
  const Value& args = p.at(call.items[1]);
  // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
  FB_CHECK(args.items.size() == 6 || args.items.size() == 7, where, "_rebuild_tensor_v2 has ", args.items.size(),
           " arguments, expected 6 or 7");
  FB_CHECK(p.at(args.items[0]).kind == Kind::persistent_id, where,
           "tensor data must be a storage record (persistent id), got a ", pickle::kind_name(p.at(args.items[0]).kind));
  TensorSpec s;
  s.name = name;
  s.storage = parse_storage_id(p, args.items[0], where);
  s.offset = get_int(p, args.items[1], where, "storage offset");
  FB_CHECK(s.offset >= 0, where, "negative storage offset ", s.offset);
  s.shape = get_int_tuple(p, args.items[2], where, "size");
  s.strides = get_int_tuple(p, args.items[3], where, "stride");
  FB_CHECK(s.shape.size() == s.strides.size(), where, "size has ", s.shape.size(), " dimensions but stride has ",
           s.strides.size());

  // Bounds: the elements touched are offset + sum (size_d - 1) * stride_d, which must lie inside
  // the storage. Computed with overflow checks before anything is allocated.
  uint64_t numel = 1, last = static_cast<uint64_t>(s.offset);
  bool empty = false, overflow = false;
  for (size_t d = 0; d < s.shape.size(); ++d) {
    const uint64_t n = static_cast<uint64_t>(s.shape[d]), st = static_cast<uint64_t>(s.strides[d]);
    if (n == 0) empty = true;
    else {
      uint64_t span;
      overflow |= __builtin_mul_overflow(n, numel, &numel) || numel > static_cast<uint64_t>(INT64_MAX);
      overflow |= __builtin_mul_overflow(n - 1, st, &span) || __builtin_add_overflow(last, span, &last);
    }
  }
  FB_CHECK(!overflow, where, "size ", shape_str(s.shape), " and stride ", shape_str(s.strides),
           " overflow 64-bit arithmetic");
  if (empty) {
    FB_CHECK(static_cast<uint64_t>(s.offset) <= s.storage.numel, where, "storage offset ", s.offset,
             " past the end of storage '", s.storage.key, "' (", s.storage.numel, " elements)");
  } else {
    FB_CHECK(last < s.storage.numel, where, "size ", shape_str(s.shape), ", stride ", shape_str(s.strides),
             " and offset ", s.offset, " reach element ", last, " but storage '", s.storage.key, "' holds ",
             s.storage.numel, " elements");
  }
  return s;
}

}  // namespace

const std::set<std::string>& allowed_globals() {
  static const std::set<std::string> g = [] {
    std::set<std::string> s = {"collections.OrderedDict", kRebuildTensor, kRebuildParameter,
                               kRebuildParameterWithState};
    for (const StorageType& t : storage_types()) s.insert(t.name);
    return s;
  }();
  return g;
}

const StorageType& storage_type(const std::string& name, const std::string& where) {
  for (const StorageType& t : storage_types())
    if (t.name == name) return t;
  FB_FAIL(where, "unsupported storage type '", name, "'");
}

std::vector<StorageRef> storage_refs(const Pickle& p, const std::string& where) {
  std::map<std::string, StorageRef> by_key;
  std::vector<StorageRef> out;
  for (uint32_t i = 0; i < p.values.size(); ++i) {
    if (p.values[i].kind != Kind::persistent_id) continue;
    StorageRef r = parse_storage_id(p, i, where);
    auto [it, fresh] = by_key.emplace(r.key, r);
    if (fresh) {
      out.push_back(r);
    } else {
      FB_CHECK(it->second.type == r.type && it->second.numel == r.numel, where, "storage '", r.key,
               "' is declared twice with different types or sizes");
    }
  }
  return out;
}

uint64_t record_bytes(const StorageRef& ref, const std::string& where) {
  uint64_t n;
  FB_CHECK(!__builtin_mul_overflow(ref.numel, static_cast<uint64_t>(ref.type->file_elem_size), &n), where,
           "storage '", ref.key, "' size ", ref.numel, " overflows");
  return n;
}


std::shared_ptr<Storage> make_storage(const StorageRef& ref, const std::function<void(void*, uint64_t)>& read_raw,
                                      const std::string& where) {
  const uint64_t raw = record_bytes(ref, where);
  const uint64_t out_bytes = ref.numel * dtype_size(ref.type->dtype);  // <= 2 * raw: no overflow
  std::shared_ptr<Storage> s = Storage::allocate(out_bytes);
  if (ref.type->convert == StorageType::none) {
    if (raw) read_raw(s->data(), raw);
    return s;
  }
  std::vector<unsigned char> tmp(raw);
  if (raw) read_raw(tmp.data(), raw);
  if (ref.type->convert == StorageType::f16_to_f32) {
    float* dst = static_cast<float*>(s->data());
    for (uint64_t i = 0; i < ref.numel; ++i) dst[i] = half_to_float(static_cast<uint16_t>(tmp[2 * i] | tmp[2 * i + 1] << 8));
  } else {
    uint8_t* dst = static_cast<uint8_t*>(s->data());
    for (uint64_t i = 0; i < ref.numel; ++i) {
      FB_CHECK(tmp[i] <= 1, where, "storage '", ref.key, "': bool element ", i, " is ", int(tmp[i]), ", not 0 or 1");
      dst[i] = tmp[i];
    }
  }
  return s;
}

StateDict extract_state_dict(const Pickle& p, const StorageLoader& load, const std::string& where) {
  // Find the dict of tensors: the root, or a known entry of it, searched breadth-first.
  static const char* kNested[] = {"state_dict", "model_state_dict", "model", "net", "network", "state"};
  auto count_tensors = [&](const Value& d) {
    size_t n = 0;
    for (size_t k = 0; k + 1 < d.items.size(); k += 2) n += is_tensor_record(p, d.items[k + 1]);
    return n;
  };
  uint32_t cur = p.root;
  std::string location;
  for (int depth = 0;; ++depth) {
    const Value& d = p.at(cur);
    FB_CHECK(d.kind == Kind::dict, where, "no state dict found: ", location.empty() ? "the checkpoint" : location,
             " is a ", pickle::kind_name(d.kind), ", not a dict of tensors");
    uint32_t next = UINT32_MAX;
    std::string next_name;
    if (depth < kMaxNesting) {
      for (const char* want : kNested) {
        for (size_t k = 0; k + 1 < d.items.size() && next == UINT32_MAX; k += 2) {
          const std::string* key = dict_string_key(p, d.items[k]);
          if (key && *key == want && p.at(d.items[k + 1]).kind == Kind::dict) {
            next = d.items[k + 1];
            next_name = want;
          }
        }
        if (next != UINT32_MAX) break;
      }
    }
    // A nested entry wins over tensors at this level only if the level has none (a state dict
    // may legitimately have a parameter called "state").
    if (next != UINT32_MAX && count_tensors(d) == 0) {
      location += (location.empty() ? "" : ".") + next_name;
      cur = next;
      continue;
    }
    FB_CHECK(count_tensors(d) > 0, where, "no state dict found: ",
             location.empty() ? "the top-level dict" : "'" + location + "'",
             " holds no tensors (looked for the entries state_dict, model_state_dict, model, net, network, state)");
    break;
  }

  StateDict out;
  out.location = location;
  const Value& d = p.at(cur);
  std::vector<TensorSpec> specs;
  std::map<std::string, int> names, uses, remaining;
  for (size_t k = 0; k + 1 < d.items.size(); k += 2) {
    const std::string* key = dict_string_key(p, d.items[k]);
    if (!key || !is_tensor_record(p, d.items[k + 1])) {
      out.ignored.push_back(key ? *key : std::string("<non-string key>"));
      continue;
    }
    FB_CHECK(names[*key]++ == 0, where, "tensor '", *key, "' appears twice");
    specs.push_back(parse_tensor(p, d.items[k + 1], *key, where));
    uses[specs.back().storage.key]++;
  }
  remaining = uses;

  // Materialise. Each storage is loaded once; a tensor keeps it only when it is the sole user and
  // covers it exactly, otherwise it gets its own compact copy (no aliasing between the results,
  // and a small view never pins a large storage).
  std::map<std::string, std::shared_ptr<Storage>> loaded;
  for (const TensorSpec& s : specs) {
    std::shared_ptr<Storage>& st = loaded[s.storage.key];
    if (!st) st = load(s.storage);
    FB_CHECK(st && st->nbytes == s.storage.numel * dtype_size(s.storage.type->dtype), where, "storage '",
             s.storage.key, "' was loaded with the wrong size");
    Tensor t = Tensor::view_of(st, s.shape, s.strides, s.offset, s.storage.type->dtype);
    const bool whole = t.is_contiguous() && s.offset == 0 && static_cast<uint64_t>(t.numel()) == s.storage.numel;
    if (!(whole && uses[s.storage.key] == 1)) t = t.clone();
    out.tensors.emplace_back(s.name, std::move(t));
    if (--remaining[s.storage.key] == 0) loaded.erase(s.storage.key);  // free early
  }
  return out;
}

}  // namespace fb::checkpoint::torch_pickle
