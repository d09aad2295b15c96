// Private to the kernel units. The vector tile kernels as one template over a register type's
// traits V (load, store, set1, fma, and reading two registers of B), included by each vector kernel
// set's translation unit, which instantiates it for its own V under its own compiler flags. V's
// type differs per set, so no two sets share an instantiation.
//
//   VectorTiles<V, kMaxRows>::MatrixTiles       rows x 2 registers of a matrix B
//   VectorTiles<V, kMaxRows>::HalfMatrixTiles   rows x 1 register (a last block)
//   VectorTiles<V, kMaxRows>::WindowTiles       rows x 2 registers read through a window
//   DotTiles<V, kMaxRows>::GemmNT               C += A * B^T, both read along the depth
#pragma once

#include <cstddef>
#include <type_traits>

#include "strata/kernels/gemm_kernels.hpp"
#include "vector_math.hpp"

namespace strata::kernels {

template <class V, int kMaxRows>
struct VectorTiles {
  // B's rows 2 KB apart or more (a large map's) change page every step or
  // two, and the hardware's prefetch stops at a page's end: a tile asks for
  // them kPrefetchSteps steps ahead. Nearer rows are prefetched well without
  // (asking for them made 7x7 maps slower).
  static constexpr int kPrefetchSteps = 4, kFarRowFloats = 512;
  static bool FarRows(const MatrixB& b) { return b.ldb >= kFarRowFloats; }
  static bool FarRows(const WindowB& /*b*/) { return false; }
  // The lines of NV registers' worth of a row from `row` on.
  template <int NV>
  static void Prefetch(const float* row) {
    __builtin_prefetch(row);
    if constexpr (NV == 2) __builtin_prefetch(row + 2 * V::kLanes - 1);
  }

  // math::Relu's formula, lane by lane.
  static typename V::type Rectify(typename V::type z, float slope) {
    using M = VectorMath<V::kLanes>;
    return (typename V::type)M::Relu((typename M::F)z, typename M::F{} + slope);
  }

  // R rows by NV registers of C, over the whole depth.
  template <int R, int NV, class B>
  static void Tile(int depth, const float* a, const B& b, float* c, int ldc, const TileEnds& ends) {
    typename V::type lo[R], hi[R];
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
      float* ci = c + static_cast<size_t>(i) * ldc;
      if (ends.init == Init::kLoad) {
        lo[i] = V::load(ci);
        if constexpr (NV == 2) hi[i] = V::load(ci + V::kLanes);
      } else {
        lo[i] = hi[i] = ends.init == Init::kBias ? V::set1(ends.bias[i]) : V::set1(0.f);
      }
    }
    const bool far_rows = FarRows(b);
    // Two steps per trip: the loop's own integer work shares ports with the
    // vector units, and halving it was worth a few per cent.
#pragma GCC unroll 2
    for (int k = 0; k < depth; ++k) {
      typename V::type b0, b1;
      if constexpr (std::is_same_v<B, MatrixB>) {
        if (far_rows) Prefetch<NV>(b.b + static_cast<size_t>(k + kPrefetchSteps) * b.ldb);
      }
      if constexpr (NV == 2) {
        V::read(b, k, &b0, &b1);
      } else {
        b0 = V::load(b.b + static_cast<size_t>(k) * b.ldb);
      }
#pragma GCC unroll 16
      for (int i = 0; i < R; ++i) {
        const typename V::type ai = V::set1(a[k * R + i]);
        lo[i] = V::fma(ai, b0, lo[i]);
        if constexpr (NV == 2) hi[i] = V::fma(ai, b1, hi[i]);
      }
    }
    if (ends.slope != 1.f) {
#pragma GCC unroll 16
      for (int i = 0; i < R; ++i) {
        lo[i] = Rectify(lo[i], ends.slope);
        if constexpr (NV == 2) hi[i] = Rectify(hi[i], ends.slope);
      }
    }
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
      float* ci = c + static_cast<size_t>(i) * ldc;
      V::store(ci, lo[i]);
      if constexpr (NV == 2) V::store(ci + V::kLanes, hi[i]);
    }
  }

  // A run-time row count (1..kMaxRows) to the compiled tile of that height.
  template <int NV, class B>
  static void Tiles(int rows, int depth, const float* a, const B& b, float* c, int ldc,
                    const TileEnds& ends) {
    switch (rows) {
      case 1:
        return Tile<1, NV>(depth, a, b, c, ldc, ends);
      case 2:
        return Tile<2, NV>(depth, a, b, c, ldc, ends);
      case 3:
        return Tile<3, NV>(depth, a, b, c, ldc, ends);
      case 4:
        return Tile<4, NV>(depth, a, b, c, ldc, ends);
      case 5:
        return Tile<5, NV>(depth, a, b, c, ldc, ends);
      case 6:
        return Tile<6, NV>(depth, a, b, c, ldc, ends);
      default:
        break;
    }
    if constexpr (kMaxRows > 6) {
      switch (rows) {
        case 7:
          return Tile<7, NV>(depth, a, b, c, ldc, ends);
        case 8:
          return Tile<8, NV>(depth, a, b, c, ldc, ends);
        case 9:
          return Tile<9, NV>(depth, a, b, c, ldc, ends);
        case 10:
          return Tile<10, NV>(depth, a, b, c, ldc, ends);
        case 11:
          return Tile<11, NV>(depth, a, b, c, ldc, ends);
        default:
          return Tile<12, NV>(depth, a, b, c, ldc, ends);
      }
    }
  }

  static void MatrixTiles(int rows, int depth, const float* a, const MatrixB& b, float* c, int ldc,
                          const TileEnds& ends) {
    Tiles<2>(rows, depth, a, b, c, ldc, ends);
  }
  static void HalfMatrixTiles(int rows, int depth, const float* a, const MatrixB& b, float* c,
                              int ldc, const TileEnds& ends) {
    Tiles<1>(rows, depth, a, b, c, ldc, ends);
  }
  static void WindowTiles(int rows, int depth, const float* a, const WindowB& b, float* c, int ldc,
                          const TileEnds& ends) {
    Tiles<2>(rows, depth, a, b, c, ldc, ends);
  }

  static Kernels Set() {
    return Kernels{kMaxRows, 2 * V::kLanes, MatrixTiles, WindowTiles, HalfMatrixTiles};
  }
};

// C (m x n) += A * B^T with A's and B's rows along the depth: blocks of up
// to kMaxRows rows of C by 4 columns, each a vector of partial sums per
// entry, folded once at the end (V::AddLaneSums<N> adds the lane sums of N
// registers to N entries of a row of C). The depth's last steps short of a
// whole register go through DotRemainder.
template <class V, int kMaxRows>
struct DotTiles {
  // The depth runs in blocks, so that the rows a block of tiles reads stay in
  // cache while every column block passes (the sums of a block are added to
  // C before the next starts). The sizes tried: docs/performance.md.
  static constexpr int kDepthBlock = 1024;
  template <int RA, int RB>
  static void Tile(int depth, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
    typename V::type acc[RA][4];
#pragma GCC unroll 4
    for (int i = 0; i < RA; ++i) {
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j) acc[i][j] = V::set1(0.f);
    }
    for (int k = 0; k < depth; k += V::kLanes) {
      typename V::type av[RA];
#pragma GCC unroll 4
      for (int i = 0; i < RA; ++i) av[i] = V::load(a + static_cast<size_t>(i) * lda + k);
#pragma GCC unroll 4
      for (int j = 0; j < RB; ++j) {
        const typename V::type bv = V::load(b + static_cast<size_t>(j) * ldb + k);
#pragma GCC unroll 4
        for (int i = 0; i < RA; ++i) acc[i][j] = V::fma(av[i], bv, acc[i][j]);
      }
    }
#pragma GCC unroll 4
    for (int i = 0; i < RA; ++i) {
      V::template AddLaneSums<RB>(acc[i], c + static_cast<size_t>(i) * ldc);
    }
  }

  // A block of `rows` (<= RA) by `cols` (<= 4).
  template <int RA>
  static void Block(int rows, int cols, int depth, const float* a, int lda, const float* b, int ldb,
                    float* c, int ldc) {
    if constexpr (RA > 1) {
      if (rows < RA) return Block<RA - 1>(rows, cols, depth, a, lda, b, ldb, c, ldc);
    }
    switch (cols) {
      case 1:
        return Tile<RA, 1>(depth, a, lda, b, ldb, c, ldc);
      case 2:
        return Tile<RA, 2>(depth, a, lda, b, ldb, c, ldc);
      case 3:
        return Tile<RA, 3>(depth, a, lda, b, ldb, c, ldc);
      default:
        return Tile<RA, 4>(depth, a, lda, b, ldb, c, ldc);
    }
  }

  static void GemmNT(int m, int n, int depth, const float* a, int lda, const float* b, int ldb,
                     float* c, int ldc) {
    const int vector_depth = depth / V::kLanes * V::kLanes;
    for (int k0 = 0; k0 < vector_depth; k0 += kDepthBlock) {
      const int block = std::min(kDepthBlock, vector_depth - k0);
      for (int j = 0; j < n; j += 4) {
        for (int i = 0; i < m; i += kMaxRows) {
          Block<kMaxRows>(m - i, n - j, block, a + static_cast<size_t>(i) * lda + k0, lda,
                          b + static_cast<size_t>(j) * ldb + k0, ldb,
                          c + static_cast<size_t>(i) * ldc + j, ldc);
        }
      }
    }
    DotRemainder(m, n, vector_depth, depth, a, lda, b, ldb, c, ldc);
  }
};

}  // namespace strata::kernels
