// The AVX2 + FMA kernel set: 16 columns (two registers) by up to 6 rows, the
// dot tiles of GemmAccumulateNT and the weight gradient read through plain
// windows. Compiled with -mavx2 -mfma (CMakeLists.txt); it leaves the
// standard library alone, whose inline functions other units share.
#include <immintrin.h>

#include <cstddef>

#include "../lane_sums.hpp"
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
  template <int N>
  static void AddLaneSums(const type (&acc)[4], float* c) {
    AddLaneSums8<N>(acc, c);
  }
};

}  // namespace

const Kernels& Avx2Kernels() {
  static const Kernels set = VectorTiles<Avx2Vector, 6>::Set();
  return set;
}

namespace {

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
    Avx2Vector::AddLaneSums<RE>(acc[i], g.dw + static_cast<size_t>(o0 + i) * g.ldw + e0);
  }
}

}  // namespace

void Avx2GemmNT(int m, int n, int depth, const float* a, int lda, const float* b, int ldb, float* c,
                int ldc) {
  DotTiles<Avx2Vector, 3>::GemmNT(m, n, depth, a, lda, b, ldb, c, ldc);
}

// Tiles by patch entries first: the slice of the images four entries read
// (about 1 KB per image) stays in L1 while every block of output channels
// passes over it, and the output gradient streams in order.
void Avx2WeightGrad(const WeightGradArgs& g, int rows, int patch) {
  using WeightGradTileFn = void (*)(const WeightGradArgs&, int, int);
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
