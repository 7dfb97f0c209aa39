#pragma once
// Read-only access to the members of a zip archive (libzip underneath), with the size checks a
// reader of untrusted files needs. The header exposes no libzip type, so users of the runtime
// never need libzip's headers.
//
// Safety contract:
//   - Opening checks the archive's consistency (central directory against local headers).
//   - Every size the archive declares is checked before memory is allocated for it: a member is
//     read only if its declared size is at most `max_bytes`, stored members must not claim more
//     bytes than the file holds, and compressed members must not claim more than deflate's
//     maximum expansion of their compressed bytes (a "zip bomb" cannot make us allocate).
//   - Reading verifies the member's CRC-32, so damaged data is an error, not garbage.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fb::checkpoint {

class ZipReader {
 public:
  // Opens `path`.
  //   throws: fb::Error naming the file when it is missing, not a zip, or inconsistent.
  explicit ZipReader(const std::string& path);
  ~ZipReader();
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;

  const std::string& path() const { return path_; }
  uint64_t file_size() const { return file_size_; }

  // The member names, in the order of the central directory.
  std::vector<std::string> names() const;
  // Whether a member called `name` exists; if so its uncompressed size goes to *size.
  bool find(const std::string& name, uint64_t* size) const;
  // Reads member `name` whole into `dst`, which must hold exactly `expected` bytes.
  //   requires: `expected` equals the member's declared size (callers check it with find()).
  //   throws:   fb::Error when the member is missing, its sizes are implausible, its data is
  //             short or its CRC does not match.
  void read(const std::string& name, void* dst, uint64_t expected) const;
  // Reads member `name` into a string, refusing members larger than `max_bytes`.
  std::string read_string(const std::string& name, uint64_t max_bytes) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  uint64_t file_size_ = 0;
};

// True when the first bytes of the file at `path` are a zip local-file-header signature.
bool looks_like_zip(const std::string& path);

}  // namespace fb::checkpoint
