#pragma once
// Reference (oracle) kernels for batch norm and layer norm on contiguous raw
// buffers. Plain loops, every sum accumulated in double, variance by two
// passes (mean first, then centred squares): slow but easy to trust.
//
// Layouts: x is [rows, C] row-major. Batch norm normalises each column
// (channel = last dim, statistics over all rows); layer norm each row.
// gamma/beta may be null, meaning gamma = 1 and beta = 0.
#include <cmath>
#include <cstdint>
#include <vector>

namespace fb::kernels::ref {

// Training-mode batch norm: per-channel batch mean and 1/sqrt(biased var + eps).
template <typename T>
void batch_norm_forward_train(const T* x, const T* gamma, const T* beta, int64_t rows, int64_t C, double eps,
                              T* y, T* mean, T* invstd) {
  for (int64_t c = 0; c < C; ++c) {
    double s = 0;
    for (int64_t r = 0; r < rows; ++r) s += x[r * C + c];
    const double m = s / static_cast<double>(rows);
    double ss = 0;
    for (int64_t r = 0; r < rows; ++r) {
      const double d = x[r * C + c] - m;
      ss += d * d;
    }
    const double var = ss / static_cast<double>(rows);  // biased, as PyTorch normalises with
    const double is = 1.0 / std::sqrt(var + eps);
    const double g = gamma ? static_cast<double>(gamma[c]) : 1.0;
    const double b = beta ? static_cast<double>(beta[c]) : 0.0;
    for (int64_t r = 0; r < rows; ++r) y[r * C + c] = static_cast<T>((x[r * C + c] - m) * is * g + b);
    mean[c] = static_cast<T>(m);
    invstd[c] = static_cast<T>(is);
  }
}

template <typename T>
void batch_norm_forward_eval(const T* x, const T* gamma, const T* beta, const T* running_mean,
                             const T* running_var, int64_t rows, int64_t C, double eps, T* y) {
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < C; ++c) {
      const double is = 1.0 / std::sqrt(static_cast<double>(running_var[c]) + eps);
      const double g = gamma ? static_cast<double>(gamma[c]) : 1.0;
      const double b = beta ? static_cast<double>(beta[c]) : 0.0;
      y[r * C + c] = static_cast<T>((x[r * C + c] - static_cast<double>(running_mean[c])) * is * g + b);
    }
  }
}

// Backward of the training-mode forward. With xhat = (x - mean) * invstd and
// M = rows:  dbeta = sum dy,  dgamma = sum dy * xhat,
//            dx = gamma * invstd / M * (M * dy - dbeta - xhat * dgamma)
// (the last two terms are the gradient flowing through mean and variance).
template <typename T>
void batch_norm_backward(const T* dy, const T* x, const T* gamma, const T* mean, const T* invstd, int64_t rows,
                         int64_t C, T* dx, T* dgamma, T* dbeta) {
  const double M = static_cast<double>(rows);
  for (int64_t c = 0; c < C; ++c) {
    const double m = mean[c], is = invstd[c];
    double sdy = 0, sdy_xhat = 0;
    for (int64_t r = 0; r < rows; ++r) {
      sdy += dy[r * C + c];
      sdy_xhat += static_cast<double>(dy[r * C + c]) * (x[r * C + c] - m) * is;
    }
    const double g = gamma ? static_cast<double>(gamma[c]) : 1.0;
    for (int64_t r = 0; r < rows; ++r) {
      const double xhat = (x[r * C + c] - m) * is;
      dx[r * C + c] = static_cast<T>(g * is / M * (M * dy[r * C + c] - sdy - xhat * sdy_xhat));
    }
    dgamma[c] = static_cast<T>(sdy_xhat);
    dbeta[c] = static_cast<T>(sdy);
  }
}

// Layer norm over the last dim D of x [rows, D]: per-row mean and
// rstd = 1/sqrt(biased var + eps); gamma/beta are [D].
template <typename T>
void layer_norm_forward(const T* x, const T* gamma, const T* beta, int64_t rows, int64_t D, double eps, T* y,
                        T* mean, T* rstd) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * D;
    double s = 0;
    for (int64_t j = 0; j < D; ++j) s += xr[j];
    const double m = s / static_cast<double>(D);
    double ss = 0;
    for (int64_t j = 0; j < D; ++j) ss += (xr[j] - m) * (xr[j] - m);
    const double rs = 1.0 / std::sqrt(ss / static_cast<double>(D) + eps);
    for (int64_t j = 0; j < D; ++j) {
      const double g = gamma ? static_cast<double>(gamma[j]) : 1.0;
      const double b = beta ? static_cast<double>(beta[j]) : 0.0;
      y[r * D + j] = static_cast<T>((xr[j] - m) * rs * g + b);
    }
    mean[r] = static_cast<T>(m);
    rstd[r] = static_cast<T>(rs);
  }
}

// With g = dy * gamma (the gradient w.r.t. xhat):
//   dx = rstd / D * (D * g - sum_j g - xhat * sum_j g * xhat)
//   dgamma = sum_rows dy * xhat,  dbeta = sum_rows dy.
template <typename T>
void layer_norm_backward(const T* dy, const T* x, const T* gamma, const T* mean, const T* rstd, int64_t rows,
                         int64_t D, T* dx, T* dgamma, T* dbeta) {
  const double Dd = static_cast<double>(D);
  std::vector<double> dg(static_cast<size_t>(D), 0.0), db(static_cast<size_t>(D), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const double m = mean[r], rs = rstd[r];
    double sg = 0, sgx = 0;
    for (int64_t j = 0; j < D; ++j) {
      const double xhat = (x[r * D + j] - m) * rs;
      const double g = static_cast<double>(dy[r * D + j]) * (gamma ? static_cast<double>(gamma[j]) : 1.0);
      sg += g;
      sgx += g * xhat;
      dg[j] += static_cast<double>(dy[r * D + j]) * xhat;
      db[j] += dy[r * D + j];
    }
    for (int64_t j = 0; j < D; ++j) {
      const double xhat = (x[r * D + j] - m) * rs;
      const double g = static_cast<double>(dy[r * D + j]) * (gamma ? static_cast<double>(gamma[j]) : 1.0);
      dx[r * D + j] = static_cast<T>(rs / Dd * (Dd * g - sg - xhat * sgx));
    }
  }
  for (int64_t j = 0; j < D; ++j) {
    dgamma[j] = static_cast<T>(dg[j]);
    dbeta[j] = static_cast<T>(db[j]);
  }
}

}  // namespace fb::kernels::ref
