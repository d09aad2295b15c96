// C += A * B^T with both operands read along the depth: the weight
// gradients' products, on Strata's dot tiles or, for short sums over a large
// C, on the packed kernels (packed_gemm.hpp) through B transposed.
#pragma once

namespace strata::math {

// C (m x n, leading dimension ldc) += A * B^T, where A (m x depth) and B
// (n x depth) are row-major with leading dimensions lda and ldb: products of
// rows that both run along the depth (the weight gradient of a Winograd
// convolution). Each entry is summed in a fixed order.
void GemmAccumulateNT(int m, int n, int depth, const float* a, int lda, const float* b, int ldb,
                      float* c, int ldc);
// Whether GemmAccumulateNT runs these on the packed kernels (B transposed
// into scratch, A packed), not on dot tiles: short sums (depth up to
// kNtPackedMaxDepth) over a large C, with the AVX-512 set and A's rows
// contiguous.
constexpr int kNtPackedMaxDepth = 256;
bool NtTakesPackedKernels(int m, int n, int depth, int lda);

}  // namespace strata::math
