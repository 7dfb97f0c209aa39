#pragma once
// strided_loop: visits every element of a shape for N operands with their own
// strides (0 for broadcast dimensions). Dimensions that are contiguous for
// every operand are merged first; the work is split over OpenMP threads by
// rows of the innermost dimension. The body receives the element offset of
// each operand at the start of a row, the row length and the inner strides:
//   body(const std::array<int64_t, N>& offsets, int64_t n, const std::array<int64_t, N>& inner)
#include <omp.h>

#include <array>
#include <cstdint>
#include <vector>

namespace fb::detail {

template <size_t N, typename Body>
void strided_loop(const std::vector<int64_t>& shape, const std::array<std::vector<int64_t>, N>& strides,
                  const std::array<int64_t, N>& base, Body&& body, int64_t min_parallel = 32768) {
  // Drop size-1 dims and merge dims that are contiguous for all operands.
  std::vector<int64_t> sz;
  std::array<std::vector<int64_t>, N> st;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (shape[d] == 0) return;
    bool merge = !sz.empty();
    for (size_t k = 0; k < N && merge; ++k) merge = st[k].back() == strides[k][d] * shape[d];
    if (merge) {
      sz.back() *= shape[d];
      for (size_t k = 0; k < N; ++k) st[k].back() = strides[k][d];
    } else {
      sz.push_back(shape[d]);
      for (size_t k = 0; k < N; ++k) st[k].push_back(strides[k][d]);
    }
  }
  if (sz.empty()) {  // a single element
    sz.push_back(1);
    for (size_t k = 0; k < N; ++k) st[k].push_back(0);
  }
  const int nd = static_cast<int>(sz.size());
  const int64_t n_inner = sz[nd - 1];
  std::array<int64_t, N> inner;
  for (size_t k = 0; k < N; ++k) inner[k] = st[k][nd - 1];
  int64_t rows = 1;
  for (int d = 0; d < nd - 1; ++d) rows *= sz[d];

  auto run_rows = [&](int64_t r0, int64_t r1) {
    if (r0 >= r1) return;
    // Multi-index of row r0 over the outer dims.
    std::vector<int64_t> idx(nd > 1 ? nd - 1 : 1, 0);
    int64_t r = r0;
    for (int d = nd - 2; d >= 0; --d) {
      idx[d] = r % sz[d];
      r /= sz[d];
    }
    std::array<int64_t, N> off = base;
    for (int d = 0; d < nd - 1; ++d)
      for (size_t k = 0; k < N; ++k) off[k] += idx[d] * st[k][d];
    for (int64_t row = r0; row < r1; ++row) {
      body(off, n_inner, inner);
      // Advance the outer multi-index by one (odometer).
      for (int d = nd - 2; d >= 0; --d) {
        ++idx[d];
        for (size_t k = 0; k < N; ++k) off[k] += st[k][d];
        if (idx[d] < sz[d]) break;
        for (size_t k = 0; k < N; ++k) off[k] -= st[k][d] * sz[d];
        idx[d] = 0;
      }
    }
  };

  if (rows * n_inner < min_parallel || omp_in_parallel()) {
    run_rows(0, rows);
    return;
  }
  if (rows == 1) {  // one long row: split it
#pragma omp parallel
    {
      int nt = omp_get_num_threads(), t = omp_get_thread_num();
      int64_t chunk = (n_inner + nt - 1) / nt;
      int64_t i0 = t * chunk, i1 = i0 + chunk < n_inner ? i0 + chunk : n_inner;
      if (i0 < i1) {
        std::array<int64_t, N> off = base;
        for (size_t k = 0; k < N; ++k) off[k] += i0 * inner[k];
        body(off, i1 - i0, inner);
      }
    }
    return;
  }
#pragma omp parallel
  {
    int nt = omp_get_num_threads(), t = omp_get_thread_num();
    int64_t chunk = (rows + nt - 1) / nt;
    int64_t r0 = t * chunk, r1 = r0 + chunk < rows ? r0 + chunk : rows;
    run_rows(r0, r1);
  }
}

}  // namespace fb::detail
