#include "nn/checkpoint/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "tensor/error.h"

namespace fb::checkpoint {

namespace {
// Writes everything, retrying on short writes and EINTR.
void write_all(int fd, const void* data, size_t n, const std::string& where, const std::string& tmp) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      FB_FAIL(where, "write to ", tmp, " failed: ", std::strerror(errno));
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}
}  // namespace

void write_file_atomically(const std::string& path, const std::vector<Chunk>& chunks, const std::string& where) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  FB_CHECK(fd >= 0, where, "cannot create ", tmp, ": ", std::strerror(errno));
  try {
    for (const Chunk& c : chunks)
      if (c.size > 0) write_all(fd, c.data, c.size, where, tmp);
    FB_CHECK(::fsync(fd) == 0, where, "fsync of ", tmp, " failed: ", std::strerror(errno));
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    FB_FAIL(where, "close of ", tmp, " failed: ", std::strerror(err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    FB_FAIL(where, "cannot rename ", tmp, " to ", path, ": ", std::strerror(err));
  }
  // Make the rename itself durable. Best effort: some file systems refuse fsync on directories.
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace fb::checkpoint
