// Private to the kernel units. The Winograd transforms on 8x8 tiles,
// F(4x4, 5x5) and F(6x6, 3x3), computed at compile time and folded along
// their pairs of points, in an unnamed namespace; winograd_tiles.hpp applies
// them to vectors of tiles.
#pragma once

#include "strata/winograd.hpp"

namespace strata::kernels {

namespace {

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

}  // namespace

}  // namespace strata::kernels
