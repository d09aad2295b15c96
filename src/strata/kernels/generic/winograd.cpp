// The Winograd tile steps compiled for the baseline.
#include "../winograd_tiles.hpp"

namespace strata::kernels {

const WinogradSteps& GenericWinogradSteps(int kernel) { return UnitSteps(kernel); }

}  // namespace strata::kernels
