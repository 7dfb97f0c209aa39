#pragma once
// Gives meaning to the inert values that the restricted unpickler builds from a torch.save pickle:
// finds the state dict in the checkpoint and turns `_rebuild_tensor_v2` records into tensors,
// validating every size, stride and offset against the storage they point into. Shared by the
// zip and the legacy .pth formats, which differ only in where the storage bytes live.
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "nn/checkpoint/safetensors.h"
#include "nn/checkpoint/unpickler.h"
#include "tensor/storage.h"

namespace fb::checkpoint::torch_pickle {

// The globals a PyTorch state dict is made of; everything else is refused by the unpickler.
const std::set<std::string>& allowed_globals();

// How a PyTorch storage class is read.
struct StorageType {
  std::string name;  // e.g. "torch.HalfStorage"
  size_t file_elem_size;
  DType dtype;  // of the loaded tensor
  enum Convert { none, f16_to_f32, bool_to_u8 } convert;
};
// The type of a storage class name such as "torch.FloatStorage"; throws for unknown names.
const StorageType& storage_type(const std::string& global_name, const std::string& where);

// A storage referenced by a persistent id ('storage', type, key, location, numel[, view]).
struct StorageRef {
  std::string key;
  const StorageType* type;
  uint64_t numel;  // in elements
};
// Every storage persistent id in the pickle (a linear scan of its values, no recursion), by key.
//   throws: fb::Error for a malformed id, or one key used with two types or sizes.
std::vector<StorageRef> storage_refs(const pickle::Pickle& p, const std::string& where);

// Loads storage `ref` and returns it converted to ref.type->dtype, holding exactly
// ref.numel * dtype_size(dtype) bytes. It must validate the record's size before allocating.
using StorageLoader = std::function<std::shared_ptr<Storage>(const StorageRef& ref)>;

struct StateDict {
  NamedTensors tensors;              // in the checkpoint's order; each owns its memory
  std::string location;              // where it was found: "" (top level), "state_dict", "model.state_dict", ...
  std::vector<std::string> ignored;  // names of non-tensor entries of that dict (e.g. "epoch")
};

// Finds the state dict in the checkpoint `p`: the top-level dict, or the first of the entries
// "state_dict", "model_state_dict", "model", "net", "network", "state" that holds tensors (nested up
// to 4 levels). Entries that are not tensors are skipped and listed in `ignored`; only storages
// that the chosen tensors use are loaded.
//   throws: fb::Error naming `where` when no dict of tensors is found, a tensor record is malformed
//           (bad size/stride/offset, out of the storage's bounds, unknown storage type), or two
//           tensors share a name.
StateDict extract_state_dict(const pickle::Pickle& p, const StorageLoader& load, const std::string& where);

// Allocates the storage for `ref` and fills it: `read_raw(dst, n)` must write the record's n raw
// bytes (n = ref.numel * file element size, already validated by the caller against the record),
// which are then converted to the loaded dtype (f16 -> f32, bool -> u8 checking 0/1).
std::shared_ptr<Storage> make_storage(const StorageRef& ref, const std::function<void(void*, uint64_t)>& read_raw,
                                      const std::string& where);
// The record size in bytes of `ref` in the file, or throws when it overflows.
uint64_t record_bytes(const StorageRef& ref, const std::string& where);

}  // namespace fb::checkpoint::torch_pickle
