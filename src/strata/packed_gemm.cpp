#include "strata/packed_gemm.hpp"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "strata/errors.hpp"
#include "strata/storage.hpp"

namespace strata::math {

namespace {

// How a tile's accumulators start: at zero, at the row's bias, or at C's
// current values (accumulating, or a later block of the depth).
enum class Init { kZero, kBias, kLoad };

// Where a tile reads B's rows (one row per depth step, `width` columns):
// a matrix row by row, or an image through a stride-1 window, where a row
// is `width / 8` runs of 8 pixels (run s at image + offsets[k] + runs[s]).
struct MatrixB {
  const float* b;
  int ldb;
};
struct WindowB {
  const float* image;
  const int* offsets;  // per depth step: (channel * H + ky) * W + kx
  int runs[4];         // per 8 columns: out_y * W + out_x
};

using TileFn = void (*)(int rows, int depth, const float* a, const MatrixB& b, float* c, int ldc,
                        Init init, const float* bias);
using WindowTileFn = void (*)(int rows, int depth, const float* a, const WindowB& b, float* c,
                              int ldc, Init init, const float* bias);

// A kernel set: C tiles of up to `max_rows` rows by `width` columns, and
// `half_tile`, the same rows by width / 2 columns (one register per row), for
// a last block at least half as wide. `window_tile` and `half_tile` are null
// where the set has none.
struct Kernels {
  int max_rows;
  int width;
  TileFn tile;
  WindowTileFn window_tile;
  TileFn half_tile;
};

// Each tile sums the depth in blocks of this many steps, so that the block of
// B it reads (kDepthBlock x width floats) stays in L1 while every row panel of
// A passes over it.
constexpr int kDepthBlock = 256;

// ---- Portable C++ (the compiler vectorizes the column loop). ----

template <int R>
void GenericTile(int depth, const float* a, const MatrixB& b, float* c, int ldc, Init init,
                 const float* bias) {
  constexpr int W = 8;
  float acc[R][W];
  for (int i = 0; i < R; ++i) {
    for (int j = 0; j < W; ++j) {
      acc[i][j] = init == Init::kLoad ? c[i * ldc + j] : init == Init::kBias ? bias[i] : 0.f;
    }
  }
  for (int k = 0; k < depth; ++k) {
    const float* bk = b.b + static_cast<size_t>(k) * b.ldb;
    for (int i = 0; i < R; ++i) {
      const float ai = a[k * R + i];
      for (int j = 0; j < W; ++j) acc[i][j] += ai * bk[j];
    }
  }
  for (int i = 0; i < R; ++i) {
    for (int j = 0; j < W; ++j) c[i * ldc + j] = acc[i][j];
  }
}

void GenericTiles(int rows, int depth, const float* a, const MatrixB& b, float* c, int ldc,
                  Init init, const float* bias) {
  switch (rows) {
    case 1:
      return GenericTile<1>(depth, a, b, c, ldc, init, bias);
    case 2:
      return GenericTile<2>(depth, a, b, c, ldc, init, bias);
    case 3:
      return GenericTile<3>(depth, a, b, c, ldc, init, bias);
    default:
      return GenericTile<4>(depth, a, b, c, ldc, init, bias);
  }
}

// The vector kernels below are one template each, over a register type's
// traits (V) and B's reader, stamped out once per kernel set inside that
// set's target region (a template shared across regions would be compiled for
// one instruction set only): PREFIX##MatrixTiles, PREFIX##HalfMatrixTiles (one
// register per row, NV = 1) and PREFIX##WindowTiles.
#define STRATA_VECTOR_TILES(PREFIX, MAX_ROWS)                                                   \
  template <int R, int NV, class B>                                                             \
  void PREFIX##Tile(int depth, const float* a, const B& b, float* c, int ldc, Init init,        \
                    const float* bias) {                                                        \
    using V = PREFIX##Vector;                                                                   \
    typename V::type lo[R], hi[R];                                                              \
    _Pragma("GCC unroll 16") for (int i = 0; i < R; ++i) {                                      \
      float* ci = c + static_cast<size_t>(i) * ldc;                                             \
      if (init == Init::kLoad) {                                                                \
        lo[i] = V::load(ci);                                                                    \
        if constexpr (NV == 2) hi[i] = V::load(ci + V::kLanes);                                 \
      } else {                                                                                  \
        lo[i] = hi[i] = init == Init::kBias ? V::set1(bias[i]) : V::set1(0.f);                  \
      }                                                                                         \
    }                                                                                           \
    for (int k = 0; k < depth; ++k) {                                                           \
      typename V::type b0, b1;                                                                  \
      if constexpr (NV == 2) {                                                                  \
        V::read(b, k, &b0, &b1);                                                                \
      } else {                                                                                  \
        b0 = V::load(b.b + static_cast<size_t>(k) * b.ldb);                                     \
      }                                                                                         \
      _Pragma("GCC unroll 16") for (int i = 0; i < R; ++i) {                                    \
        const typename V::type ai = V::set1(a[k * R + i]);                                      \
        lo[i] = V::fma(ai, b0, lo[i]);                                                          \
        if constexpr (NV == 2) hi[i] = V::fma(ai, b1, hi[i]);                                   \
      }                                                                                         \
    }                                                                                           \
    _Pragma("GCC unroll 16") for (int i = 0; i < R; ++i) {                                      \
      float* ci = c + static_cast<size_t>(i) * ldc;                                             \
      V::store(ci, lo[i]);                                                                      \
      if constexpr (NV == 2) V::store(ci + V::kLanes, hi[i]);                                   \
    }                                                                                           \
  }                                                                                             \
  template <int NV, class B>                                                                    \
  void PREFIX##Tiles(int rows, int depth, const float* a, const B& b, float* c, int ldc,        \
                     Init init, const float* bias) {                                            \
    switch (rows) {                                                                             \
      case 1:                                                                                   \
        return PREFIX##Tile<1, NV>(depth, a, b, c, ldc, init, bias);                            \
      case 2:                                                                                   \
        return PREFIX##Tile<2, NV>(depth, a, b, c, ldc, init, bias);                            \
      case 3:                                                                                   \
        return PREFIX##Tile<3, NV>(depth, a, b, c, ldc, init, bias);                            \
      case 4:                                                                                   \
        return PREFIX##Tile<4, NV>(depth, a, b, c, ldc, init, bias);                            \
      case 5:                                                                                   \
        return PREFIX##Tile<5, NV>(depth, a, b, c, ldc, init, bias);                            \
      case 6:                                                                                   \
        return PREFIX##Tile<6, NV>(depth, a, b, c, ldc, init, bias);                            \
      default:                                                                                  \
        break;                                                                                  \
    }                                                                                           \
    if constexpr (MAX_ROWS > 6) {                                                               \
      switch (rows) {                                                                           \
        case 7:                                                                                 \
          return PREFIX##Tile<7, NV>(depth, a, b, c, ldc, init, bias);                          \
        case 8:                                                                                 \
          return PREFIX##Tile<8, NV>(depth, a, b, c, ldc, init, bias);                          \
        case 9:                                                                                 \
          return PREFIX##Tile<9, NV>(depth, a, b, c, ldc, init, bias);                          \
        case 10:                                                                                \
          return PREFIX##Tile<10, NV>(depth, a, b, c, ldc, init, bias);                         \
        case 11:                                                                                \
          return PREFIX##Tile<11, NV>(depth, a, b, c, ldc, init, bias);                         \
        default:                                                                                \
          return PREFIX##Tile<12, NV>(depth, a, b, c, ldc, init, bias);                         \
      }                                                                                         \
    }                                                                                           \
  }                                                                                             \
  void PREFIX##MatrixTiles(int rows, int depth, const float* a, const MatrixB& b, float* c,     \
                           int ldc, Init init, const float* bias) {                             \
    PREFIX##Tiles<2>(rows, depth, a, b, c, ldc, init, bias);                                    \
  }                                                                                             \
  void PREFIX##HalfMatrixTiles(int rows, int depth, const float* a, const MatrixB& b, float* c, \
                               int ldc, Init init, const float* bias) {                         \
    PREFIX##Tiles<1>(rows, depth, a, b, c, ldc, init, bias);                                    \
  }                                                                                             \
  void PREFIX##WindowTiles(int rows, int depth, const float* a, const WindowB& b, float* c,     \
                           int ldc, Init init, const float* bias) {                             \
    PREFIX##Tiles<2>(rows, depth, a, b, c, ldc, init, bias);                                    \
  }

// C (m x n) += A * B^T over depth steps [from, depth), one entry at a time
// (GemmAccumulateNT's portable form, and the vector form's remainder).
void DotRemainder(int m, int n, int from, int depth, const float* a, int lda, const float* b,
                  int ldb, float* c, int ldc) {
  for (int i = 0; i < m && from < depth; ++i) {
    const float* ai = a + static_cast<size_t>(i) * lda;
    for (int j = 0; j < n; ++j) {
      const float* bj = b + static_cast<size_t>(j) * ldb;
      float s = 0.f;
      for (int k = from; k < depth; ++k) s += ai[k] * bj[k];
      c[static_cast<size_t>(i) * ldc + j] += s;
    }
  }
}

// ---- AVX2 + FMA: 16 columns (two registers) by up to 6 rows. ----
#pragma GCC push_options
#pragma GCC target("avx2,fma")

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

STRATA_VECTOR_TILES(Avx2, 6)

// The weight gradient over plain windows: dW[o][e] = sum over images and
// output pixels p of dY[o][p] * X[offsets[e] + pixel(p)]. Along a run of 8
// output pixels both factors are 8 consecutive floats, so a tile of RO output
// channels by RE patch entries keeps RO * RE vectors of partial sums (8
// pixels each) over all images and runs, then folds each to one value.
struct WeightGradArgs {
  const float* dy;
  const float* image;
  int steps;               // runs of 8 output pixels, over all images of the block
  int spatial;             // output pixels per image (dY's row stride)
  const long* dy_runs;     // per step: where its run starts in dY (image and pixel)
  const long* image_runs;  // per step: where it starts in the images (image, out_y * W + out_x)
  const int* offsets;      // per patch entry e: (channel * H + ky) * W + kx
  float* dw;
  int ldw;
};

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

void Avx2GemmNT(int m, int n, int depth, const float* a, int lda, const float* b, int ldb, float* c,
                int ldc) {
  using DotTileFn = void (*)(int, const float*, int, const float*, int, float*, int);
  static const DotTileFn tiles[3][4] = {
      {Avx2DotTile<1, 1>, Avx2DotTile<1, 2>, Avx2DotTile<1, 3>, Avx2DotTile<1, 4>},
      {Avx2DotTile<2, 1>, Avx2DotTile<2, 2>, Avx2DotTile<2, 3>, Avx2DotTile<2, 4>},
      {Avx2DotTile<3, 1>, Avx2DotTile<3, 2>, Avx2DotTile<3, 3>, Avx2DotTile<3, 4>}};
  const int vector_depth = depth / 8 * 8;
  for (int j = 0; j < n; j += 4) {
    const int cols = std::min(4, n - j);
    for (int i = 0; i < m; i += 3) {
      tiles[std::min(3, m - i) - 1][cols - 1](vector_depth, a + static_cast<size_t>(i) * lda, lda,
                                              b + static_cast<size_t>(j) * ldb, ldb,
                                              c + static_cast<size_t>(i) * ldc + j, ldc);
    }
  }
  DotRemainder(m, n, vector_depth, depth, a, lda, b, ldb, c, ldc);
}

using WeightGradTileFn = void (*)(const WeightGradArgs&, int, int);

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
    const int entries = std::min(4, patch - e0);
    for (int o0 = 0; o0 < rows; o0 += 3) {
      tiles[std::min(3, rows - o0) - 1][entries - 1](g, o0, e0);
    }
  }
}

#pragma GCC pop_options

// ---- AVX-512: 32 columns (two registers) by up to 12 rows. ----
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")

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
};

STRATA_VECTOR_TILES(Avx512, 12)

#pragma GCC pop_options
#undef STRATA_VECTOR_TILES

const Kernels& KernelsFor(Isa isa) {
  static const Kernels generic{4, 8, GenericTiles, nullptr, nullptr};
  static const Kernels avx2{6, 16, Avx2MatrixTiles, Avx2WindowTiles, Avx2HalfMatrixTiles};
  static const Kernels avx512{12, 32, Avx512MatrixTiles, Avx512WindowTiles, Avx512HalfMatrixTiles};
  switch (isa) {
    case Isa::kAvx512:
      return avx512;
    case Isa::kAvx2:
      return avx2;
    default:
      return generic;
  }
}

Isa BestIsa() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return Isa::kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
  return Isa::kGeneric;
}

Isa InitialIsa() {
  const Isa best = BestIsa();
  const char* wanted = std::getenv("STRATA_GEMM_ISA");
  if (wanted == nullptr || *wanted == '\0') return best;
  for (Isa isa : {Isa::kGeneric, Isa::kAvx2, Isa::kAvx512}) {
    if (std::string(wanted) == IsaName(isa) && CpuSupports(isa)) return isa;
  }
  return best;  // unknown or unsupported: the best there is
}

std::atomic<Isa>& CurrentIsa() {
  static std::atomic<Isa> isa{InitialIsa()};
  return isa;
}

// Row panels: as few as the kernel's row count allows, their sizes as even as
// possible (50 rows in 12-row kernels: five panels of 10, not 12+12+12+12+2).
int PanelCount(int rows, int max_rows) { return (rows + max_rows - 1) / max_rows; }
int PanelStart(int panel, int panels, int rows) {
  return static_cast<int>(static_cast<long long>(panel) * rows / panels);
}

}  // namespace

bool CpuSupports(Isa isa) {
  static const Isa best = BestIsa();
  return static_cast<int>(isa) <= static_cast<int>(best);
}

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return "avx512";
    case Isa::kAvx2:
      return "avx2";
    default:
      return "generic";
  }
}

Isa GemmIsa() { return CurrentIsa().load(); }

void SetGemmIsa(Isa isa) {
  if (!CpuSupports(isa)) {
    throw ConfigError(std::string("this CPU has no ") + IsaName(isa) + " instructions");
  }
  CurrentIsa().store(isa);
}

PackedMatrix::PackedMatrix() = default;
PackedMatrix::~PackedMatrix() = default;
PackedMatrix::PackedMatrix(PackedMatrix&&) noexcept = default;
PackedMatrix& PackedMatrix::operator=(PackedMatrix&&) noexcept = default;

void PackedMatrix::Pack(bool transposed, int rows, int depth, const float* a) {
  if (rows < 0 || depth < 0) {
    throw InternalError("PackedMatrix::Pack: negative shape " + std::to_string(rows) + " x " +
                        std::to_string(depth));
  }
  isa_ = GemmIsa();
  rows_ = rows;
  depth_ = depth;
  const size_t count = static_cast<size_t>(rows) * depth;
  if (!storage_) storage_ = std::make_unique<Storage>();
  if (storage_->capacity() < count) storage_->Reserve(count);
  float* packed = storage_->mutable_data();
  // Panel p holds rows [start, end) as depth steps of (end - start) values.
  const int panels = PanelCount(rows, KernelsFor(isa_).max_rows);
  for (int p = 0; p < panels; ++p) {
    const int start = PanelStart(p, panels, rows), end = PanelStart(p + 1, panels, rows);
    const int r = end - start;
    float* panel = packed + static_cast<size_t>(start) * depth;
    for (int i = 0; i < r; ++i) {
      const int row = start + i;
      if (transposed) {
        for (int k = 0; k < depth; ++k) panel[k * r + i] = a[static_cast<size_t>(k) * rows + row];
      } else {
        const float* src = a + static_cast<size_t>(row) * depth;
        for (int k = 0; k < depth; ++k) panel[k * r + i] = src[k];
      }
    }
  }
}

namespace {

MatrixB Advance(const MatrixB& b, int k) { return {b.b + static_cast<size_t>(k) * b.ldb, b.ldb}; }
WindowB Advance(const WindowB& b, int k) {
  WindowB moved = b;
  moved.offsets += k;
  return moved;
}

// One block of `kernels.width` columns: every row panel over the whole depth,
// block by block.
template <class B, class Tile>
void ColumnBlock(Tile tile, const Kernels& kernels, const PackedMatrix& a, const float* packed,
                 const B& b, const float* row_bias, bool accumulate, float* c, int ldc) {
  const int rows = a.rows(), depth = a.depth();
  const int panels = PanelCount(rows, kernels.max_rows);
  for (int k0 = 0; k0 < depth; k0 += kDepthBlock) {
    const int kc = std::min(kDepthBlock, depth - k0);
    const Init init = k0 > 0 || accumulate ? Init::kLoad : row_bias ? Init::kBias : Init::kZero;
    for (int p = 0; p < panels; ++p) {
      const int start = PanelStart(p, panels, rows), end = PanelStart(p + 1, panels, rows);
      const int r = end - start;
      tile(r, kc, packed + static_cast<size_t>(start) * depth + static_cast<size_t>(k0) * r,
           Advance(b, k0), c + static_cast<size_t>(start) * ldc, ldc, init,
           row_bias ? row_bias + start : nullptr);
    }
  }
}

// A last block narrower than the kernels runs on zero-padded copies of its B
// (filled by fill_b(k, row): `cols` values of B's row k) and C.
template <class FillB>
void EdgeBlock(const Kernels& kernels, const PackedMatrix& a, const float* packed, int cols,
               FillB fill_b, const float* row_bias, bool accumulate, float* c, int ldc) {
  const int width = kernels.width;
  thread_local std::vector<float> b_edge, c_edge;
  b_edge.assign(static_cast<size_t>(a.depth()) * width, 0.f);
  c_edge.assign(static_cast<size_t>(a.rows()) * width, 0.f);
  for (int k = 0; k < a.depth(); ++k) fill_b(k, b_edge.data() + static_cast<size_t>(k) * width);
  for (int i = 0; i < a.rows() && accumulate; ++i) {
    std::copy_n(c + static_cast<size_t>(i) * ldc, cols, c_edge.data() + i * width);
  }
  ColumnBlock(kernels.tile, kernels, a, packed, MatrixB{b_edge.data(), width}, row_bias, accumulate,
              c_edge.data(), width);
  for (int i = 0; i < a.rows(); ++i) {
    std::copy_n(c_edge.data() + i * width, cols, c + static_cast<size_t>(i) * ldc);
  }
}

}  // namespace

void GemmPacked(const PackedMatrix& a, int n, const float* b, int ldb, const float* row_bias,
                bool accumulate, float* c, int ldc) {
  const int rows = a.rows_, depth = a.depth_;
  if (rows == 0 || n <= 0) return;
  if (depth == 0) {
    for (int i = 0; i < rows && !accumulate; ++i) {
      std::fill_n(c + static_cast<size_t>(i) * ldc, n, row_bias ? row_bias[i] : 0.f);
    }
    return;
  }
  const Kernels& kernels = KernelsFor(a.isa_);
  const float* packed = a.storage_->data();
  int j = 0;
  for (; j + kernels.width <= n; j += kernels.width) {
    ColumnBlock(kernels.tile, kernels, a, packed, MatrixB{b + j, ldb}, row_bias, accumulate, c + j,
                ldc);
  }
  // A last block of half the width or more (16 of AVX-512's 32 columns: 4
  // Winograd tiles per 8x8 map times 4 images) runs at full speed.
  const int half = kernels.width / 2;
  if (kernels.half_tile != nullptr && j + half <= n) {
    ColumnBlock(kernels.half_tile, kernels, a, packed, MatrixB{b + j, ldb}, row_bias, accumulate,
                c + j, ldc);
    j += half;
  }
  if (j < n) {
    const int cols = n - j;
    const auto fill_b = [&](int k, float* row) {
      std::copy_n(b + static_cast<size_t>(k) * ldb + j, cols, row);
    };
    EdgeBlock(kernels, a, packed, cols, fill_b, row_bias, accumulate, c + j, ldc);
  }
}

namespace {

// Stride 1, no padding or dilation, output rows a multiple of 8 wide: every
// run of 8 output pixels reads 8 consecutive floats of each input row.
bool PlainWindow(const Window2d& w) {
  return w.stride_h == 1 && w.stride_w == 1 && w.pad_h == 0 && w.pad_w == 0 && w.dilation_h == 1 &&
         w.dilation_w == 1 && w.output_height() > 0 && w.output_width() > 0 &&
         w.output_width() % 8 == 0;
}

// Per patch entry (c, ky, kx), where it reads the image: (c * H + ky) * W + kx.
void WindowOffsets(const Window2d& w, std::vector<int>* offsets) {
  offsets->resize(static_cast<size_t>(w.channels) * w.kernel_h * w.kernel_w);
  for (int ch = 0, k = 0; ch < w.channels; ++ch) {
    for (int ky = 0; ky < w.kernel_h; ++ky) {
      for (int kx = 0; kx < w.kernel_w; ++kx) {
        (*offsets)[k++] = (ch * w.height + ky) * w.width + kx;
      }
    }
  }
}

}  // namespace

bool ReadsWindow(const PackedMatrix& a, const Window2d& w) {
  return KernelsFor(a.isa_).window_tile != nullptr && PlainWindow(w) &&
         a.depth_ == w.channels * w.kernel_h * w.kernel_w;
}

bool WeightGradReadsWindow(const Window2d& w) {
  return GemmIsa() != Isa::kGeneric && PlainWindow(w);
}

void WeightGradWindow(int rows, const float* dy, size_t dy_stride, const float* image,
                      size_t image_stride, int count, const Window2d& w, float* dw) {
  if (!WeightGradReadsWindow(w)) {
    throw InternalError("WeightGradWindow: the window cannot be read directly");
  }
  const int out_w = w.output_width(), spatial = w.output_height() * out_w;
  thread_local std::vector<int> offsets;
  thread_local std::vector<long> dy_runs, image_runs;
  WindowOffsets(w, &offsets);
  const int patch = static_cast<int>(offsets.size()), runs = spatial / 8;
  // Images in blocks whose inputs and output gradients stay within about
  // 256 KB, so each column of tiles reads them from L2: long enough runs of
  // the depth that the final folds cost little, short enough that a large
  // batch does not stream from memory.
  const size_t per_image =
      static_cast<size_t>(w.channels) * w.height * w.width + static_cast<size_t>(rows) * spatial;
  const int block = static_cast<int>(std::max<size_t>(1, (64 << 10) / per_image));
  for (int b0 = 0; b0 < count; b0 += block) {
    const int images = std::min(block, count - b0);
    dy_runs.resize(static_cast<size_t>(images) * runs);
    image_runs.resize(dy_runs.size());
    for (int b = 0, t = 0; b < images; ++b) {
      for (int s = 0; s < runs; ++s, ++t) {
        dy_runs[t] = static_cast<long>(b) * static_cast<long>(dy_stride) + 8 * s;
        image_runs[t] = static_cast<long>(b) * static_cast<long>(image_stride) +
                        8 * s / out_w * w.width + 8 * s % out_w;
      }
    }
    const WeightGradArgs args{dy + b0 * dy_stride,
                              image + b0 * image_stride,
                              static_cast<int>(dy_runs.size()),
                              spatial,
                              dy_runs.data(),
                              image_runs.data(),
                              offsets.data(),
                              dw,
                              patch};
    // The AVX2 kernel serves AVX-512 machines too (their wider registers
    // would only lengthen the final folds).
    Avx2WeightGrad(args, rows, patch);
  }
}

void GemmAccumulateNT(int m, int n, int depth, const float* a, int lda, const float* b, int ldb,
                      float* c, int ldc) {
  if (GemmIsa() != Isa::kGeneric) return Avx2GemmNT(m, n, depth, a, lda, b, ldb, c, ldc);
  DotRemainder(m, n, 0, depth, a, lda, b, ldb, c, ldc);
}

void GemmPackedWindow(const PackedMatrix& a, const float* image, const Window2d& w,
                      const float* row_bias, float* c, int ldc) {
  if (!ReadsWindow(a, w)) {
    throw InternalError("GemmPackedWindow: the window cannot be read directly");
  }
  if (a.rows_ == 0) return;
  const Kernels& kernels = KernelsFor(a.isa_);
  const float* packed = a.storage_->data();
  const int out_w = w.output_width(), spatial = w.output_height() * out_w;
  // Depth step (c, ky, kx) reads the image from (c, ky, kx) on; column p
  // (out_y, out_x) adds out_y * W + out_x.
  thread_local std::vector<int> offsets;
  WindowOffsets(w, &offsets);
  const auto pixel = [&](int p) { return p / out_w * w.width + p % out_w; };
  for (int j = 0; j < spatial; j += kernels.width) {
    const int cols = std::min(kernels.width, spatial - j);
    if (cols == kernels.width) {
      // Runs of 8 columns stay within one output row (its width is a multiple of 8).
      WindowB b{image, offsets.data(), {0, 0, 0, 0}};
      for (int s = 0; s < kernels.width / 8; ++s) b.runs[s] = pixel(j + 8 * s);
      ColumnBlock(kernels.window_tile, kernels, a, packed, b, row_bias, false, c + j, ldc);
    } else {
      const auto fill_b = [&](int k, float* row) {
        for (int q = 0; q < cols; ++q) row[q] = image[offsets[k] + pixel(j + q)];
      };
      EdgeBlock(kernels, a, packed, cols, fill_b, row_bias, false, c + j, ldc);
    }
  }
}

}  // namespace strata::math
