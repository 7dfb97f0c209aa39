#pragma once
// Crash-safe file writing: the bytes go to `path + ".tmp"`, which is fsynced
// and then renamed over `path` (and the folder fsynced, where the file system
// allows). A crash at any moment leaves either the old file or the new one,
// never a half-written file at `path`.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace fb::checkpoint {

struct Chunk {
  const void* data;
  size_t size;
};

// Writes the chunks in order. Errors throw fb::Error starting with `where`.
void write_file_atomically(const std::string& path, const std::vector<Chunk>& chunks, const std::string& where);

}  // namespace fb::checkpoint
