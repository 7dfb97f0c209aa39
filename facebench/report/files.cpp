#include "facebench/report/files.h"

#include <stb_image_write.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tensor/error.h"

namespace fb::report {

void write_file_atomic(const std::string& path, const std::string& bytes) {
  // The process id keeps two writers of the same report from sharing a temporary.
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    FB_CHECK(f.good(), "report: cannot create '", tmp, "'");
    f.write(bytes.data(), std::streamsize(bytes.size()));
    f.close();
    if (!f.good()) {
      std::remove(tmp.c_str());
      FB_FAIL("report: cannot write '", tmp, "' (disk full?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    FB_FAIL("report: cannot rename '", tmp, "' to '", path, "': ", ec.message());
  }
}

std::string encode_png(const data::Image8& image) {
  FB_CHECK(image.channels == 1 || image.channels == 3, "report: PNG needs 1 or 3 channels, got ", image.channels);
  FB_CHECK(image.width > 0 && image.height > 0 &&
               image.px.size() == size_t(image.width) * image.height * image.channels,
           "report: image of ", image.width, "x", image.height, " has ", image.px.size(), " bytes");
  std::string out;
  auto sink = [](void* ctx, void* data, int size) {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), size_t(size));
  };
  const int ok = stbi_write_png_to_func(sink, &out, image.width, image.height, image.channels, image.px.data(),
                                        image.width * image.channels);
  FB_CHECK(ok && !out.empty(), "report: PNG encoding of a ", image.width, "x", image.height, " image failed");
  return out;
}

}  // namespace fb::report
