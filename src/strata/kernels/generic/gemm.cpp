// The portable kernel set: plain C++ whose column loop the compiler
// vectorizes with the baseline instruction set.
#include <cstddef>

#include "../vector_math.hpp"
#include "strata/kernels/gemm_kernels.hpp"

namespace strata::kernels {

namespace {

template <int R>
void GenericTile(int depth, const float* a, const MatrixB& b, float* c, int ldc,
                 const TileEnds& ends) {
  constexpr int W = 8;
  float acc[R][W];
  for (int i = 0; i < R; ++i) {
    for (int j = 0; j < W; ++j) {
      acc[i][j] = ends.init == Init::kLoad   ? c[i * ldc + j]
                  : ends.init == Init::kBias ? ends.bias[i]
                                             : 0.f;
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
    for (int j = 0; j < W; ++j) {
      const float z = acc[i][j];
      c[i * ldc + j] = ends.slope == 1.f ? z : VectorMath<W>::Relu(z, ends.slope);
    }
  }
}

void GenericTiles(int rows, int depth, const float* a, const MatrixB& b, float* c, int ldc,
                  const TileEnds& ends) {
  switch (rows) {
    case 1:
      return GenericTile<1>(depth, a, b, c, ldc, ends);
    case 2:
      return GenericTile<2>(depth, a, b, c, ldc, ends);
    case 3:
      return GenericTile<3>(depth, a, b, c, ldc, ends);
    default:
      return GenericTile<4>(depth, a, b, c, ldc, ends);
  }
}

}  // namespace

const Kernels& GenericKernels() {
  static const Kernels set{4, 8, GenericTiles, nullptr, nullptr};
  return set;
}

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

}  // namespace strata::kernels
