#include "strata/gemm_nt.hpp"

#include "strata/kernels/gemm_kernels.hpp"
#include "strata/packed_gemm.hpp"
#include "strata/scratch.hpp"

namespace strata::math {

// Where the dot tiles lose to the packed kernels: short sums (each of the
// m x n tiles ends in a reduction across lanes, and a sum of 49 leaves one
// step to a scalar pass) over a large C. ResNet-18's weight gradients (m x n
// x depth 512 x 4608 x 49, 256 x 256 x 48) ran 2-3x faster through B^T and
// the packed kernels; at 64 x 64, or sums of 256 and more, the dot tiles
// were as fast or faster (AMD EPYC, AVX-512; docs/performance.md).
bool NtTakesPackedKernels(int m, int n, int depth, int lda) {
  constexpr long long kMinOutputs = 16 << 10;
  return GemmIsa() == Isa::kAvx512 && lda == depth && depth <= kNtPackedMaxDepth &&
         static_cast<long long>(m) * n >= kMinOutputs;
}

namespace {

// C += A * B^T as A packed (one thread's matrix, kept for the next call)
// times B transposed into scratch: each entry summed along the depth in order.
// The transpose is bound by memory: register transposes of 8x8 blocks ran
// no faster than these 16-column strips (docs/performance.md).
void GemmAccumulateNTPacked(int m, int n, int depth, const float* a, const float* b, int ldb,
                            float* c, int ldc) {
  float* bt = scratch::Get<float>(scratch::Key::kGemmTransposedB, static_cast<size_t>(depth) * n);
  constexpr int kBlock = 16;
  for (int j0 = 0; j0 < n; j0 += kBlock) {
    const int j1 = std::min(n, j0 + kBlock);
    for (int t = 0; t < depth; ++t) {
      float* row = bt + static_cast<size_t>(t) * n;
      for (int j = j0; j < j1; ++j) row[j] = b[static_cast<size_t>(j) * ldb + t];
    }
  }
  thread_local PackedMatrix packed;
  packed.Pack(false, m, depth, a);
  GemmPacked(packed, n, bt, n, nullptr, true, c, ldc);
}

}  // namespace

void GemmAccumulateNT(int m, int n, int depth, const float* a, int lda, const float* b, int ldb,
                      float* c, int ldc) {
  if (NtTakesPackedKernels(m, n, depth, lda))
    return GemmAccumulateNTPacked(m, n, depth, a, b, ldb, c, ldc);
  switch (GemmIsa()) {
    case Isa::kAvx512:
      // Unless 8 or more steps past the last 16 would go one at a time (an
      // inner product's weight gradient over a batch of 8, say), where the
      // AVX2 tiles take them 8 at a time.
      if (depth % 16 < 8) return kernels::Avx512GemmNT(m, n, depth, a, lda, b, ldb, c, ldc);
      return kernels::Avx2GemmNT(m, n, depth, a, lda, b, ldb, c, ldc);
    case Isa::kAvx2:
      return kernels::Avx2GemmNT(m, n, depth, a, lda, b, ldb, c, ldc);
    case Isa::kGeneric:
      break;
  }
  kernels::DotRemainder(m, n, 0, depth, a, lda, b, ldb, c, ldc);
}

}  // namespace strata::math
