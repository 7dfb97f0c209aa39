#pragma once
// Reading and writing NumPy .npy files (format versions 1.0, 2.0 and 3.0).
//
// Layout: the magic "\x93NUMPY", two bytes of version (major, minor), the header length (u16
// little-endian for 1.0, u32 for 2.0 and 3.0), then the header: a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and ending in '\n', then the raw array data.
//
// Supported descr values and the dtype they load as:
//   '<f4' f32, '<f8' f64, '<i4' i32, '<i8' i64, '|u1' (or '<u1') u8, '|b1' u8 (0 or 1),
//   '<f2' f32 (exact conversion; the runtime has no f16 dtype).
// Big-endian ('>') data, structured dtypes and every other type are rejected with an error.
// Arrays stored in Fortran order are loaded and returned C-contiguous.

#include <string>

#include "tensor/tensor.h"

namespace fb::checkpoint {

// Reads the array in `path` as a C-contiguous CPU tensor.
//   ensures: the header is validated before the data is allocated, and the allocation is bounded
//            by the file size, so a malformed file cannot crash the process or over-allocate.
//   throws:  fb::Error naming the file and the problem: missing file, bad magic, unknown version,
//            truncated header or data, malformed header dict, unsupported or big-endian dtype,
//            bad shape, trailing bytes after the data.
Tensor load_npy(const std::string& path);

// Writes `t` (made contiguous, moved to the CPU if needed) as a C-order .npy file, version 1.0
// (2.0 when the header needs more than 65535 bytes).
//   requires: dtype is f32, f64, i32, i64 or u8 (NumPy has no bfloat16: convert with .to()).
//   ensures:  `path` holds its old content or the complete new file (written to `path + ".tmp"`,
//             fsync'ed, renamed).
void save_npy(const std::string& path, const Tensor& t);

}  // namespace fb::checkpoint
