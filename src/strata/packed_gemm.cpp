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

using TileFn = void (*)(int rows, int depth, const float* a, const float* b, int ldb, float* c,
                        int ldc, Init init, const float* bias);

// A kernel set: C tiles of up to `max_rows` rows by `width` columns.
struct Kernels {
  int max_rows;
  int width;
  TileFn tile;
};

// Each tile sums the depth in blocks of this many steps, so that the block of
// B it reads (kDepthBlock x width floats) stays in L1 while every row panel of
// A passes over it.
constexpr int kDepthBlock = 256;

// ---- Portable C++ (the compiler vectorizes the column loop). ----

template <int R>
void GenericTile(int depth, const float* a, const float* b, int ldb, float* c, int ldc, Init init,
                 const float* bias) {
  constexpr int W = 8;
  float acc[R][W];
  for (int i = 0; i < R; ++i) {
    for (int j = 0; j < W; ++j) {
      acc[i][j] = init == Init::kLoad ? c[i * ldc + j] : init == Init::kBias ? bias[i] : 0.f;
    }
  }
  for (int k = 0; k < depth; ++k) {
    const float* bk = b + static_cast<size_t>(k) * ldb;
    for (int i = 0; i < R; ++i) {
      const float ai = a[k * R + i];
      for (int j = 0; j < W; ++j) acc[i][j] += ai * bk[j];
    }
  }
  for (int i = 0; i < R; ++i) {
    for (int j = 0; j < W; ++j) c[i * ldc + j] = acc[i][j];
  }
}

void GenericTiles(int rows, int depth, const float* a, const float* b, int ldb, float* c, int ldc,
                  Init init, const float* bias) {
  switch (rows) {
    case 1: return GenericTile<1>(depth, a, b, ldb, c, ldc, init, bias);
    case 2: return GenericTile<2>(depth, a, b, ldb, c, ldc, init, bias);
    case 3: return GenericTile<3>(depth, a, b, ldb, c, ldc, init, bias);
    default: return GenericTile<4>(depth, a, b, ldb, c, ldc, init, bias);
  }
}

// ---- AVX2 + FMA: 16 columns (two registers) by up to 6 rows. ----
#pragma GCC push_options
#pragma GCC target("avx2,fma")

template <int R>
void Avx2Tile(int depth, const float* a, const float* b, int ldb, float* c, int ldc, Init init,
              const float* bias) {
  __m256 lo[R], hi[R];
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i) {
    float* ci = c + static_cast<size_t>(i) * ldc;
    if (init == Init::kLoad) {
      lo[i] = _mm256_loadu_ps(ci);
      hi[i] = _mm256_loadu_ps(ci + 8);
    } else {
      lo[i] = hi[i] = init == Init::kBias ? _mm256_set1_ps(bias[i]) : _mm256_setzero_ps();
    }
  }
  for (int k = 0; k < depth; ++k) {
    const float* bk = b + static_cast<size_t>(k) * ldb;
    const __m256 b0 = _mm256_loadu_ps(bk), b1 = _mm256_loadu_ps(bk + 8);
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + k * R + i);
      lo[i] = _mm256_fmadd_ps(ai, b0, lo[i]);
      hi[i] = _mm256_fmadd_ps(ai, b1, hi[i]);
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i) {
    float* ci = c + static_cast<size_t>(i) * ldc;
    _mm256_storeu_ps(ci, lo[i]);
    _mm256_storeu_ps(ci + 8, hi[i]);
  }
}

void Avx2Tiles(int rows, int depth, const float* a, const float* b, int ldb, float* c, int ldc,
               Init init, const float* bias) {
  switch (rows) {
    case 1: return Avx2Tile<1>(depth, a, b, ldb, c, ldc, init, bias);
    case 2: return Avx2Tile<2>(depth, a, b, ldb, c, ldc, init, bias);
    case 3: return Avx2Tile<3>(depth, a, b, ldb, c, ldc, init, bias);
    case 4: return Avx2Tile<4>(depth, a, b, ldb, c, ldc, init, bias);
    case 5: return Avx2Tile<5>(depth, a, b, ldb, c, ldc, init, bias);
    default: return Avx2Tile<6>(depth, a, b, ldb, c, ldc, init, bias);
  }
}

#pragma GCC pop_options

// ---- AVX-512: 32 columns (two registers) by up to 12 rows. ----
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")

template <int R>
void Avx512Tile(int depth, const float* a, const float* b, int ldb, float* c, int ldc, Init init,
                const float* bias) {
  __m512 lo[R], hi[R];
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i) {
    float* ci = c + static_cast<size_t>(i) * ldc;
    if (init == Init::kLoad) {
      lo[i] = _mm512_loadu_ps(ci);
      hi[i] = _mm512_loadu_ps(ci + 16);
    } else {
      lo[i] = hi[i] = init == Init::kBias ? _mm512_set1_ps(bias[i]) : _mm512_setzero_ps();
    }
  }
  for (int k = 0; k < depth; ++k) {
    const float* bk = b + static_cast<size_t>(k) * ldb;
    const __m512 b0 = _mm512_loadu_ps(bk), b1 = _mm512_loadu_ps(bk + 16);
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
      const __m512 ai = _mm512_set1_ps(a[k * R + i]);
      lo[i] = _mm512_fmadd_ps(ai, b0, lo[i]);
      hi[i] = _mm512_fmadd_ps(ai, b1, hi[i]);
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i) {
    float* ci = c + static_cast<size_t>(i) * ldc;
    _mm512_storeu_ps(ci, lo[i]);
    _mm512_storeu_ps(ci + 16, hi[i]);
  }
}

void Avx512Tiles(int rows, int depth, const float* a, const float* b, int ldb, float* c, int ldc,
                 Init init, const float* bias) {
  switch (rows) {
    case 1: return Avx512Tile<1>(depth, a, b, ldb, c, ldc, init, bias);
    case 2: return Avx512Tile<2>(depth, a, b, ldb, c, ldc, init, bias);
    case 3: return Avx512Tile<3>(depth, a, b, ldb, c, ldc, init, bias);
    case 4: return Avx512Tile<4>(depth, a, b, ldb, c, ldc, init, bias);
    case 5: return Avx512Tile<5>(depth, a, b, ldb, c, ldc, init, bias);
    case 6: return Avx512Tile<6>(depth, a, b, ldb, c, ldc, init, bias);
    case 7: return Avx512Tile<7>(depth, a, b, ldb, c, ldc, init, bias);
    case 8: return Avx512Tile<8>(depth, a, b, ldb, c, ldc, init, bias);
    case 9: return Avx512Tile<9>(depth, a, b, ldb, c, ldc, init, bias);
    case 10: return Avx512Tile<10>(depth, a, b, ldb, c, ldc, init, bias);
    case 11: return Avx512Tile<11>(depth, a, b, ldb, c, ldc, init, bias);
    default: return Avx512Tile<12>(depth, a, b, ldb, c, ldc, init, bias);
  }
}

#pragma GCC pop_options

const Kernels& KernelsFor(Isa isa) {
  static const Kernels generic{4, 8, GenericTiles};
  static const Kernels avx2{6, 16, Avx2Tiles};
  static const Kernels avx512{12, 32, Avx512Tiles};
  switch (isa) {
    case Isa::kAvx512: return avx512;
    case Isa::kAvx2: return avx2;
    default: return generic;
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
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx2: return "avx2";
    default: return "generic";
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
  const int width = kernels.width;
  const int panels = PanelCount(rows, kernels.max_rows);
  const float* packed = a.storage_->data();
  // A last, narrower column block runs on zero-padded copies of its B and C.
  thread_local std::vector<float> b_edge, c_edge;
  for (int j = 0; j < n; j += width) {
    const int cols = std::min(width, n - j);
    const float* bj = b + j;
    float* cj = c + j;
    int b_ld = ldb, c_ld = ldc;
    if (cols < width) {
      b_edge.assign(static_cast<size_t>(depth) * width, 0.f);
      c_edge.assign(static_cast<size_t>(rows) * width, 0.f);
      for (int k = 0; k < depth; ++k) {
        std::copy_n(bj + static_cast<size_t>(k) * ldb, cols, b_edge.data() + k * width);
      }
      for (int i = 0; i < rows && accumulate; ++i) {
        std::copy_n(cj + static_cast<size_t>(i) * ldc, cols, c_edge.data() + i * width);
      }
      bj = b_edge.data();
      cj = c_edge.data();
      b_ld = c_ld = width;
    }
    for (int k0 = 0; k0 < depth; k0 += kDepthBlock) {
      const int kc = std::min(kDepthBlock, depth - k0);
      const Init init = k0 > 0 || accumulate ? Init::kLoad : row_bias ? Init::kBias : Init::kZero;
      for (int p = 0; p < panels; ++p) {
        const int start = PanelStart(p, panels, rows), end = PanelStart(p + 1, panels, rows);
        const int r = end - start;
        kernels.tile(r, kc, packed + static_cast<size_t>(start) * depth + static_cast<size_t>(k0) * r,
                     bj + static_cast<size_t>(k0) * b_ld, b_ld, cj + static_cast<size_t>(start) * c_ld,
                     c_ld, init, row_bias ? row_bias + start : nullptr);
      }
    }
    if (cols < width) {
      for (int i = 0; i < rows; ++i) {
        std::copy_n(c_edge.data() + i * width, cols, c + static_cast<size_t>(i) * ldc + j);
      }
    }
  }
}

}  // namespace strata::math
