// Private to the kernel units. The Winograd tile steps for F(4x4, 5x5) and
// F(6x6, 3x3) (the transforms: winograd_transforms.hpp) as always-inlined
// templates over the kernel size R in an unnamed namespace: each unit that
// includes this compiles its own copy for its own instruction set
// (src/strata/kernels/<isa>/winograd.cpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>

#ifdef __AVX2__
#include <immintrin.h>
#endif

#include "strata/kernels/winograd_kernels.hpp"
#include "strata/winograd.hpp"
#include "winograd_transforms.hpp"

namespace strata::kernels {

namespace {

using Geometry = WinogradGeometry;
using Chunk = WinogradChunk;

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

// Columns [begin, end) of an 8-value row: an edge block's part inside its
// map. Masked loads and stores touch only those, so a row may start before
// its map's first column; blocks at an edge (most of them on maps of 24x24
// and less) are read and added in place instead of through a copy.
#ifdef __AVX2__
using RowMask = __m256i;
STRATA_ALWAYS_INLINE RowMask MakeRowMask(int begin, int end) {
  const __m256i j = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_and_si256(_mm256_cmpgt_epi32(j, _mm256_set1_epi32(begin - 1)),
                          _mm256_cmpgt_epi32(_mm256_set1_epi32(end), j));
}
STRATA_ALWAYS_INLINE Vec8 LoadMasked(const float* p, RowMask m) {
  return reinterpret_cast<Vec8>(_mm256_maskload_ps(p, m));
}
STRATA_ALWAYS_INLINE void StoreMasked(float* p, const Vec8& v, RowMask m) {
  _mm256_maskstore_ps(p, m, reinterpret_cast<__m256>(v));
}
// As LoadMasked, for a row whose 8 columns all lie inside the map: a plain
// load and an AND (AMD's masked loads and stores cost several times the plain ones).
STRATA_ALWAYS_INLINE Vec8 LoadWholeRowMasked(const float* p, RowMask m) {
  return reinterpret_cast<Vec8>(_mm256_and_ps(_mm256_loadu_ps(p), _mm256_castsi256_ps(m)));
}
#else
struct RowMask {
  int begin, end;
};
STRATA_ALWAYS_INLINE RowMask MakeRowMask(int begin, int end) { return RowMask{begin, end}; }
STRATA_ALWAYS_INLINE Vec8 LoadMasked(const float* p, RowMask m) {
  Vec8 v = {};
  for (int j = m.begin; j < m.end; ++j) v[j] = p[j];
  return v;
}
STRATA_ALWAYS_INLINE void StoreMasked(float* p, const Vec8& v, RowMask m) {
  for (int j = m.begin; j < m.end; ++j) p[j] = v[j];
}
STRATA_ALWAYS_INLINE Vec8 LoadWholeRowMasked(const float* p, RowMask m) { return LoadMasked(p, m); }
#endif

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
  const size_t point_stride = WinogradPointStride(g.channels, chunk);
  // The lanes' clipping is worked out once per group, for all its channels.
  ForEachGroup<OutTile<R>()>(
      g, chunk, true, 1, [&](int t0, const Group& group, int) __attribute__((always_inline)) {
        // Lane s reads rows [i_begin, i_end) of its block at top[s] + i *
        // width (+ the channel's offset), columns as `mask[s]` says (all of
        // them inside the map); the rest, and lanes past the chunk's tiles, are zero.
        const float* top[kLanes];
        RowMask mask[kLanes];
        int i_begin[kLanes], i_end[kLanes];
        bool whole_rows[kLanes];
        for (int s = 0; s < kLanes; ++s) {
          const int y0 = group.y[s] - g.pad_h, x0 = group.x[s] - g.pad_w;
          const Clip clip = s < group.count ? ClipBlock(y0, x0, g.height, g.width) : Clip{};
          i_begin[s] = clip.i_begin;
          i_end[s] = clip.i_end;
          whole_rows[s] = clip.j_begin == 0 && clip.j_end == kN;
          mask[s] = MakeRowMask(clip.j_begin, clip.j_end);
          top[s] = s < group.count
                       ? in + group.image[s] * in_stride + static_cast<ptrdiff_t>(y0) * g.width + x0
                       : in;
        }
        for (int c = 0; c < g.channels; ++c) {
          const size_t channel = static_cast<size_t>(c) * g.channel_size();
          // Row i of the lanes' blocks, transposed into lanes.
          Vec d[kP], out[kP];
          for (int i = 0; i < kN; ++i) {
            Vec8 r[kLanes];
            for (int s = 0; s < kLanes; ++s) {
              const float* row = top[s] + channel + i * g.width;
              r[s] = i < i_begin[s] || i >= i_end[s] ? Vec8{}
                     : whole_rows[s]                 ? Load<Vec8>(row)
                                                     : LoadMasked(row, mask[s]);
            }
            RowsToLanes(r, d + i * kN);
          }
          Sandwich(kF<R>.bt, d, out);
          float* dst = v + static_cast<size_t>(c) * chunk.padded + t0;
          for (int p = 0; p < kP; ++p) Store(dst + p * point_stride, out[p]);
        }
      });
}

// out = A^T M A (+ bias) per output channel, written inside the map.
template <int R>
STRATA_ALWAYS_INLINE void OutputTransformBody(const Geometry& g, const Chunk& chunk, const float* m,
                                              const float* bias, float* out, size_t out_stride) {
  constexpr int kM = OutTile<R>(), kBlock = BlockVecs<kM>();
  const size_t point_stride = WinogradPointStride(g.out_channels, chunk);
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
  const size_t point_stride = WinogradPointStride(g.out_channels, chunk);
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

// dx = the sum of B dV B^T over the tiles, per input channel, inside the
// map. Blocks overlap their neighbours' by R - 1 rows and columns, and the
// tiles of an image come in raster order: a block adds to its first R - 1
// rows where a tile lies above it and to its first R - 1 columns where one
// lies to its left, and writes the rest, which no tile has touched yet. So
// every value of dx is written before it is added to, and dx needs no
// zeroing first.
template <int R>
STRATA_ALWAYS_INLINE void InputGradTransformBody(const Geometry& g, const Chunk& chunk,
                                                 const float* dv, float* dx, size_t dx_stride) {
  const size_t point_stride = WinogradPointStride(g.channels, chunk);
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
        constexpr int kOverlap = kN - OutTile<R>();
        for (int s = 0; s < group.count; ++s) {
          const int y0 = group.y[s] - g.pad_h, x0 = group.x[s] - g.pad_w;
          float* image = channel + group.image[s] * dx_stride;
          const int added_rows = group.y[s] > 0 ? kOverlap : 0;
          const int added_columns = group.x[s] > 0 ? kOverlap : 0;
          const Clip clip = ClipBlock(y0, x0, g.height, g.width);
          // Columns inside the map: all of them, and those to add to.
          const RowMask inside = MakeRowMask(clip.j_begin, clip.j_end);
          const RowMask added = MakeRowMask(clip.j_begin, std::min(clip.j_end, added_columns));
          const bool whole_rows = clip.j_begin == 0 && clip.j_end == kN;
          for (int i = clip.i_begin; i < clip.i_end; ++i) {
            float* row = image + static_cast<ptrdiff_t>(y0 + i) * g.width + x0;
            // A row no tile has touched is stored without reading it (the
            // read would wait for lines that are about to be overwritten).
            const bool fresh = i >= added_rows && added_columns == 0;
            const RowMask read = i < added_rows ? inside : added;
            if (whole_rows) {
              Store(row, fresh ? lane_rows[i][s] : lane_rows[i][s] + LoadWholeRowMasked(row, read));
            } else {
              StoreMasked(row, fresh ? lane_rows[i][s] : lane_rows[i][s] + LoadMasked(row, read),
                          inside);
            }
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
