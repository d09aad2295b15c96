// The AVX-512 kernel set: 32 columns (two registers) by up to 12 rows, and
// the dot tiles of GemmAccumulateNT.
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

}  // namespace

const Kernels& Avx512Kernels() {
  static const Kernels set = VectorTiles<Avx512Vector, 12>::Set();
  return set;
}

void Avx512GemmNT(int m, int n, int depth, const float* a, int lda, const float* b, int ldb,
                  float* c, int ldc) {
  DotTiles<Avx512Vector, 4>::GemmNT(m, n, depth, a, lda, b, ldb, c, ldc);
}

}  // namespace strata::kernels
