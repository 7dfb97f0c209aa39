#include "nn/checkpoint/zip_reader.h"

#if defined(FB_HAVE_LIBZIP)
#include <zip.h>
#endif

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "tensor/error.h"

namespace fb::checkpoint {

#if defined(FB_HAVE_LIBZIP)
namespace {

// Deflate cannot expand data by more than about 1032:1; a member that claims more is hostile.
constexpr uint64_t kMaxDeflateRatio = 1032;

std::string zip_error_text(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string s = zip_error_strerror(&e);
  zip_error_fini(&e);
  return s;
}

}  // namespace

struct ZipReader::Impl {
  zip_t* za = nullptr;
  ~Impl() {
    if (za) zip_discard(za);  // read-only: nothing to write back
  }
};

ZipReader::ZipReader(const std::string& path) : impl_(std::make_unique<Impl>()), path_(path) {
  std::error_code ec;
  FB_CHECK(std::filesystem::is_regular_file(path, ec), "zip: ", path, ": file not found or not a regular file");
  file_size_ = std::filesystem::file_size(path, ec);
  FB_CHECK(!ec, "zip: ", path, ": cannot get the file size: ", ec.message());
  int err = 0;
  // ZIP_CHECKCONS: cross-check the central directory against the local headers on open.
  impl_->za = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err);
  FB_CHECK(impl_->za != nullptr, "zip: ", path, ": not a readable zip archive (", zip_error_text(err), ")");
}

ZipReader::~ZipReader() = default;

std::vector<std::string> ZipReader::names() const {
  std::vector<std::string> out;
  const zip_int64_t n = zip_get_num_entries(impl_->za, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    const char* name = zip_get_name(impl_->za, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_RAW);
    if (name) out.emplace_back(name);
  }
  return out;
}

// Looks up member `name` and checks that its declared sizes are plausible, so that callers may
// allocate what it declares. Returns its index, or -1 when there is no such member.
static zip_int64_t stat_member(zip_t* za, const std::string& where, uint64_t file_size, const std::string& name,
                               zip_stat_t* st) {
  const zip_int64_t idx = zip_name_locate(za, name.c_str(), ZIP_FL_ENC_RAW);
  if (idx < 0) return -1;
  zip_stat_init(st);
  FB_CHECK(zip_stat_index(za, static_cast<zip_uint64_t>(idx), 0, st) == 0, where, "cannot read its directory entry");
  const zip_uint64_t need = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD;
  FB_CHECK((st->valid & need) == need, where, "incomplete directory entry");
  if ((st->valid & ZIP_STAT_ENCRYPTION_METHOD) && st->encryption_method != ZIP_EM_NONE)
    FB_FAIL(where, "is encrypted");
  FB_CHECK(st->comp_size <= file_size, where, "claims ", st->comp_size, " compressed bytes but the file has ",
           file_size);
  if (st->comp_method == ZIP_CM_STORE) {
    FB_CHECK(st->size == st->comp_size, where, "is stored uncompressed but its sizes differ (", st->size, " vs ",
             st->comp_size, ")");
  } else if (st->comp_method == ZIP_CM_DEFLATE) {
    FB_CHECK(st->size <= st->comp_size * kMaxDeflateRatio + 1024, where, "claims ", st->size, " bytes from ",
             st->comp_size, " compressed bytes: more than deflate can expand to");
  } else {
    FB_FAIL(where, "uses compression method ", st->comp_method, "; only stored and deflated members are read");
  }
  return idx;
}

bool ZipReader::find(const std::string& name, uint64_t* size) const {
  zip_stat_t st;
  const zip_int64_t idx = stat_member(impl_->za, "zip: " + path_ + ": member '" + name + "': ", file_size_, name, &st);
  if (idx < 0) return false;
  if (size) *size = st.size;
  return true;
}

void ZipReader::read(const std::string& name, void* dst, uint64_t expected) const {
  const std::string where = "zip: " + path_ + ": member '" + name + "': ";
  zip_stat_t st;
  const zip_int64_t idx = stat_member(impl_->za, where, file_size_, name, &st);
  FB_CHECK(idx >= 0, where, "not found");
  FB_CHECK(st.size == expected, where, "holds ", st.size, " bytes, expected ", expected);

  zip_file_t* zf = zip_fopen_index(impl_->za, static_cast<zip_uint64_t>(idx), 0);
  FB_CHECK(zf != nullptr, where, "cannot open: ", zip_strerror(impl_->za));
  // libzip verifies the CRC when the member has been read to its end, so read one byte past it:
  // a mismatch or short data surfaces as an error from zip_fread.
  char* p = static_cast<char*>(dst);
  uint64_t got = 0;
  std::string error;
  while (got < expected) {
    const zip_uint64_t chunk = std::min<uint64_t>(expected - got, 1u << 26);
    const zip_int64_t r = zip_fread(zf, p + got, chunk);
    if (r < 0) {
      error = zip_file_strerror(zf);
      break;
    }
    if (r == 0) break;
    got += static_cast<uint64_t>(r);
  }
  if (error.empty() && got == expected) {
    char extra;
    const zip_int64_t r = zip_fread(zf, &extra, 1);
    if (r < 0) error = zip_file_strerror(zf);
    else if (r > 0) error = "more data than its declared size";
  }
  zip_fclose(zf);
  FB_CHECK(error.empty(), where, "damaged data (", error, ")");
  FB_CHECK(got == expected, where, "truncated: read ", got, " of ", expected, " bytes");
}

#else  // built without libzip: the archive cannot be opened; say what is missing.

struct ZipReader::Impl {};

ZipReader::ZipReader(const std::string& path) : path_(path) {
  FB_FAIL("zip: ", path, ": this build cannot read zip archives (PyTorch .pth checkpoints): it was configured "
          "without libzip (apt-get install libzip-dev, then configure again)");
}
ZipReader::~ZipReader() = default;
// Unreachable: no ZipReader is ever constructed without libzip.
std::vector<std::string> ZipReader::names() const { return {}; }
bool ZipReader::find(const std::string&, uint64_t*) const { return false; }
void ZipReader::read(const std::string& name, void*, uint64_t) const {
  FB_FAIL("zip: ", path_, ": cannot read member '", name, "' without libzip");
}

#endif

std::string ZipReader::read_string(const std::string& name, uint64_t max_bytes) const {
  uint64_t size = 0;
  FB_CHECK(find(name, &size), "zip: ", path_, ": member '", name, "' not found");
  FB_CHECK(size <= max_bytes, "zip: ", path_, ": member '", name, "' declares ", size,
           " bytes, over the limit of ", max_bytes);
  std::string out(size, '\0');
  read(name, out.data(), size);
  return out;
}

bool looks_like_zip(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char sig[4] = {0, 0, 0, 0};
  f.read(sig, 4);
  return f.gcount() == 4 && sig[0] == 'P' && sig[1] == 'K' && sig[2] == 3 && sig[3] == 4;
}

}  // namespace fb::checkpoint
