#pragma once
// Writing report files so that a reader never sees half of one: the bytes go
// to a temporary file in the same folder, which is then renamed over the target.
#include <string>

#include "facebench/data/image.h"

namespace fb::report {

// Throws fb::Error naming the path when the file cannot be written.
void write_file_atomic(const std::string& path, const std::string& bytes);
// PNG bytes of an 8-bit image (1 or 3 channels).
std::string encode_png(const data::Image8& image);

}  // namespace fb::report
