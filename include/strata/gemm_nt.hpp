// C += A * B^T with both operands read along the depth: the weight
// gradients' products, on Strata's dot tiles or, for short sums with
// AVX-512, on stripes of A and B transposed 16 rows at a time
// (kernels/stripe_tiles.hpp).
#pragma once

namespace strata::math {

// C (m x n, leading dimension ldc) += A * B^T, where A (m x depth) and B
// (n x depth) are row-major with leading dimensions lda and ldb: products of
// rows that both run along the depth (the weight gradient of a Winograd
// convolution). Each entry is summed in a fixed order.
void GemmAccumulateNT(int m, int n, int depth, const float* a, int lda, const float* b, int ldb,
                      float* c, int ldc);
// Whether GemmAccumulateNT runs these on the stripes, not on dot tiles:
// sums of up to kNtStripesMaxDepth steps with the AVX-512 set, where m and n
// lie near multiples of 16.
constexpr int kNtStripesMaxDepth = 256;
bool NtTakesStripes(int m, int n, int depth);

}  // namespace strata::math
