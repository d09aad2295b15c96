// Private to the kernel units. The Winograd transforms on 8x8 tiles,
// F(4x4, 5x5) and F(6x6, 3x3), and their tile steps as always-inlined
// templates over the kernel size R in an unnamed namespace: each unit that
// includes this compiles its own copy for its own instruction set
// (src/strata/kernels/<isa>/winograd.cpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "strata/kernels/winograd_kernels.hpp"
#include "strata/winograd.hpp"

namespace strata::kernels {

namespace {

using Geometry = WinogradGeometry;
using Chunk = WinogradChunk;

constexpr int kN = math::Winograd::kTile;
constexpr int kP = math::Winograd::kPoints;

// Outputs per tile side for an R x R kernel: an 8x8 input block gives
// 9 - R outputs per side.
template <int R>
constexpr int OutTile() {
  return kN - R + 1;
}

// The transforms (row-major), each beside its transpose, for F(M x M, R x R).
template <int R, int M = OutTile<R>()>
struct Transforms {
  float at[M][kN], a[kN][M];    // outputs: A^T (M x 8) and A
  float bt[kN][kN], b[kN][kN];  // inputs: B^T (8 x 8) and B
  float g[kN][R], gt[R][kN];    // weights: G (8 x R) and G^T
};

constexpr double Power(double x, int e) {
  double r = 1;
  for (int i = 0; i < e; ++i) r *= x;
  return r;
}

constexpr double Abs(double x) { return x < 0 ? -x : x; }

// Toom-Cook for the correlation of 8 inputs with R weights, M = 9 - R
// outputs: with V the 8 x 8 evaluation matrix of a degree-7 polynomial at the
// points (the row of infinity picks the leading coefficient), B^T =
// (V^-1)^T; A^T and G evaluate polynomials of degree M - 1 and R - 1 at the
// same points. Computed at compile time, so that the unrolled transforms
// below skip the zeros.
template <int R>
constexpr Transforms<R> MakeTransforms() {
  constexpr int kM = OutTile<R>(), kR = R;
  const double points[kN - 1] = {0, 1, -1, 2, -2, 0.5, -0.5};
  const auto power = [&](int p, int e, int degree) {
    return p < kN - 1 ? Power(points[p], e) : (e == degree ? 1.0 : 0.0);
  };
  double m[kN][2 * kN] = {};  // [V | I] -> [I | V^-1] by Gauss-Jordan
  for (int p = 0; p < kN; ++p) {
    for (int e = 0; e < kN; ++e) m[p][e] = power(p, e, kN - 1);
    m[p][kN + p] = 1;
  }
  for (int col = 0; col < kN; ++col) {
    int pivot = col;
    for (int r = col + 1; r < kN; ++r) {
      if (Abs(m[r][col]) > Abs(m[pivot][col])) pivot = r;
    }
    for (int j = 0; j < 2 * kN; ++j) {
      const double x = m[col][j];
      m[col][j] = m[pivot][j];
      m[pivot][j] = x;
    }
    const double d = m[col][col];
    for (int j = 0; j < 2 * kN; ++j) m[col][j] /= d;
    for (int r = 0; r < kN; ++r) {
      const double f = m[r][col];
      for (int j = 0; j < 2 * kN && r != col; ++j) m[r][j] -= f * m[col][j];
    }
  }
  Transforms<R> t{};
  for (int i = 0; i < kN; ++i) {
    for (int j = 0; j < kN; ++j) {
      t.b[i][j] = static_cast<float>(m[i][kN + j]);
      t.bt[i][j] = static_cast<float>(m[j][kN + i]);
    }
  }
  for (int p = 0; p < kN; ++p) {
    for (int e = 0; e < kM; ++e) t.at[e][p] = t.a[p][e] = static_cast<float>(power(p, e, kM - 1));
    for (int e = 0; e < kR; ++e) t.g[p][e] = t.gt[e][p] = static_cast<float>(power(p, e, kR - 1));
  }
  return t;
}

// The transforms run on kLanes lanes at once (tiles, or channels of a
// weight): each value below is a vector of kLanes floats (GCC's vector
// extension), and the transforms' zeros and ones fold away when their loops
// are unrolled. 8 lanes fill an AVX register (two SSE ones on the baseline);
// the AVX-512 unit defines STRATA_WINOGRAD_LANES as 16 before including this.
#ifndef STRATA_WINOGRAD_LANES
#define STRATA_WINOGRAD_LANES 8
#endif
constexpr int kLanes = STRATA_WINOGRAD_LANES;
static_assert(kLanes == 8 || kLanes == 16, "lanes: 8 or 16");
static_assert(kWinogradPadLanes % kLanes == 0, "the buffers hold whole groups");
typedef float Vec __attribute__((vector_size(4 * STRATA_WINOGRAD_LANES)));
// Eight values of one lane's row: the transposes work in blocks of 8.
typedef float Vec8 __attribute__((vector_size(32)));
constexpr int kRow = 8;

#define STRATA_ALWAYS_INLINE inline __attribute__((always_inline))

template <class V = Vec>
STRATA_ALWAYS_INLINE V Load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <class V>
STRATA_ALWAYS_INLINE void Store(float* p, const V& v) {
  std::memcpy(p, &v, sizeof v);
}

// The sum over k of c[k] * value(k), leaving out zero coefficients (which
// the unrolled loop folds away, as it folds multiplications by +-1).
template <int Q, class Value>
STRATA_ALWAYS_INLINE Vec Combine(const float (&c)[Q], Value value) {
  Vec acc = {};
  bool started = false;
#pragma GCC unroll 8
  for (int k = 0; k < Q; ++k) {
    if (c[k] == 0.f) continue;
    const Vec term = c[k] * value(k);
    acc = started ? acc + term : term;
    started = true;
  }
  return acc;
}

// The points come in pairs +-a (rows or columns 1-2, 3-4 and 5-6 of each
// transform), which Folded uses: where rows a and b of L differ only in the
// sign of their odd columns (B^T, A, G), L x is computed as the even and odd
// halves s and d of one row, then s + d and s - d; where columns a and b
// differ only in the sign of their odd rows (A^T, B, G^T), x_a + x_b and
// x_a - x_b are formed first, and each row then needs one of the two. Either
// form is exact algebra for any L: a row (or column) pair (u, v) becomes
// ((u + v) / 2, (u - v) / 2), whose zeros the unrolled loops skip; about a
// third of the multiply-adds go.
constexpr int kPairs = 3;
constexpr int kPairFirst[kPairs] = {1, 3, 5};

// Whether row (or column) i opens a pair, or closes one.
constexpr bool OpensPair(int i) {
  for (int first : kPairFirst) {
    if (i == first) return true;
  }
  return false;
}
constexpr bool ClosesPair(int i) { return i > 0 && OpensPair(i - 1); }

template <int P, int Q>
struct Folded {
  bool by_rows;  // pairs of rows (else of columns)
  float h[P][Q];
};

template <int P, int Q>
constexpr Folded<P, Q> Fold(const float (&l)[P][Q], bool by_rows) {
  Folded<P, Q> f{by_rows, {}};
  for (int i = 0; i < P; ++i) {
    for (int k = 0; k < Q; ++k) f.h[i][k] = l[i][k];
  }
  for (int pair = 0; pair < kPairs; ++pair) {
    const int a = kPairFirst[pair], b = a + 1;
    for (int x = 0; x < (by_rows ? Q : P); ++x) {
      const float u = by_rows ? l[a][x] : l[x][a], v = by_rows ? l[b][x] : l[x][b];
      (by_rows ? f.h[a][x] : f.h[x][a]) = (u + v) / 2;
      (by_rows ? f.h[b][x] : f.h[x][b]) = (u - v) / 2;
    }
  }
  return f;
}

template <int P, int Q>
constexpr int NonZeros(const Folded<P, Q>& f) {
  int count = 0;
  for (int i = 0; i < P; ++i) {
    for (int k = 0; k < Q; ++k) count += f.h[i][k] != 0.f;
  }
  return count;
}

// The fold of `l` along whichever pairs (of its sides of 8) leave fewer
// multiplications.
template <int P, int Q>
constexpr Folded<P, Q> BestFold(const float (&l)[P][Q]) {
  if constexpr (P != kN) {
    return Fold(l, false);
  } else if constexpr (Q != kN) {
    return Fold(l, true);
  } else {
    const Folded<P, Q> rows = Fold(l, true), columns = Fold(l, false);
    return NonZeros(rows) <= NonZeros(columns) ? rows : columns;
  }
}

template <int R, int M = OutTile<R>()>
struct FoldedTransforms {
  Folded<M, kN> at;
  Folded<kN, M> a;
  Folded<kN, kN> bt, b;
  Folded<kN, R> g;
  Folded<R, kN> gt;
};

template <int R>
constexpr FoldedTransforms<R> MakeFolded() {
  constexpr Transforms<R> t = MakeTransforms<R>();
  return {BestFold(t.at), BestFold(t.a), BestFold(t.bt),
          BestFold(t.b),  BestFold(t.g), BestFold(t.gt)};
}

template <int R>
constexpr FoldedTransforms<R> kF = MakeFolded<R>();

// Each transform has its pairs: for 5x5 the plain matrices hold 26 (A), 44
// (B) and 32 (G) non-zeros, for 3x3 38 (A) and 20 (G), which a fold that
// found no pairs would keep. B is the same for both.
static_assert(NonZeros(kF<5>.at) == 14 && NonZeros(kF<5>.a) == 14, "A's pairs");
static_assert(NonZeros(kF<5>.bt) == 26 && NonZeros(kF<5>.b) == 26, "B's pairs");
static_assert(NonZeros(kF<5>.g) == 17 && NonZeros(kF<5>.gt) == 17, "G's pairs");
static_assert(NonZeros(kF<3>.bt) == 26 && NonZeros(kF<3>.b) == 26, "B's pairs");
static_assert(NonZeros(kF<3>.at) < 38 && NonZeros(kF<3>.g) < 20, "A's and G's pairs");

// out(i, sum over k of l[i][k] * value(k)) for each row i of `f`'s matrix.
template <int P, int Q, class Value, class Out>
STRATA_ALWAYS_INLINE void Apply(const Folded<P, Q>& f, Value value, Out out) {
  if (f.by_rows) {
#pragma GCC unroll 8
    for (int i = 0; i < P; ++i) {
      if (ClosesPair(i)) continue;
      if (!OpensPair(i)) {
        out(i, Combine(f.h[i], value));
        continue;
      }
      const Vec sum = Combine(f.h[i], value), difference = Combine(f.h[i + 1], value);
      out(i, sum + difference);
      out(i + 1, sum - difference);
    }
    return;
  }
  Vec y[Q];
#pragma GCC unroll 8
  for (int k = 0; k < Q; ++k) y[k] = value(k);
#pragma GCC unroll 8
  for (int pair = 0; pair < kPairs; ++pair) {
    const int a = kPairFirst[pair];
    const Vec u = y[a], v = y[a + 1];
    y[a] = u + v;
    y[a + 1] = u - v;
  }
#pragma GCC unroll 8
  for (int i = 0; i < P; ++i) out(i, Combine(f.h[i], [&](int k) { return y[k]; }));
}

// out (P x P values) = L * in * L^T for L (P x Q, folded) and in (Q x Q values).
template <int P, int Q>
STRATA_ALWAYS_INLINE void Sandwich(const Folded<P, Q>& l, const Vec* in, Vec* out) {
  Vec tmp[P * Q];
#pragma GCC unroll 8
  for (int j = 0; j < Q; ++j) {
    Apply(
        l, [&](int k) { return in[k * Q + j]; }, [&](int i, const Vec& v) { tmp[i * Q + j] = v; });
  }
#pragma GCC unroll 8
  for (int i = 0; i < P; ++i) {
    Apply(
        l, [&](int k) { return tmp[i * Q + k]; }, [&](int j, const Vec& v) { out[i * P + j] = v; });
  }
}

// r[k][s] <- r[s][k]: unpack pairs, then pairs of pairs, then halves.
STRATA_ALWAYS_INLINE void Transpose8(Vec8* r) {
  // __builtin_shufflevector (GCC 12 and clang) takes the lane indices as constants.
  Vec8 t[8], u[8];
  for (int k = 0; k < 4; ++k) {
    t[2 * k] = __builtin_shufflevector(r[2 * k], r[2 * k + 1], 0, 8, 1, 9, 4, 12, 5, 13);
    t[2 * k + 1] = __builtin_shufflevector(r[2 * k], r[2 * k + 1], 2, 10, 3, 11, 6, 14, 7, 15);
  }
  for (int k = 0; k < 8; k += 4) {
    u[k] = __builtin_shufflevector(t[k], t[k + 2], 0, 1, 8, 9, 4, 5, 12, 13);
    u[k + 1] = __builtin_shufflevector(t[k], t[k + 2], 2, 3, 10, 11, 6, 7, 14, 15);
    u[k + 2] = __builtin_shufflevector(t[k + 1], t[k + 3], 0, 1, 8, 9, 4, 5, 12, 13);
    u[k + 3] = __builtin_shufflevector(t[k + 1], t[k + 3], 2, 3, 10, 11, 6, 7, 14, 15);
  }
  for (int k = 0; k < 4; ++k) {
    r[k] = __builtin_shufflevector(u[k], u[k + 4], 0, 1, 2, 3, 8, 9, 10, 11);
    r[k + 4] = __builtin_shufflevector(u[k], u[k + 4], 4, 5, 6, 7, 12, 13, 14, 15);
  }
}

// lanes[j][s] = rows[s][j]: 8 values of each lane's row into 8 vectors of
// lanes (rows is overwritten).
STRATA_ALWAYS_INLINE void RowsToLanes(Vec8 (&rows)[kLanes], Vec* lanes) {
  Transpose8(rows);
#if STRATA_WINOGRAD_LANES == 16
  Transpose8(rows + 8);
  for (int j = 0; j < kRow; ++j) {
    lanes[j] = __builtin_shufflevector(rows[j], rows[8 + j], 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                                       12, 13, 14, 15);
  }
#else
  for (int j = 0; j < kRow; ++j) lanes[j] = rows[j];
#endif
}

// rows[s][j] = lanes[j][s]: the inverse of RowsToLanes.
STRATA_ALWAYS_INLINE void LanesToRows(const Vec* lanes, Vec8 (&rows)[kLanes]) {
#if STRATA_WINOGRAD_LANES == 16
  for (int j = 0; j < kRow; ++j) {
    rows[j] = __builtin_shufflevector(lanes[j], lanes[j], 0, 1, 2, 3, 4, 5, 6, 7);
    rows[8 + j] = __builtin_shufflevector(lanes[j], lanes[j], 8, 9, 10, 11, 12, 13, 14, 15);
  }
  Transpose8(rows + 8);
#else
  for (int j = 0; j < kRow; ++j) rows[j] = lanes[j];
#endif
  Transpose8(rows);
}

// Lanes [0, count) of a group: tile first + s of the call, in `image`, its
// M x M output block at (y, x). in_inside[s] / out_inside[s]: lane s's 8x8
// input block / M x M output block lies inside the maps (nothing to clip).
// Edge lanes are clipped one by one and the rest of the group still runs
// vectorised: in a 24x24 map every group of 8 tiles holds some edge tile.
struct Group {
  int count;
  int image[kLanes], y[kLanes], x[kLanes];
  bool in_inside[kLanes], out_inside[kLanes];
};

template <int M>
STRATA_ALWAYS_INLINE Group Locate(const Geometry& g, int first, int count) {
  Group group{count, {}, {}, {}, {}, {}};
  for (int s = 0; s < count; ++s) {
    const int q = first + s, r = q % g.tiles_per_image;
    group.image[s] = q / g.tiles_per_image;
    group.y[s] = r / g.tiles_w * M;
    group.x[s] = r % g.tiles_w * M;
    const int y0 = group.y[s] - g.pad_h, x0 = group.x[s] - g.pad_w;
    group.in_inside[s] = y0 >= 0 && x0 >= 0 && y0 + kN <= g.height && x0 + kN <= g.width;
    group.out_inside[s] = group.y[s] + M <= g.out_h && group.x[s] + M <= g.out_w;
  }
  return group;
}

// Rows [i_begin, i_end) and columns [j_begin, j_end) of an 8x8 block whose
// top left corner lies at (y0, x0) of a height x width map: the part inside.
struct Clip {
  int i_begin, i_end, j_begin, j_end;
};

STRATA_ALWAYS_INLINE Clip ClipBlock(int y0, int x0, int height, int width) {
  return Clip{std::max(0, -y0), std::min(kN, height - y0), std::max(0, -x0),
              std::min(kN, width - x0)};
}

// fn(t0, group, c) for each group of kLanes lanes of the chunk (t0: its first
// lane) and each of `channels` channels: over the padding lanes too where
// the transform writes them (`with_padding`), else only over the tiles.
// The callers' lambdas are always_inline, so that they are compiled for the
// instruction set of the step that calls them.
template <int M, class Fn>
STRATA_ALWAYS_INLINE void ForEachGroup(const Geometry& g, const Chunk& chunk, bool with_padding,
                                       int channels, Fn fn) {
  for (int t0 = 0; t0 < (with_padding ? chunk.padded : chunk.tiles); t0 += kLanes) {
    const Group group =
        Locate<M>(g, chunk.first + t0, std::max(0, std::min(kLanes, chunk.tiles - t0)));
    for (int c = 0; c < channels; ++c) fn(t0, group, c);
  }
}

// An M x M block per lane, as whole rows of 8 values: M * M rounded up.
template <int M>
constexpr int BlockVecs() {
  return (M * M + kRow - 1) / kRow * kRow;
}

// v[p][c][t] = (B^T d B)[p] for the 8x8 input block d of tile t, channel c.
template <int R>
STRATA_ALWAYS_INLINE void InputTransformBody(const Geometry& g, const Chunk& chunk, const float* in,
                                             size_t in_stride, float* v) {
  const size_t point_stride = static_cast<size_t>(g.channels) * chunk.padded;
  ForEachGroup<OutTile<R>()>(
      g, chunk, true,
      g.channels, [&](int t0, const Group& group, int c) __attribute__((always_inline)) {
        // Lane s reads its block's rows at top[s] + i * pitch[s]: in the map,
        // or, at an edge or past the chunk's tiles, from a zero-padded copy.
        float edge[kLanes][kP];
        const float* top[kLanes];
        size_t pitch[kLanes];
        for (int s = 0; s < kLanes; ++s) {
          const int y0 = group.y[s] - g.pad_h, x0 = group.x[s] - g.pad_w;
          const float* channel = in + group.image[s] * in_stride + c * g.channel_size();
          if (s < group.count && group.in_inside[s]) {
            top[s] = channel + static_cast<size_t>(y0) * g.width + x0;
            pitch[s] = g.width;
            continue;
          }
          std::fill_n(edge[s], kP, 0.f);
          const Clip clip = s < group.count ? ClipBlock(y0, x0, g.height, g.width) : Clip{};
          for (int i = clip.i_begin; i < clip.i_end; ++i) {
            const float* row = channel + static_cast<size_t>(y0 + i) * g.width + x0;
            std::copy(row + clip.j_begin, row + clip.j_end, edge[s] + i * kN + clip.j_begin);
          }
          top[s] = edge[s];
          pitch[s] = kN;
        }
        // Row i of the lanes' blocks, transposed into lanes.
        Vec d[kP], out[kP];
        for (int i = 0; i < kN; ++i) {
          Vec8 r[kLanes];
          for (int s = 0; s < kLanes; ++s) r[s] = Load<Vec8>(top[s] + i * pitch[s]);
          RowsToLanes(r, d + i * kN);
        }
        Sandwich(kF<R>.bt, d, out);
        float* dst = v + static_cast<size_t>(c) * chunk.padded + t0;
        for (int p = 0; p < kP; ++p) Store(dst + p * point_stride, out[p]);
      });
}

// out = A^T M A (+ bias) per output channel, written inside the map.
template <int R>
STRATA_ALWAYS_INLINE void OutputTransformBody(const Geometry& g, const Chunk& chunk, const float* m,
                                              const float* bias, float* out, size_t out_stride) {
  constexpr int kM = OutTile<R>(), kBlock = BlockVecs<kM>();
  const size_t point_stride = static_cast<size_t>(g.out_channels) * chunk.padded;
  ForEachGroup<kM>(
      g, chunk, false,
      g.out_channels, [&](int t0, const Group& group, int o) __attribute__((always_inline)) {
        Vec mv[kP], y[kBlock] = {};
        const float* src = m + static_cast<size_t>(o) * chunk.padded + t0;
        for (int p = 0; p < kP; ++p) mv[p] = Load(src + p * point_stride);
        Sandwich(kF<R>.at, mv, y);
        const float add = bias ? bias[o] : 0.f;
        for (Vec& value : y) value += add;
        float* plane = out + o * g.out_spatial();
        // Lane s's values 8b..8b+7 land in lane_rows[b][s].
        Vec8 lane_rows[kBlock / kRow][kLanes];
        for (int b = 0; b < kBlock / kRow; ++b) LanesToRows(y + b * kRow, lane_rows[b]);
        for (int s = 0; s < group.count; ++s) {
          float* dst = plane + group.image[s] * out_stride +
                       static_cast<size_t>(group.y[s]) * g.out_w + group.x[s];
          float rows[kBlock];
          for (int b = 0; b < kBlock / kRow; ++b) Store(rows + b * kRow, lane_rows[b][s]);
          if (group.out_inside[s]) {
            for (int i = 0; i < kM; ++i)
              std::memcpy(dst + i * g.out_w, rows + i * kM, kM * sizeof(float));
            continue;
          }
          const int row_count = std::min(kM, g.out_h - group.y[s]);
          const int column_count = std::min(kM, g.out_w - group.x[s]);
          for (int i = 0; i < row_count; ++i) {
            std::copy_n(rows + i * kM, column_count, dst + i * g.out_w);
          }
        }
      });
}

// dm[p][o][t] = (A dY A^T)[p] for the M x M block of output gradient of tile t.
template <int R>
STRATA_ALWAYS_INLINE void OutputGradTransformBody(const Geometry& g, const Chunk& chunk,
                                                  const float* dy, size_t dy_stride, float* dm) {
  constexpr int kM = OutTile<R>(), kBlock = BlockVecs<kM>();
  const size_t point_stride = static_cast<size_t>(g.out_channels) * chunk.padded;
  ForEachGroup<kM>(
      g, chunk, true,
      g.out_channels, [&](int t0, const Group& group, int o) __attribute__((always_inline)) {
        Vec block[kBlock], point[kP];
        const float* plane = dy + o * g.out_spatial();
        // Each lane's block row by row into `rows` (clipped at an edge, zero
        // past it), then 8 values at a time transposed into lanes.
        float rows[kLanes][kBlock] = {};
        for (int s = 0; s < group.count; ++s) {
          const float* src = plane + group.image[s] * dy_stride +
                             static_cast<size_t>(group.y[s]) * g.out_w + group.x[s];
          if (group.out_inside[s]) {
            for (int i = 0; i < kM; ++i)
              std::memcpy(rows[s] + i * kM, src + i * g.out_w, kM * sizeof(float));
            continue;
          }
          const int row_count = std::min(kM, g.out_h - group.y[s]);
          const int column_count = std::min(kM, g.out_w - group.x[s]);
          for (int i = 0; i < row_count; ++i) {
            std::copy_n(src + i * g.out_w, column_count, rows[s] + i * kM);
          }
        }
        for (int b = 0; b < kBlock; b += kRow) {
          Vec8 r[kLanes];
          for (int s = 0; s < kLanes; ++s) r[s] = Load<Vec8>(rows[s] + b);
          RowsToLanes(r, block + b);
        }
        Sandwich(kF<R>.a, block, point);
        float* dst = dm + static_cast<size_t>(o) * chunk.padded + t0;
        for (int p = 0; p < kP; ++p) Store(dst + p * point_stride, point[p]);
      });
}

// dx += B dV B^T per input channel and tile: blocks overlap their
// neighbours' by R - 1 rows and columns, so they are added (inside the map).
template <int R>
STRATA_ALWAYS_INLINE void InputGradTransformBody(const Geometry& g, const Chunk& chunk,
                                                 const float* dv, float* dx, size_t dx_stride) {
  const size_t point_stride = static_cast<size_t>(g.channels) * chunk.padded;
  ForEachGroup<OutTile<R>()>(
      g, chunk, false,
      g.channels, [&](int t0, const Group& group, int c) __attribute__((always_inline)) {
        Vec point[kP], block[kP];
        const float* src = dv + static_cast<size_t>(c) * chunk.padded + t0;
        for (int p = 0; p < kP; ++p) point[p] = Load(src + p * point_stride);
        Sandwich(kF<R>.b, point, block);
        float* channel = dx + c * g.channel_size();
        Vec8 lane_rows[kN][kLanes];  // [i][s]: lane s's row i
        for (int i = 0; i < kN; ++i) LanesToRows(block + i * kN, lane_rows[i]);
        for (int s = 0; s < group.count; ++s) {
          const int y0 = group.y[s] - g.pad_h, x0 = group.x[s] - g.pad_w;
          float* image = channel + group.image[s] * dx_stride;
          if (group.in_inside[s]) {
            for (int i = 0; i < kN; ++i) {
              float* row = image + static_cast<size_t>(y0 + i) * g.width + x0;
              Store(row, Load<Vec8>(row) + lane_rows[i][s]);
            }
            continue;
          }
          const Clip clip = ClipBlock(y0, x0, g.height, g.width);
          for (int i = clip.i_begin; i < clip.i_end; ++i) {
            float values[kN];
            Store(values, lane_rows[i][s]);
            float* row = image + static_cast<size_t>(y0 + i) * g.width + x0;
            for (int j = clip.j_begin; j < clip.j_end; ++j) row[j] += values[j];
          }
        }
      });
}

// u[p][o][c] = (G w G^T)[p] for output channels [o_begin, o_end); lanes are
// 8 input channels of one output channel, whose R x R weights each lie one
// after another in w (out_channels x channels x R x R).
template <int R>
STRATA_ALWAYS_INLINE void WeightTransformBody(const Geometry& g, const float* w, int o_begin,
                                              int o_end, float* u) {
  const int c_count = g.channels, o_count = g.out_channels;
  for (int o = o_begin; o < o_end; ++o) {
    for (int c0 = 0; c0 < c_count; c0 += kLanes) {
      const int lanes = std::min(kLanes, c_count - c0);
      Vec kernel[R * R] = {}, point[kP];
      for (int s = 0; s < lanes; ++s) {
        const float* src = w + (static_cast<size_t>(o) * c_count + c0 + s) * R * R;
        for (int k = 0; k < R * R; ++k) kernel[k][s] = src[k];
      }
      Sandwich(kF<R>.g, kernel, point);
      for (int p = 0; p < kP; ++p) {
        float* dst = u + (static_cast<size_t>(p) * o_count + o) * c_count + c0;
        for (int s = 0; s < lanes; ++s) dst[s] = point[p][s];
      }
    }
  }
}

// dw += G^T dU G per channel pair, back from the 8x8 transform to R x R; du
// is kPoints x out_channels x channels, lanes as in WeightTransformBody.
template <int R>
STRATA_ALWAYS_INLINE void WeightGradTransformBody(const Geometry& g, const float* du, float* dw) {
  const int c_count = g.channels, o_count = g.out_channels;
  for (int o = 0; o < o_count; ++o) {
    for (int c0 = 0; c0 < c_count; c0 += kLanes) {
      const int lanes = std::min(kLanes, c_count - c0);
      Vec point[kP] = {}, kernel[R * R];
      for (int p = 0; p < kP; ++p) {
        const float* src = du + (static_cast<size_t>(p) * o_count + o) * c_count + c0;
        if (lanes == kLanes) {
          point[p] = Load(src);
        } else {
          for (int s = 0; s < lanes; ++s) point[p][s] = src[s];
        }
      }
      Sandwich(kF<R>.gt, point, kernel);
      float* dst = dw + (static_cast<size_t>(o) * c_count + c0) * R * R;
      for (int s = 0; s < lanes; ++s) {
        for (int k = 0; k < R * R; ++k) dst[s * R * R + k] += kernel[k][s];
      }
    }
  }
}

// The steps as compiled in the including unit, for its instruction set.
template <int R>
struct UnitStepsFor {
  static void Input(const Geometry& g, const Chunk& chunk, const float* in, size_t in_stride,
                    float* v) {
    InputTransformBody<R>(g, chunk, in, in_stride, v);
  }
  static void Output(const Geometry& g, const Chunk& chunk, const float* m, const float* bias,
                     float* out, size_t out_stride) {
    OutputTransformBody<R>(g, chunk, m, bias, out, out_stride);
  }
  static void OutputGrad(const Geometry& g, const Chunk& chunk, const float* dy, size_t dy_stride,
                         float* dm) {
    OutputGradTransformBody<R>(g, chunk, dy, dy_stride, dm);
  }
  static void InputGrad(const Geometry& g, const Chunk& chunk, const float* dv, float* dx,
                        size_t dx_stride) {
    InputGradTransformBody<R>(g, chunk, dv, dx, dx_stride);
  }
  static void Weights(const Geometry& g, const float* w, int o_begin, int o_end, float* u) {
    WeightTransformBody<R>(g, w, o_begin, o_end, u);
  }
  static void WeightGrad(const Geometry& g, const float* du, float* dw) {
    WeightGradTransformBody<R>(g, du, dw);
  }
  static WinogradSteps Steps() {
    return WinogradSteps{Input, Output, OutputGrad, InputGrad, Weights, WeightGrad};
  }
};

// The unit's steps for a 3x3 or 5x5 kernel.
inline const WinogradSteps& UnitSteps(int kernel) {
  static const WinogradSteps three = UnitStepsFor<3>::Steps(), five = UnitStepsFor<5>::Steps();
  return kernel == 3 ? three : five;
}

}  // namespace

}  // namespace strata::kernels
