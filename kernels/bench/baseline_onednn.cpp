// oneDNN baseline: NHWC convolution primitives (forward, backward data,
// backward weights), or stubs when the build has no oneDNN.
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "kernels/bench/baselines.h"

#if defined(FB_BENCH_HAVE_ONEDNN)
#include <dnnl.hpp>
#endif

namespace fb::bench {

const char* conv_pass_name(ConvPass p) {
  switch (p) {
    case ConvPass::Forward: return "fwd";
    case ConvPass::BackwardData: return "bwd_data";
    default: return "bwd_weights";
  }
}

#if defined(FB_BENCH_HAVE_ONEDNN)

struct OnednnConv::State {
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream strm{eng};
  dnnl::primitive prim;
  std::unordered_map<int, dnnl::memory> args;
  std::string impl;
};

namespace {

dnnl::memory random_memory(const dnnl::memory::desc& md, const dnnl::engine& eng, unsigned seed) {
  dnnl::memory m(md, eng);
  float* p = static_cast<float*>(m.get_data_handle());
  const size_t n = md.get_size() / sizeof(float);
  unsigned s = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    s = s * 1664525u + 1013904223u;
    p[i] = float(int(s >> 9) % 2001 - 1000) * 1e-3f;
  }
  return m;
}

}  // namespace

OnednnConv::OnednnConv(const kernels::ConvGeom& g, ConvPass pass) : s_(std::make_unique<State>()) {
  using namespace dnnl;
  using dt = memory::data_type;
  using tag = memory::format_tag;
  if (g.p.groups != 1) throw std::runtime_error("bench: oneDNN baseline supports groups == 1 only");
  const memory::desc src({g.N, g.C, g.H, g.W}, dt::f32, tag::nhwc);
  const memory::desc dst({g.N, g.O, g.OH, g.OW}, dt::f32, tag::nhwc);
  const memory::desc wei({g.O, g.C, g.KH, g.KW}, dt::f32, tag::any);
  const memory::dims strides{g.p.stride_h, g.p.stride_w};
  const memory::dims dil{g.p.dilation_h - 1, g.p.dilation_w - 1};
  const memory::dims pad_l{g.p.pad_h, g.p.pad_w};
  // Right padding so that the output sizes match ours exactly.
  const memory::dims pad_r{(g.OH - 1) * g.p.stride_h + (g.KH - 1) * g.p.dilation_h + 1 - g.H - g.p.pad_h,
                           (g.OW - 1) * g.p.stride_w + (g.KW - 1) * g.p.dilation_w + 1 - g.W - g.p.pad_w};
  const convolution_forward::desc fd(prop_kind::forward_training, algorithm::convolution_direct, src, wei, dst,
                                     strides, dil, pad_l, pad_r);
  const convolution_forward::primitive_desc fpd(fd, s_->eng);
  auto& eng = s_->eng;
  if (pass == ConvPass::Forward) {
    s_->prim = convolution_forward(fpd);
    s_->impl = fpd.impl_info_str();
    s_->args = {{DNNL_ARG_SRC, random_memory(fpd.src_desc(), eng, 1)},
                {DNNL_ARG_WEIGHTS, random_memory(fpd.weights_desc(), eng, 2)},
                {DNNL_ARG_DST, memory(fpd.dst_desc(), eng)}};
  } else if (pass == ConvPass::BackwardData) {
    const convolution_backward_data::desc bd(algorithm::convolution_direct, src, wei, dst, strides, dil, pad_l,
                                             pad_r);
    const convolution_backward_data::primitive_desc bpd(bd, eng, fpd);
    s_->prim = convolution_backward_data(bpd);
    s_->impl = bpd.impl_info_str();
    s_->args = {{DNNL_ARG_DIFF_DST, random_memory(bpd.diff_dst_desc(), eng, 3)},
                {DNNL_ARG_WEIGHTS, random_memory(bpd.weights_desc(), eng, 4)},
                {DNNL_ARG_DIFF_SRC, memory(bpd.diff_src_desc(), eng)}};
  } else {
    const convolution_backward_weights::desc wd(algorithm::convolution_direct, src, wei, dst, strides, dil, pad_l,
                                                pad_r);
    const convolution_backward_weights::primitive_desc wpd(wd, eng, fpd);
    s_->prim = convolution_backward_weights(wpd);
    s_->impl = wpd.impl_info_str();
    s_->args = {{DNNL_ARG_SRC, random_memory(wpd.src_desc(), eng, 5)},
                {DNNL_ARG_DIFF_DST, random_memory(wpd.diff_dst_desc(), eng, 6)},
                {DNNL_ARG_DIFF_WEIGHTS, memory(wpd.diff_weights_desc(), eng)}};
  }
}

OnednnConv::~OnednnConv() = default;

void OnednnConv::run() {
  s_->prim.execute(s_->strm, s_->args);
  s_->strm.wait();
}

const char* OnednnConv::impl() const { return s_->impl.c_str(); }

bool onednn_available() { return true; }

#else

struct OnednnConv::State {};
OnednnConv::OnednnConv(const kernels::ConvGeom&, ConvPass) {
  throw std::runtime_error("bench: this build has no oneDNN (install libdnnl-dev and reconfigure)");
}
OnednnConv::~OnednnConv() = default;
void OnednnConv::run() {}
const char* OnednnConv::impl() const { return "none"; }
bool onednn_available() { return false; }

#endif

}  // namespace fb::bench
