// Fuzz target: the HDF5 readers. The input is one file, opened as COFW's
// MATLAB v7.3 COFW_test_color.mat and as an .h5 image store; every sample
// they accept is read (images dereferenced and decoded). Built without
// libhdf5, both refuse every input with fb::Error. Note: libhdf5 itself is not
// hardened against hostile files; a finding inside it is reported upstream,
// the inputs facebench passes it (sizes, references) are checked here.
#include "facebench/data/cofw.h"
#include "facebench/data/h5_images.h"
#include "fuzz_util.h"

// libhdf5 mallocs metadata blocks of the sizes a file claims (H5C_protect)
// and handles a NULL return as a read error. AddressSanitizer by default
// aborts on an allocation above its limit instead of returning NULL, which
// would report libhdf5's own checked allocation as a finding; let malloc
// return NULL as it does without ASan. Our code's operator new then throws
// std::bad_alloc, which this target does not catch, so an absurd allocation
// of facebench's own is still a finding.
extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string mat = fbfuzz::write_file("cofw/COFW_test_color.mat", data, size);
  const std::string h5 = fbfuzz::write_file("store.h5", data, size);
  fb::data::ProblemLog log(fb::data::OnError::Skip);
  log.set_quiet(true);
  try {
    fb::data::CofwDataset d(mat, "", log);
    for (int64_t i = 0; i < d.size() && i < 8; ++i) {
      try {
        fb::data::Sample s = d.get(i);
        FBFUZZ_REQUIRE(s.image.px.size() == size_t(s.image.width) * s.image.height * 3, "image buffer of ",
                       s.image.px.size(), " bytes for ", s.image.width, " x ", s.image.height);
        FBFUZZ_REQUIRE(s.landmarks.size() == 58 && s.values.size() == 29, "sample ", i, " has ", s.landmarks.size(),
                       " coordinates and ", s.values.size(), " flags");
      } catch (const fb::Error&) {
      }
    }
  } catch (const fb::Error&) {
  }
  try {
    fb::data::H5ImagesDataset d(h5, log);
    for (int64_t i = 0; i < d.size() && i < 8; ++i) {
      try {
        fbfuzz::keep(d.get(i).image.px.size());
      } catch (const fb::Error&) {
      }
    }
  } catch (const fb::Error&) {
  }
  return 0;
}
