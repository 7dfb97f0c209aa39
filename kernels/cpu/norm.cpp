#include "kernels/cpu/norm.h"
#include "kernels/cpu/bit_select.h"
#include "kernels/cpu/profile.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace fb::kernels::cpu {
namespace {

// Below this many elements a kernel runs on the calling thread: the fork/join
// costs more than the work.
constexpr int64_t kParallelMin = 16384;

// Sums per-column quantities over the rows of a [rows, C] layout.
// body(r0, r1, acc) adds the contribution of rows [r0, r1) into acc[0, width).
// Rows are cut into a number of blocks that depends only on `rows` (not on
// the thread count), and block partials are added in block order: the
// result is the same bit for bit however many threads run. Each block sums
// into its own local buffer, so threads never write the same cache lines.
template <typename Body>
void reduce_rows(int64_t rows, int64_t width, double* out, Body body) {
  constexpr int64_t kRowsPerBlock = 16, kMaxBlocks = 256;
  const int64_t mem_cap = std::max<int64_t>(1, (int64_t{1} << 20) / std::max<int64_t>(width, 1));
  const int64_t nblocks = std::clamp<int64_t>(rows / kRowsPerBlock, 1, std::min(kMaxBlocks, mem_cap));
  std::vector<double> partial(static_cast<size_t>(nblocks * width));
#pragma omp parallel for schedule(static) if (nblocks > 1 && rows * width >= kParallelMin)
  for (int64_t b = 0; b < nblocks; ++b) {
    std::vector<double> acc(static_cast<size_t>(width), 0.0);
    body(rows * b / nblocks, rows * (b + 1) / nblocks, acc.data());
    std::copy(acc.begin(), acc.end(), partial.begin() + b * width);
  }
  std::fill(out, out + width, 0.0);
  for (int64_t b = 0; b < nblocks; ++b) {
    const double* p = partial.data() + b * width;
#pragma omp simd
    for (int64_t w = 0; w < width; ++w) out[w] += p[w];
  }
}

// gamma/beta (possibly null) as double vectors, so the inner loops need no branch.
template <typename T>
std::vector<double> param_or(const T* p, int64_t n, double fallback) {
  std::vector<double> v(static_cast<size_t>(n), fallback);
  if (p)
    for (int64_t i = 0; i < n; ++i) v[i] = p[i];
  return v;
}

// dy where the ReLU output y is positive, else +0 (as activation_backward);
// bit_select.h says why not a plain ?:.
template <typename T>
inline T relu_masked(T dy, T y) {
  return select_bits(y > T(0), dy, T(0));
}

// y[r, c] = (x[r, c] - sub[c]) * mul[c] + add[c], computed in double.
template <typename T>
void affine_columns(const T* x, int64_t rows, int64_t C, const double* sub, const double* mul, const double* add,
                    T* y) {
#pragma omp parallel for schedule(static) if (rows * C >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * C;
    T* yr = y + r * C;
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) yr[c] = static_cast<T>((xr[c] - sub[c]) * mul[c] + add[c]);
  }
}

// y = relu?((x - sub) * mul + add + residual?) per column: batch norm's write
// pass with the ReLU and the residual add of a ResNet block fused in. The
// normalised value is rounded to T before the add and the ReLU, as the
// unfused ops would do, so both paths give the same bits.
template <typename T>
void affine_add_relu(const T* x, int64_t rows, int64_t C, const double* sub, const double* mul, const double* add,
                     const T* residual, bool relu, T* y) {
  if (!residual && !relu) {
    affine_columns(x, rows, C, sub, mul, add, y);
    return;
  }
#pragma omp parallel for schedule(static) if (rows * C >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * C;
    const T* rr = residual ? residual + r * C : nullptr;
    T* yr = y + r * C;
    // NaN stays NaN through the ReLU, as in activation_forward.
    if (rr) {
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) {
        const T v = static_cast<T>((xr[c] - sub[c]) * mul[c] + add[c]) + rr[c];
        yr[c] = select_bits(relu && v < T(0), T(0), v);
      }
    } else {
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) {
        const T v = static_cast<T>((xr[c] - sub[c]) * mul[c] + add[c]);
        yr[c] = select_bits(relu && v < T(0), T(0), v);
      }
    }
  }
}

}  // namespace

template <typename T>
void batch_norm_forward_train(const T* x, const T* gamma, const T* beta, int64_t rows, int64_t C, double eps,
                              T* y, T* mean, T* invstd, const T* residual, bool relu) {
  ProfileScope prof_("batch_norm_forward_train");
  // One pass for both moments. Sums of x - K with K the first row keep the
  // variance free of the cancellation of E[x^2] - E[x]^2 when |mean| >> std.
  std::vector<double> shift(x, x + C);
  std::vector<double> sums(static_cast<size_t>(2 * C));
  const double* K = shift.data();
  reduce_rows(rows, 2 * C, sums.data(), [&](int64_t r0, int64_t r1, double* acc) {
    double* s1 = acc;
    double* s2 = acc + C;
    for (int64_t r = r0; r < r1; ++r) {
      const T* xr = x + r * C;
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) {
        const double d = xr[c] - K[c];
        s1[c] += d;
        s2[c] += d * d;
      }
    }
  });
  const double M = static_cast<double>(rows);
  std::vector<double> m(static_cast<size_t>(C)), scale = param_or(gamma, C, 1.0), b = param_or(beta, C, 0.0);
  for (int64_t c = 0; c < C; ++c) {
    const double dm = sums[c] / M;
    const double var = std::max(sums[C + c] / M - dm * dm, 0.0);
    const double is = 1.0 / std::sqrt(var + eps);
    m[c] = K[c] + dm;
    scale[c] *= is;
    mean[c] = static_cast<T>(m[c]);
    invstd[c] = static_cast<T>(is);
  }
  affine_add_relu(x, rows, C, m.data(), scale.data(), b.data(), residual, relu, y);
}

template <typename T>
void batch_norm_forward_eval(const T* x, const T* gamma, const T* beta, const T* running_mean,
                             const T* running_var, int64_t rows, int64_t C, double eps, T* y, const T* residual,
                             bool relu) {
  ProfileScope prof_("batch_norm_forward_eval");
  std::vector<double> m(running_mean, running_mean + C), scale = param_or(gamma, C, 1.0),
      b = param_or(beta, C, 0.0);
  for (int64_t c = 0; c < C; ++c) scale[c] /= std::sqrt(static_cast<double>(running_var[c]) + eps);
  affine_add_relu(x, rows, C, m.data(), scale.data(), b.data(), residual, relu, y);
}

template <typename T>
void batch_norm_backward(const T* dy, const T* x, const T* gamma, const T* mean, const T* invstd, int64_t rows,
                         int64_t C, T* dx, T* dgamma, T* dbeta, const T* relu_out, T* dz) {
  ProfileScope prof_("batch_norm_backward");
  std::vector<double> m(mean, mean + C), is(invstd, invstd + C);
  std::vector<double> sums(static_cast<size_t>(2 * C));
  const double* mp = m.data();
  // sum dy and sum dy * (x - mean), per channel.
  reduce_rows(rows, 2 * C, sums.data(), [&](int64_t r0, int64_t r1, double* acc) {
    double* sdy = acc;
    double* sdx = acc + C;
    for (int64_t r = r0; r < r1; ++r) {
      const T* dyr = dy + r * C;
      const T* xr = x + r * C;
      if (relu_out) {
        const T* yr = relu_out + r * C;
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) {
          const double g = relu_masked(dyr[c], yr[c]);
          sdy[c] += g;
          sdx[c] += g * (xr[c] - mp[c]);
        }
        continue;
      }
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) {
        const double g = dyr[c];
        sdy[c] += g;
        sdx[c] += g * (xr[c] - mp[c]);
      }
    }
  });
  // dx = gamma*invstd * (dy - sum_dy/M - (x - mean) * invstd^2 * sum_dy_xmu/M)
  const double M = static_cast<double>(rows);
  std::vector<double> a = param_or(gamma, C, 1.0), bias(static_cast<size_t>(C)), k(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) {
    a[c] *= is[c];
    bias[c] = sums[c] / M;
    k[c] = is[c] * is[c] * sums[C + c] / M;
    dgamma[c] = static_cast<T>(sums[C + c] * is[c]);
    dbeta[c] = static_cast<T>(sums[c]);
  }
  const double *ap = a.data(), *bp = bias.data(), *kp = k.data();
#pragma omp parallel for schedule(static) if (rows * C >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const T* dyr = dy + r * C;
    const T* xr = x + r * C;
    T* dxr = dx + r * C;
    if (!relu_out) {
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) dxr[c] = static_cast<T>(ap[c] * (dyr[c] - bp[c] - (xr[c] - mp[c]) * kp[c]));
      continue;
    }
    // The ReLU mask: the gradient passes where the fused output is positive.
    const T* yr = relu_out + r * C;
    if (dz) {
      T* dzr = dz + r * C;
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) {
        const T g = relu_masked(dyr[c], yr[c]);
        dzr[c] = g;
        dxr[c] = static_cast<T>(ap[c] * (g - bp[c] - (xr[c] - mp[c]) * kp[c]));
      }
    } else {
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) {
        const T g = relu_masked(dyr[c], yr[c]);
        dxr[c] = static_cast<T>(ap[c] * (g - bp[c] - (xr[c] - mp[c]) * kp[c]));
      }
    }
  }
}

template <typename T>
void layer_norm_forward(const T* x, const T* gamma, const T* beta, int64_t rows, int64_t D, double eps, T* y,
                        T* mean, T* rstd) {
  const std::vector<double> g = param_or(gamma, D, 1.0), b = param_or(beta, D, 0.0);
  const double *gp = g.data(), *bp = b.data();
  const double Dd = static_cast<double>(D);
#pragma omp parallel for schedule(static) if (rows * D >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * D;
    T* yr = y + r * D;
    // Two passes over a row that sits in cache: exact centring for free.
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t j = 0; j < D; ++j) s += xr[j];
    const double m = s / Dd;
    double ss = 0;
#pragma omp simd reduction(+ : ss)
    for (int64_t j = 0; j < D; ++j) ss += (xr[j] - m) * (xr[j] - m);
    const double rs = 1.0 / std::sqrt(ss / Dd + eps);
#pragma omp simd
    for (int64_t j = 0; j < D; ++j) yr[j] = static_cast<T>((xr[j] - m) * rs * gp[j] + bp[j]);
    mean[r] = static_cast<T>(m);
    rstd[r] = static_cast<T>(rs);
  }
}

template <typename T>
void layer_norm_backward(const T* dy, const T* x, const T* gamma, const T* mean, const T* rstd, int64_t rows,
                         int64_t D, T* dx, T* dgamma, T* dbeta) {
  const std::vector<double> g = param_or(gamma, D, 1.0);
  const double* gp = g.data();
  const double Dd = static_cast<double>(D);
  // dx, row by row: rstd/D * (D*dxhat - sum dxhat - xhat * sum dxhat*xhat).
#pragma omp parallel for schedule(static) if (rows * D >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const T* dyr = dy + r * D;
    const T* xr = x + r * D;
    T* dxr = dx + r * D;
    const double m = mean[r], rs = rstd[r];
    double sg = 0, sgx = 0;
#pragma omp simd reduction(+ : sg, sgx)
    for (int64_t j = 0; j < D; ++j) {
      const double gj = dyr[j] * gp[j];
      sg += gj;
      sgx += gj * (xr[j] - m) * rs;
    }
#pragma omp simd
    for (int64_t j = 0; j < D; ++j)
      dxr[j] = static_cast<T>(rs / Dd * (Dd * dyr[j] * gp[j] - sg - (xr[j] - m) * rs * sgx));
  }
  // dgamma, dbeta: column sums over rows, as in batch norm.
  std::vector<double> sums(static_cast<size_t>(2 * D));
  reduce_rows(rows, 2 * D, sums.data(), [&](int64_t r0, int64_t r1, double* acc) {
    double* sdg = acc;
    double* sdb = acc + D;
    for (int64_t r = r0; r < r1; ++r) {
      const T* dyr = dy + r * D;
      const T* xr = x + r * D;
      const double m = mean[r], rs = rstd[r];
#pragma omp simd
      for (int64_t j = 0; j < D; ++j) {
        sdg[j] += dyr[j] * ((xr[j] - m) * rs);
        sdb[j] += dyr[j];
      }
    }
  });
  for (int64_t j = 0; j < D; ++j) {
    dgamma[j] = static_cast<T>(sums[j]);
    dbeta[j] = static_cast<T>(sums[D + j]);
  }
}

#define FB_INSTANTIATE_NORM(T)                                                                               \
  template void batch_norm_forward_train<T>(const T*, const T*, const T*, int64_t, int64_t, double, T*, T*,  \
                                            T*, const T*, bool);                                             \
  template void batch_norm_forward_eval<T>(const T*, const T*, const T*, const T*, const T*, int64_t, int64_t, \
                                           double, T*, const T*, bool);                                      \
  template void batch_norm_backward<T>(const T*, const T*, const T*, const T*, const T*, int64_t, int64_t, T*, \
                                       T*, T*, const T*, T*);                                                \
  template void layer_norm_forward<T>(const T*, const T*, const T*, int64_t, int64_t, double, T*, T*, T*);    \
  template void layer_norm_backward<T>(const T*, const T*, const T*, const T*, const T*, int64_t, int64_t, T*, \
                                       T*, T*);
FB_INSTANTIATE_NORM(float)
FB_INSTANTIATE_NORM(double)
#undef FB_INSTANTIATE_NORM

}  // namespace fb::kernels::cpu
