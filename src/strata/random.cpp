#include "strata/random.hpp"

#include <chrono>
#include <sstream>

#include "strata/errors.hpp"

namespace strata {

std::string Rng::State() const {
  std::ostringstream out;
  out << engine_;
  return out.str();
}

void Rng::SetState(const std::string& state) {
  std::istringstream in(state);
  std::mt19937_64 engine;
  in >> engine;
  if (in.fail()) throw IoError("corrupt random-stream state in snapshot");
  engine_ = engine;
}

uint64_t ClockSeed() {
  return static_cast<uint64_t>(
      std::chrono::high_resolution_clock::now().time_since_epoch().count());
}

}  // namespace strata
