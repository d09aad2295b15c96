// The AVX-512 kernel set: 32 columns (two registers) by up to 12 rows, narrow
// tiles of up to 4 columns, and the dot tiles of GemmAccumulateNT.
// Compiled with -mavx512f -mavx2 -mfma (CMakeLists.txt).
#include <immintrin.h>

#include <cstddef>

#include "../lane_sums.hpp"
#include "../stripe_tiles.hpp"
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
  // The first `count` (1 to 16) floats at p; the other lanes 0 (neither read nor written).
  static type LoadFirst(const float* p, int count) {
    return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << count) - 1), p);
  }
  static void StoreFirst(float* p, type v, int count) {
    _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << count) - 1), v);
  }
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
  // r[j][i] <- r[i][j]: pairs, then pairs of pairs within 128-bit lanes,
  // then the 4x4 of 128-bit lanes (as unpack and shuffle_f32x4 would, through
  // GCC's vector extension: those intrinsics trip GCC 12's -Wuninitialized).
  static void Transpose(type (&r)[16]) {
    type t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
      t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12,
                                     28, 13, 29);
      t[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 2, 18, 3, 19, 6, 22, 7, 23, 10, 26, 11, 27,
                                         14, 30, 15, 31);
    }
    for (int g = 0; g < 16; g += 4) {
      for (int h = 0; h < 2; ++h) {
        u[g + 2 * h] = __builtin_shufflevector(t[g + h], t[g + h + 2], 0, 1, 16, 17, 4, 5, 20, 21,
                                               8, 9, 24, 25, 12, 13, 28, 29);
        u[g + 2 * h + 1] = __builtin_shufflevector(t[g + h], t[g + h + 2], 2, 3, 18, 19, 6, 7, 22,
                                                   23, 10, 11, 26, 27, 14, 15, 30, 31);
      }
    }
    // u[4g + s]'s 128-bit lane q holds column 4q + s of rows 4g..4g+3.
    for (int s = 0; s < 4; ++s) {
      const type x0 = __builtin_shufflevector(u[s], u[4 + s], 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18,
                                              19, 20, 21, 22, 23);
      const type x1 = __builtin_shufflevector(u[s], u[4 + s], 8, 9, 10, 11, 12, 13, 14, 15, 24, 25,
                                              26, 27, 28, 29, 30, 31);
      const type x2 = __builtin_shufflevector(u[8 + s], u[12 + s], 0, 1, 2, 3, 4, 5, 6, 7, 16, 17,
                                              18, 19, 20, 21, 22, 23);
      const type x3 = __builtin_shufflevector(u[8 + s], u[12 + s], 8, 9, 10, 11, 12, 13, 14, 15, 24,
                                              25, 26, 27, 28, 29, 30, 31);
      r[s] =
          __builtin_shufflevector(x0, x2, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
      r[4 + s] = __builtin_shufflevector(x0, x2, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29,
                                         30, 31);
      r[8 + s] =
          __builtin_shufflevector(x1, x3, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
      r[12 + s] = __builtin_shufflevector(x1, x3, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28,
                                          29, 30, 31);
    }
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

// Q columns of P panels of up to 16 rows: one register per column and panel,
// a lane per row (C's entries gathered and scattered at the ends, ldc apart).
template <int P, int Q>
void NarrowColumns(const NarrowPanel* panel, int depth, const MatrixB& b, int ldc) {
  const __m512i at =
      _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                         _mm512_set1_epi32(ldc));
  __mmask16 lanes[P];
  __m512 acc[P][Q];
  for (int p = 0; p < P; ++p) {
    const NarrowPanel& n = panel[p];
    lanes[p] = static_cast<__mmask16>((1u << n.rows) - 1);
    for (int q = 0; q < Q; ++q) {
      if (n.ends.init == Init::kLoad) {
        acc[p][q] =
            _mm512_mask_i32gather_ps(_mm512_setzero_ps(), lanes[p], at, n.c + q, sizeof(float));
      } else {
        acc[p][q] = n.ends.init == Init::kBias ? _mm512_maskz_loadu_ps(lanes[p], n.ends.bias)
                                               : _mm512_setzero_ps();
      }
    }
  }
  for (int k = 0; k < depth; ++k) {
    const float* bk = b.b + static_cast<size_t>(k) * b.ldb;
    for (int p = 0; p < P; ++p) {
      const __m512 ak =
          _mm512_maskz_loadu_ps(lanes[p], panel[p].a + static_cast<size_t>(k) * panel[p].rows);
      for (int q = 0; q < Q; ++q) acc[p][q] = _mm512_fmadd_ps(ak, _mm512_set1_ps(bk[q]), acc[p][q]);
    }
  }
  for (int p = 0; p < P; ++p) {
    for (int q = 0; q < Q; ++q) {
      const float slope = panel[p].ends.slope;
      if (slope != 1.f) acc[p][q] = VectorTiles<Avx512Vector, 12>::Rectify(acc[p][q], slope);
      _mm512_mask_i32scatter_ps(panel[p].c + q, lanes[p], at, acc[p][q], sizeof(float));
    }
  }
}

template <int P>
void NarrowPanels(const NarrowPanel* panel, int cols, int depth, const MatrixB& b, int ldc) {
  static_assert(kNarrowColumns == 4, "one case per column count");
  switch (cols) {
    case 1:
      return NarrowColumns<P, 1>(panel, depth, b, ldc);
    case 2:
      return NarrowColumns<P, 2>(panel, depth, b, ldc);
    case 3:
      return NarrowColumns<P, 3>(panel, depth, b, ldc);
    default:
      return NarrowColumns<P, 4>(panel, depth, b, ldc);
  }
}

void NarrowTile(int panels, const NarrowPanel* panel, int cols, int depth, const MatrixB& b,
                int ldc) {
  static_assert(kNarrowPanels == 2, "one case per panel count");
  if (panels == 2) return NarrowPanels<2>(panel, cols, depth, b, ldc);
  NarrowPanels<1>(panel, cols, depth, b, ldc);
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

void Avx512GemmNTStripes(int m, int n, int depth, const float* a, int lda, const float* b, int ldb,
                         float* c, int ldc, float* workspace) {
  StripeTiles<Avx512Vector>::GemmNT(m, n, depth, a, lda, b, ldb, c, ldc, workspace);
}

}  // namespace strata::kernels
