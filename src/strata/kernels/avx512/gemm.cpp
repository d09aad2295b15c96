// The AVX-512 kernel set: 32 columns (two registers) by up to 12 rows, narrow
// tiles of up to 4 columns, and the dot tiles of GemmAccumulateNT.
// Compiled with -mavx512f -mavx2 -mfma (CMakeLists.txt).
#include <immintrin.h>

#include <cstddef>

#include "../lane_sums.hpp"
#include "../vector_tiles.hpp"
#include "strata/kernels/gemm_kernels.hpp"

namespace strata::kernels {

namespace {

struct Avx512Vector {
  using type = __m512;
  static constexpr int kLanes = 16;
  static type load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, type v) { _mm512_storeu_ps(p, v); }
  static type set1(float x) { return _mm512_set1_ps(x); }
  static type fma(type a, type b, type c) { return _mm512_fmadd_ps(a, b, c); }
  static void read(const MatrixB& b, int k, type* b0, type* b1) {
    const float* row = b.b + static_cast<size_t>(k) * b.ldb;
    *b0 = _mm512_loadu_ps(row);
    *b1 = _mm512_loadu_ps(row + 16);
  }
  // Eight floats from `lo` in the low half, eight from `hi` in the high half:
  // two masked loads (masked-off lanes neither read nor fault).
  static type Join(const float* lo, const float* hi) {
    const __m512 low = _mm512_maskz_loadu_ps(static_cast<__mmask16>(0x00ff), lo);
    return _mm512_mask_loadu_ps(low, static_cast<__mmask16>(0xff00), hi - 8);
  }
  static void read(const WindowB& b, int k, type* b0, type* b1) {
    const float* at = b.image + b.offsets[k];
    *b0 = Join(at + b.runs[0], at + b.runs[1]);
    *b1 = Join(at + b.runs[2], at + b.runs[3]);
  }
  // c[j] += the sum of acc[j]'s lanes, j < N: the halves added, then as
  // AVX2 does (the halves through GCC's vector extension: the intrinsics that
  // split a register trip GCC 12's -Wuninitialized).
  template <int N>
  static void AddLaneSums(const type (&acc)[4], float* c) {
    typedef float Half __attribute__((vector_size(32)));
    __m256 half[4];
    for (int j = 0; j < 4; ++j) {
      const Half lower = __builtin_shufflevector(acc[j], acc[j], 0, 1, 2, 3, 4, 5, 6, 7);
      const Half upper = __builtin_shufflevector(acc[j], acc[j], 8, 9, 10, 11, 12, 13, 14, 15);
      half[j] = static_cast<__m256>(lower + upper);
    }
    AddLaneSums8<N>(half, c);
  }
};

// Q columns of up to 16 rows: one register per column, a lane per row (C's
// entries gathered and scattered at the tile's ends, ldc apart).
template <int Q>
void NarrowColumns(int rows, int depth, const float* a, const MatrixB& b, float* c, int ldc,
                   const TileEnds& ends) {
  const __mmask16 lanes = static_cast<__mmask16>((1u << rows) - 1);
  const __m512i at =
      _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                         _mm512_set1_epi32(ldc));
  __m512 acc[Q];
  for (int q = 0; q < Q; ++q) {
    if (ends.init == Init::kLoad) {
      acc[q] = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), lanes, at, c + q, sizeof(float));
    } else {
      acc[q] =
          ends.init == Init::kBias ? _mm512_maskz_loadu_ps(lanes, ends.bias) : _mm512_setzero_ps();
    }
  }
  for (int k = 0; k < depth; ++k) {
    const __m512 ak = _mm512_maskz_loadu_ps(lanes, a + static_cast<size_t>(k) * rows);
    const float* bk = b.b + static_cast<size_t>(k) * b.ldb;
    for (int q = 0; q < Q; ++q) acc[q] = _mm512_fmadd_ps(ak, _mm512_set1_ps(bk[q]), acc[q]);
  }
  for (int q = 0; q < Q; ++q) {
    if (ends.slope != 1.f) acc[q] = VectorTiles<Avx512Vector, 12>::Rectify(acc[q], ends.slope);
    _mm512_mask_i32scatter_ps(c + q, lanes, at, acc[q], sizeof(float));
  }
}

void NarrowTile(int rows, int cols, int depth, const float* a, const MatrixB& b, float* c, int ldc,
                const TileEnds& ends) {
  static_assert(kNarrowColumns == 4, "one case per column count");
  switch (cols) {
    case 1:
      return NarrowColumns<1>(rows, depth, a, b, c, ldc, ends);
    case 2:
      return NarrowColumns<2>(rows, depth, a, b, c, ldc, ends);
    case 3:
      return NarrowColumns<3>(rows, depth, a, b, c, ldc, ends);
    default:
      return NarrowColumns<4>(rows, depth, a, b, c, ldc, ends);
  }
}

}  // namespace

const Kernels& Avx512Kernels() {
  static const Kernels set = [] {
    Kernels kernels = VectorTiles<Avx512Vector, 12>::Set();
    kernels.narrow_tile = NarrowTile;
    return kernels;
  }();
  return set;
}

void Avx512GemmNT(int m, int n, int depth, const float* a, int lda, const float* b, int ldb,
                  float* c, int ldc) {
  DotTiles<Avx512Vector, 4>::GemmNT(m, n, depth, a, lda, b, ldb, c, ldc);
}

}  // namespace strata::kernels
