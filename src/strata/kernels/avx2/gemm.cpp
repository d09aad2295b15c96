// The AVX2 + FMA kernel set: 16 columns (two registers) by up to 6 rows, the
// dot tiles of GemmAccumulateNT and the weight gradient read through plain
// windows. Compiled with -mavx2 -mfma (CMakeLists.txt); it leaves the
// standard library alone, whose inline functions other units share.
#include <immintrin.h>

#include <cstddef>

#include "../vector_tiles.hpp"
#include "strata/kernels/gemm_kernels.hpp"

namespace strata::kernels {

namespace {

inline int Min(int a, int b) { return a < b ? a : b; }

struct Avx2Vector {
  using type = __m256;
  static constexpr int kLanes = 8;
  static type load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, type v) { _mm256_storeu_ps(p, v); }
  static type set1(float x) { return _mm256_set1_ps(x); }
  static type fma(type a, type b, type c) { return _mm256_fmadd_ps(a, b, c); }
  static void read(const MatrixB& b, int k, type* b0, type* b1) {
    const float* row = b.b + static_cast<size_t>(k) * b.ldb;
    *b0 = _mm256_loadu_ps(row);
    *b1 = _mm256_loadu_ps(row + 8);
  }
  static void read(const WindowB& b, int k, type* b0, type* b1) {
    const float* at = b.image + b.offsets[k];
    *b0 = _mm256_loadu_ps(at + b.runs[0]);
    *b1 = _mm256_loadu_ps(at + b.runs[1]);
  }
};

}  // namespace

const Kernels& Avx2Kernels() {
  static const Kernels set = VectorTiles<Avx2Vector, 6>::Set();
  return set;
}

namespace {

// c[j] += the sum of acc[j]'s lanes, j < N: one 4-wide add where N is 4.
template <int N>
inline void Avx2AddLaneSums(const __m256 (&acc)[4], float* c) {
  const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(acc[0], acc[1]), _mm256_hadd_ps(acc[2], acc[3]));
  const __m128 sums = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  if constexpr (N == 4) {
    _mm_storeu_ps(c, _mm_add_ps(_mm_loadu_ps(c), sums));
  } else {
    alignas(16) float lanes[4];
    _mm_store_ps(lanes, sums);
    for (int j = 0; j < N; ++j) c[j] += lanes[j];
  }
}

template <int RO, int RE>
void Avx2WeightGradTile(const WeightGradArgs& g, int o0, int e0) {
  __m256 acc[RO][4];
  _Pragma("GCC unroll 4") for (int i = 0; i < RO; ++i) {
    _Pragma("GCC unroll 4") for (int j = 0; j < 4; ++j) acc[i][j] = _mm256_setzero_ps();
  }
  int offset[RE];
  for (int j = 0; j < RE; ++j) offset[j] = g.offsets[e0 + j];
  // One flat loop over the block's runs: with 8x8 output maps a loop per
  // image would end every 8 steps.
  const float* dy_rows = g.dy + static_cast<size_t>(o0) * g.spatial;
  for (int t = 0; t < g.steps; ++t) {
    const float* dy = dy_rows + g.dy_runs[t];
    __m256 d[RO];
    _Pragma("GCC unroll 4") for (int i = 0; i < RO; ++i) {
      d[i] = _mm256_loadu_ps(dy + static_cast<size_t>(i) * g.spatial);
    }
    const float* xs = g.image + g.image_runs[t];
    _Pragma("GCC unroll 4") for (int j = 0; j < RE; ++j) {
      const __m256 xv = _mm256_loadu_ps(xs + offset[j]);
      _Pragma("GCC unroll 4") for (int i = 0; i < RO; ++i) {
        acc[i][j] = _mm256_fmadd_ps(d[i], xv, acc[i][j]);
      }
    }
  }
  _Pragma("GCC unroll 4") for (int i = 0; i < RO; ++i) {
    Avx2AddLaneSums<RE>(acc[i], g.dw + static_cast<size_t>(o0 + i) * g.ldw + e0);
  }
}

// C (an RA x RB block) += A's rows times B's rows over the first `depth`
// (a multiple of 8) of each: RA * RB vectors of partial sums, then one fold
// per row of the block.
template <int RA, int RB>
void Avx2DotTile(int depth, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  __m256 acc[RA][4];
  _Pragma("GCC unroll 4") for (int i = 0; i < RA; ++i) {
    _Pragma("GCC unroll 4") for (int j = 0; j < 4; ++j) acc[i][j] = _mm256_setzero_ps();
  }
  for (int k = 0; k < depth; k += 8) {
    __m256 av[RA];
    _Pragma("GCC unroll 4") for (int i = 0; i < RA; ++i) {
      av[i] = _mm256_loadu_ps(a + static_cast<size_t>(i) * lda + k);
    }
    _Pragma("GCC unroll 4") for (int j = 0; j < RB; ++j) {
      const __m256 bv = _mm256_loadu_ps(b + static_cast<size_t>(j) * ldb + k);
      _Pragma("GCC unroll 4") for (int i = 0; i < RA; ++i) {
        acc[i][j] = _mm256_fmadd_ps(av[i], bv, acc[i][j]);
      }
    }
  }
  _Pragma("GCC unroll 4") for (int i = 0; i < RA; ++i) {
    Avx2AddLaneSums<RB>(acc[i], c + static_cast<size_t>(i) * ldc);
  }
}

}  // namespace

void Avx2GemmNT(int m, int n, int depth, const float* a, int lda, const float* b, int ldb, float* c,
                int ldc) {
  using DotTileFn = void (*)(int, const float*, int, const float*, int, float*, int);
  static const DotTileFn tiles[3][4] = {
      {Avx2DotTile<1, 1>, Avx2DotTile<1, 2>, Avx2DotTile<1, 3>, Avx2DotTile<1, 4>},
      {Avx2DotTile<2, 1>, Avx2DotTile<2, 2>, Avx2DotTile<2, 3>, Avx2DotTile<2, 4>},
      {Avx2DotTile<3, 1>, Avx2DotTile<3, 2>, Avx2DotTile<3, 3>, Avx2DotTile<3, 4>}};
  const int vector_depth = depth / 8 * 8;
  for (int j = 0; j < n; j += 4) {
    const int cols = Min(4, n - j);
    for (int i = 0; i < m; i += 3) {
      tiles[Min(3, m - i) - 1][cols - 1](vector_depth, a + static_cast<size_t>(i) * lda, lda,
                                         b + static_cast<size_t>(j) * ldb, ldb,
                                         c + static_cast<size_t>(i) * ldc + j, ldc);
    }
  }
  DotRemainder(m, n, vector_depth, depth, a, lda, b, ldb, c, ldc);
}

namespace {
using WeightGradTileFn = void (*)(const WeightGradArgs&, int, int);

}  // namespace

// Tiles by patch entries first: the slice of the images four entries read
// (about 1 KB per image) stays in L1 while every block of output channels
// passes over it, and the output gradient streams in order.
void Avx2WeightGrad(const WeightGradArgs& g, int rows, int patch) {
  static const WeightGradTileFn tiles[3][4] = {
      {Avx2WeightGradTile<1, 1>, Avx2WeightGradTile<1, 2>, Avx2WeightGradTile<1, 3>,
       Avx2WeightGradTile<1, 4>},
      {Avx2WeightGradTile<2, 1>, Avx2WeightGradTile<2, 2>, Avx2WeightGradTile<2, 3>,
       Avx2WeightGradTile<2, 4>},
      {Avx2WeightGradTile<3, 1>, Avx2WeightGradTile<3, 2>, Avx2WeightGradTile<3, 3>,
       Avx2WeightGradTile<3, 4>}};
  for (int e0 = 0; e0 < patch; e0 += 4) {
    const int entries = Min(4, patch - e0);
    for (int o0 = 0; o0 < rows; o0 += 3) {
      tiles[Min(3, rows - o0) - 1][entries - 1](g, o0, e0);
    }
  }
}

}  // namespace strata::kernels
