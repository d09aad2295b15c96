// The tile kernels behind Strata's packed products (packed_gemm.hpp): one set
// per instruction set, each in its own translation unit under
// src/strata/kernels/<isa>/ compiled with that set's flags, and one dispatch
// (KernelsFor) filled from one CPU check (BestIsa). Nothing in this header
// needs an instruction set beyond the baseline.
#pragma once

#include <algorithm>
#include <cstddef>

#include "strata/packed_gemm.hpp"

namespace strata::kernels {

// How a tile's accumulators start: at zero, at the row's bias, or at C's
// current values (accumulating, or a later block of the depth).
enum class Init { kZero, kBias, kLoad };

// A tile's start (init, and the bias of each of its rows where init is
// kBias) and end: with `slope` != 1 (the depth's last block of a product
// that rectifies) its sums pass a ReLU of that negative slope before they
// are stored, as math::Relu computes it.
struct TileEnds {
  Init init;
  const float* bias;
  float slope;
};

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
                        const TileEnds& ends);
using WindowTileFn = void (*)(int rows, int depth, const float* a, const WindowB& b, float* c,
                              int ldc, const TileEnds& ends);
// One row panel's share of a narrow tile: its rows, its part of A, where its
// rows of C start, and its tiles' ends.
struct NarrowPanel {
  int rows;
  const float* a;
  float* c;
  TileEnds ends;
};
using NarrowTileFn = void (*)(int panels, const NarrowPanel* panel, int cols, int depth,
                              const MatrixB& b, int ldc);

// The most columns a narrow tile takes, and the most row panels at once
// (their chains of multiply-adds interleave, where one panel's waits on
// each add).
constexpr int kNarrowColumns = 4;
constexpr int kNarrowPanels = 2;

// A kernel set: C tiles of up to `max_rows` rows by `width` columns, and
// `half_tile`, the same rows by width / 2 columns (one register per row), for
// a last block at least half as wide. `narrow_tile` takes the last 1 to
// kNarrowColumns columns where they are fewer than half a block, B and C read
// in place, for up to kNarrowPanels row panels: one register per column and
// panel, its lanes the rows, each step one load of A per panel and one
// multiply-add per column and panel, where a half tile would take a
// multiply-add per row. Each entry is summed over the depth in the same order
// as in the other tiles. `window_tile`, `half_tile` and `narrow_tile` are
// null where the set has none.
struct Kernels {
  int max_rows;
  int width;
  TileFn tile;
  WindowTileFn window_tile;
  TileFn half_tile;
  NarrowTileFn narrow_tile = nullptr;
};

// Each tile sums the depth in blocks of this many steps, so that the block of
// B it reads (kDepthBlock x width floats) stays in L1 while every row panel of
// A passes over it.
constexpr int kDepthBlock = 256;

// The weight gradient over plain windows: dW[o][e] = sum over images and
// output pixels p of dY[o][p] * X[offsets[e] + pixel(p)], in runs of 8 output
// pixels.
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

// The widest set this CPU runs, checked once.
math::Isa BestIsa();
// The kernel set of `isa` (which the CPU must support).
const Kernels& KernelsFor(math::Isa isa);

// Each set's table (src/strata/kernels/<isa>/gemm.cpp).
const Kernels& GenericKernels();
const Kernels& Avx2Kernels();
const Kernels& Avx512Kernels();

// C (m x n) += A * B^T over depth steps [from, depth), one entry at a time
// (the portable form, and the vector form's remainder).
void DotRemainder(int m, int n, int from, int depth, const float* a, int lda, const float* b,
                  int ldb, float* c, int ldc);
// C (m x n) += A * B^T with AVX2 dot tiles (needs AVX2 and FMA).
void Avx2GemmNT(int m, int n, int depth, const float* a, int lda, const float* b, int ldb, float* c,
                int ldc);
// The same with AVX-512 dot tiles (needs AVX-512F).
void Avx512GemmNT(int m, int n, int depth, const float* a, int lda, const float* b, int ldb,
                  float* c, int ldc);
// C (m x n) += A * B^T with AVX-512 for sums of up to kNtStripeDepth steps
// (longer ones in blocks of it), A and B transposed 16 rows at a time into
// stripes (stripe_tiles.hpp): each entry summed along the depth in order.
// `workspace` holds NtStripesWorkspace(n, depth) floats.
constexpr int kNtStripeDepth = 256;
inline size_t NtStripesWorkspace(int n, int depth) {
  return static_cast<size_t>((n + 15) / 16 * 16) * std::min(depth, kNtStripeDepth);
}
void Avx512GemmNTStripes(int m, int n, int depth, const float* a, int lda, const float* b, int ldb,
                         float* c, int ldc, float* workspace);
// The weight gradient of `rows` output channels by `patch` entries with AVX2.
void Avx2WeightGrad(const WeightGradArgs& g, int rows, int patch);

}  // namespace strata::kernels
