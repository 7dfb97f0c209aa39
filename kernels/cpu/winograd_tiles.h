#pragma once
// The one-dimensional transforms of Winograd's minimal filtering algorithms
// F(m, 3) (Lavin & Gray 2016), from which conv_winograd.cpp builds the 2D
// F(m x m, 3x3) by applying each along columns and then along rows.
//
// With a = m + 2 points per tile, an output tile is
//   Y = A^T [ (G g G^T) (.) (B^T d B) ] A
// and the weight gradient of a tile is G^T [ (B^T d B) (.) (A dY A^T) ] G.
// Every member below is one of those matrices times a vector, written out so
// that no multiplication by 0 or 1 is left to the compiler (it may not drop
// x * 0 under IEEE rules).
//
//   weight:      t = G g        (3 -> a)
//   input:       e = B^T d      (a -> a)
//   output:      r = A^T s      (a -> m)
//   grad_output: z = A p        (m -> a)
//   weight_grad: s = G^T u      (a -> 3)

namespace fb::kernels::cpu {

#define FB_WINO_INLINE [[gnu::always_inline]] static inline

// F(2, 3): interpolation points 0, 1, -1 (and infinity). All coefficients
// are 0, +-1 and +-1/2: the transforms are exact in floating point apart from
// the additions.
struct WinogradF2 {
  static constexpr int m = 2, a = 4;

  // G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
  FB_WINO_INLINE void weight(float g0, float g1, float g2, float (&t)[a]) {
    t[0] = g0;
    t[1] = 0.5f * (g0 + g1 + g2);
    t[2] = 0.5f * (g0 - g1 + g2);
    t[3] = g2;
  }
  // B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
  FB_WINO_INLINE void input(const float (&d)[a], float (&e)[a]) {
    e[0] = d[0] - d[2];
    e[1] = d[1] + d[2];
    e[2] = d[2] - d[1];
    e[3] = d[1] - d[3];
  }
  // A^T = [1 1 1 0; 0 1 -1 -1]
  FB_WINO_INLINE void output(const float (&s)[a], float (&r)[m]) {
    r[0] = s[0] + s[1] + s[2];
    r[1] = s[1] - s[2] - s[3];
  }
  // A = [1 0; 1 1; 1 -1; 0 -1]
  FB_WINO_INLINE void grad_output(const float (&p)[m], float (&z)[a]) {
    z[0] = p[0];
    z[1] = p[0] + p[1];
    z[2] = p[0] - p[1];
    z[3] = -p[1];
  }
  // G^T = [1 1/2 1/2 0; 0 1/2 -1/2 0; 0 1/2 1/2 1]
  FB_WINO_INLINE void weight_grad(const float (&u)[a], float (&s)[3]) {
    const float sum = 0.5f * (u[1] + u[2]);
    s[0] = u[0] + sum;
    s[1] = 0.5f * (u[1] - u[2]);
    s[2] = sum + u[3];
  }
};

// F(4, 3): points 0, 1, -1, 2, -2 (and infinity). 36 products per 4x4
// outputs instead of 144 (4x fewer than direct, 1.78x fewer than F(2x2)); the
// price is coefficients up to 8 and 1/24, so rounding errors grow (see the
// measured errors in conv_winograd.cpp).
struct WinogradF4 {
  static constexpr int m = 4, a = 6;

  // G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
  FB_WINO_INLINE void weight(float g0, float g1, float g2, float (&t)[a]) {
    const float even = g0 + g2, even4 = g0 * (1.0f / 24) + g2 * (1.0f / 6), odd4 = g1 * (1.0f / 12);
    t[0] = 0.25f * g0;
    t[1] = -(1.0f / 6) * (even + g1);
    t[2] = -(1.0f / 6) * (even - g1);
    t[3] = even4 + odd4;
    t[4] = even4 - odd4;
    t[5] = g2;
  }
  // B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0;
  //        0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
  FB_WINO_INLINE void input(const float (&d)[a], float (&e)[a]) {
    const float p12 = d[4] - 4.0f * d[2], m12 = 4.0f * (d[1]) - d[3];
    const float p34 = d[4] - d[2], m34 = 2.0f * (d[3] - d[1]);
    e[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];
    e[1] = p12 - m12;  // -4 d1 - 4 d2 + d3 + d4
    e[2] = p12 + m12;  //  4 d1 - 4 d2 - d3 + d4
    e[3] = p34 + m34;  // -2 d1 - d2 + 2 d3 + d4
    e[4] = p34 - m34;  //  2 d1 - d2 - 2 d3 + d4
    e[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
  }
  // A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
  FB_WINO_INLINE void output(const float (&s)[a], float (&r)[m]) {
    const float p12 = s[1] + s[2], m12 = s[1] - s[2], p34 = s[3] + s[4], m34 = s[3] - s[4];
    r[0] = s[0] + p12 + p34;
    r[1] = m12 + 2.0f * m34;
    r[2] = p12 + 4.0f * p34;
    r[3] = m12 + 8.0f * m34 + s[5];
  }
  // A = A^T transposed: rows [1 0 0 0; 1 1 1 1; 1 -1 1 -1; 1 2 4 8; 1 -2 4 -8; 0 0 0 1]
  FB_WINO_INLINE void grad_output(const float (&p)[m], float (&z)[a]) {
    const float e1 = p[0] + p[2], o1 = p[1] + p[3];
    const float e2 = p[0] + 4.0f * p[2], o2 = 2.0f * p[1] + 8.0f * p[3];
    z[0] = p[0];
    z[1] = e1 + o1;
    z[2] = e1 - o1;
    z[3] = e2 + o2;
    z[4] = e2 - o2;
    z[5] = p[3];
  }
  // G^T = [1/4 -1/6 -1/6 1/24 1/24 0; 0 -1/6 1/6 1/12 -1/12 0; 0 -1/6 -1/6 1/6 1/6 1]
  FB_WINO_INLINE void weight_grad(const float (&u)[a], float (&s)[3]) {
    const float p12 = u[1] + u[2], p34 = u[3] + u[4];
    s[0] = 0.25f * u[0] - (1.0f / 6) * p12 + (1.0f / 24) * p34;
    s[1] = (1.0f / 6) * (u[2] - u[1]) + (1.0f / 12) * (u[3] - u[4]);
    s[2] = (1.0f / 6) * (p34 - p12) + u[5];
  }
};

#undef FB_WINO_INLINE

}  // namespace fb::kernels::cpu
