// Private to the AVX-512 kernel unit: C += A * B^T for short sums
// (the Winograd weight gradient's, a chunk of tiles long), with no fold
// across lanes. The dot tiles (vector_tiles.hpp) run along the depth and end
// every entry in a fold of its lanes, which at a few dozen steps costs as
// much as the sums. Here A's and B's rows are transposed kLanes at a time in
// registers into stripes (depth x kLanes: B's all at once into the caller's
// workspace, A's one at a time on the stack), and each pair of stripes is
// one tile: kLanes rows of C, one register each, over the B stripe's
// columns, the A stripe's entries broadcast. Each entry is summed along the
// depth in order, one step at a time.
#pragma once

#include <algorithm>
#include <cstddef>

#include "strata/kernels/gemm_kernels.hpp"

namespace strata::kernels {

namespace {

template <class V>
struct StripeTiles {
  using T = typename V::type;
  static constexpr int kLanes = V::kLanes;
  static constexpr int kDepth = kNtStripeDepth;

  // stripe[t][j] = m[j][t] for rows j < rows (ld apart), t < depth; 0 for
  // j >= rows. 16 x 16 blocks transposed in registers, the last one's
  // columns past the depth neither read nor stored.
  static void Fill(const float* m, int ld, int rows, int depth, float* stripe) {
    for (int t0 = 0; t0 < depth; t0 += kLanes) {
      const int steps = std::min(kLanes, depth - t0);
      T r[kLanes];
#pragma GCC unroll 16
      for (int j = 0; j < kLanes; ++j) {
        r[j] = j < rows ? V::LoadFirst(m + static_cast<size_t>(j) * ld + t0, steps) : V::set1(0.f);
      }
      V::Transpose(r);
#pragma GCC unroll 16
      for (int t = 0; t < steps; ++t) V::store(stripe + (t0 + t) * kLanes, r[t]);
    }
  }

  // C's rows [0, rows) and columns [0, cols) += a_stripe^T b_stripe (the
  // stripes' lanes past rows and cols hold zeros).
  static void Tile(int depth, const float* a_stripe, const float* b_stripe, float* c, int ldc,
                   int rows, int cols) {
    T acc[kLanes];
#pragma GCC unroll 16
    for (int i = 0; i < kLanes; ++i) {
      acc[i] = i < rows ? V::LoadFirst(c + static_cast<size_t>(i) * ldc, cols) : V::set1(0.f);
    }
#pragma GCC unroll 2
    for (int t = 0; t < depth; ++t) {
      const T bt = V::load(b_stripe + t * kLanes);
      const float* at = a_stripe + t * kLanes;
#pragma GCC unroll 16
      for (int i = 0; i < kLanes; ++i) acc[i] = V::fma(V::set1(at[i]), bt, acc[i]);
    }
#pragma GCC unroll 16
    for (int i = 0; i < rows; ++i) V::StoreFirst(c + static_cast<size_t>(i) * ldc, acc[i], cols);
  }

  static void GemmNT(int m, int n, int depth, const float* a, int lda, const float* b, int ldb,
                     float* c, int ldc, float* workspace) {
    alignas(64) float a_stripe[kDepth * kLanes];
    const int stripes = (n + kLanes - 1) / kLanes;
    for (int k0 = 0; k0 < depth; k0 += kDepth) {
      const int steps = std::min(kDepth, depth - k0);
      for (int s = 0; s < stripes; ++s) {
        Fill(b + static_cast<size_t>(s) * kLanes * ldb + k0, ldb, std::min(kLanes, n - s * kLanes),
             steps, workspace + s * steps * kLanes);
      }
      for (int i0 = 0; i0 < m; i0 += kLanes) {
        const int rows = std::min(kLanes, m - i0);
        Fill(a + static_cast<size_t>(i0) * lda + k0, lda, rows, steps, a_stripe);
        for (int s = 0; s < stripes; ++s) {
          Tile(steps, a_stripe, workspace + s * steps * kLanes,
               c + static_cast<size_t>(i0) * ldc + s * kLanes, ldc, rows,
               std::min(kLanes, n - s * kLanes));
        }
      }
    }
  }
};

}  // namespace

}  // namespace strata::kernels
