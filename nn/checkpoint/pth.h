#pragma once
// Reading PyTorch checkpoints (torch.save files, usually .pth / .pt) without running any code.
//
// Two container formats are read:
//   zip (torch >= 1.6, the default):  <archive>/data.pkl        the pickled object
//                                     <archive>/data/<key>      one member per storage, raw
//                                                               little-endian elements
//                                     <archive>/byteorder       "little" (optional)
//                                     <archive>/version         format version (optional)
//   legacy (_use_new_zipfile_serialization=False): a stream of pickles (magic number, protocol
//                                     1001, system info, the object, the storage keys) followed by
//                                     each storage as int64 element count + raw bytes.
// The pickle is read by the restricted unpickler (unpickler.h): only the globals that make up a
// state dict are accepted (tensor/parameter rebuild functions, storage classes, OrderedDict), and
// nothing is ever imported or called. See nn/checkpoint/README.md for the security model.
#include <string>
#include <vector>

#include "nn/checkpoint/safetensors.h"

namespace fb::checkpoint {

struct PthCheckpoint {
  NamedTensors tensors;              // the state dict, in the file's order
  std::string format;                // "zip" or "legacy"
  std::string location;              // where the state dict was: "" (top level), "state_dict", "model", ...
  std::vector<std::string> ignored;  // names of the non-tensor entries next to the tensors
};

// Reads the state dict of the PyTorch checkpoint at `path`.
//   ensures: every tensor is a CPU tensor that owns its memory (views and shared storages in the
//            file are copied apart), with dtype f32 (from float and half), f64, bf16, i64, i32 or u8
//            (from uint8 and bool). Every size is validated against the file before memory is
//            allocated for it.
//   throws:  fb::Error naming the file and the problem: not a PyTorch checkpoint, damaged or
//            truncated archive or stream, a refused global or opcode (named), a malformed tensor
//            record, no dict of tensors found, duplicate names.
PthCheckpoint read_pth(const std::string& path);

// read_pth(path).tensors, with `strip_prefix` removed from the names (see strip_prefix()).
NamedTensors load_pth(const std::string& path, const std::string& strip_prefix = "");

}  // namespace fb::checkpoint
