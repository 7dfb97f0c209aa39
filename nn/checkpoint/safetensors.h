#pragma once
// Reading and writing the safetensors format (https://github.com/huggingface/safetensors).
//
// Layout of a file:
//   8 bytes   N, unsigned little-endian 64-bit: the length of the header
//   N bytes   UTF-8 JSON object, starting with '{', possibly padded at the end with spaces:
//               {"__metadata__": {"key": "value", ...},          (optional, str -> str)
//                "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
//   rest      the byte buffer; offsets are relative to its start, data is little-endian, C order.
// The buffer must be covered exactly by the tensors' byte ranges: no overlaps and no holes.
//
// DType mapping:
//   F32, F64, BF16, I32, I64, U8   load as f32, f64, bf16, i32, i64, u8 unchanged.
//   F16                            loads as f32 (exactly: every half is representable), since the
//                                  runtime has no f16 dtype. Saving never writes F16.
//   BOOL                           loads as u8 holding 0 or 1.
//   anything else (I8, U16, F8_*, ...) is rejected with an error naming the dtype.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace fb::checkpoint {

// Tensors in a fixed order, names unique.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Writes `tensors` (in this order, each made contiguous, moved to the CPU if needed) and the
// optional string metadata to `path`.
//   requires: names are unique, non-empty, valid UTF-8 and not "__metadata__"; every tensor is
//             defined.
//   ensures:  `path` holds either its old content or the complete new file: the data is written
//             to `path + ".tmp"`, flushed to disk with fsync, then renamed over `path`.
//   throws:   fb::Error naming the file and the problem (bad names, I/O failure).
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Reads every tensor of the safetensors file at `path`, in the order of their data in the file.
// When `metadata` is given it receives the "__metadata__" entries (cleared first).
//   ensures: the header is validated in full before any tensor memory is allocated, and every
//            allocation is bounded by the file's size, so malformed or hostile files cannot crash
//            the process or make it over-allocate.
//   throws:  fb::Error naming the file and the problem: missing/unreadable file, file too short,
//            header length past the end of the file or over 100 MB, invalid JSON, a missing or
//            ill-typed field, unknown or unsupported dtype, bad shape, a byte range whose size
//            does not match the shape, a range past the buffer end, overlapping ranges, holes or
//            trailing bytes in the buffer, duplicate names.
NamedTensors load_safetensors(const std::string& path,
                              std::map<std::string, std::string>* metadata = nullptr);

}  // namespace fb::checkpoint
