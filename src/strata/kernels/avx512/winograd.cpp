// The Winograd tile steps compiled for AVX-512 (-mavx512f, CMakeLists.txt),
// 16 tiles or channels per vector.
#define STRATA_WINOGRAD_LANES 16
#include "../winograd_tiles.hpp"

namespace strata::kernels {

const WinogradSteps& Avx512WinogradSteps(int kernel) { return UnitSteps(kernel); }

}  // namespace strata::kernels
