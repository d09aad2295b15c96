// The Winograd tile steps compiled for the baseline.
#include "../winograd_tiles.hpp"

namespace strata::kernels {

const WinogradSteps& GenericWinogradSteps() {
  static const WinogradSteps steps = UnitSteps();
  return steps;
}

}  // namespace strata::kernels
