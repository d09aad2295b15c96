// The Winograd tile steps compiled for AVX2 + FMA (-mavx2 -mfma, CMakeLists.txt).
#include "../winograd_tiles.hpp"

namespace strata::kernels {

const WinogradSteps& Avx2WinogradSteps(int kernel) { return UnitSteps(kernel); }

}  // namespace strata::kernels
