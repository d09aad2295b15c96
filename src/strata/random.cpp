#include "strata/random.hpp"

#include <chrono>

namespace strata {

uint64_t ClockSeed() {
  return static_cast<uint64_t>(std::chrono::high_resolution_clock::now().time_since_epoch().count());
}

}  // namespace strata
