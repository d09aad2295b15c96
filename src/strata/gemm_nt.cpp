#include "strata/gemm_nt.hpp"

#include "strata/kernels/gemm_kernels.hpp"
#include "strata/scratch.hpp"

namespace strata::math {

// Where the stripes beat the dot tiles: sums of up to kNtStripesMaxDepth
// steps, where each dot tile's fold across its lanes costs about as much as
// its sums, unless C's sides sit far from multiples of 16 (the stripes
// compute whole 16 x 16 tiles). The measurements: docs/performance.md.
bool NtTakesStripes(int m, int n, int depth) {
  const auto padded = [](int x) { return (x + 15) / 16 * 16; };
  return GemmIsa() == Isa::kAvx512 && depth <= kNtStripesMaxDepth &&
         10LL * padded(m) * padded(n) <= 13LL * m * n;
}

void GemmAccumulateNT(int m, int n, int depth, const float* a, int lda, const float* b, int ldb,
                      float* c, int ldc) {
  if (NtTakesStripes(m, n, depth)) {
    float* workspace =
        scratch::Get<float>(scratch::Key::kGemmTransposedB, kernels::NtStripesWorkspace(n, depth));
    return kernels::Avx512GemmNTStripes(m, n, depth, a, lda, b, ldb, c, ldc, workspace);
  }
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
