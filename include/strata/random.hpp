// Random streams. Every random draw in Strata comes from an Rng that its owner
// (a Net, a layer, a test) seeds explicitly, so a run is reproducible from its
// seed and a data-parallel process can be given a stream of its own.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace strata {

class Rng {
 public:
  explicit Rng(uint64_t seed = 1701) : engine_(seed) {}
  void Seed(uint64_t seed) { engine_.seed(seed); }
  std::mt19937_64& engine() { return engine_; }

  float Uniform(float low, float high) {
    return std::uniform_real_distribution<float>(low, high)(engine_);
  }
  float Gaussian(float mean, float stddev) {
    return std::normal_distribution<float>(mean, stddev)(engine_);
  }
  bool Bernoulli(float p) { return std::bernoulli_distribution(p)(engine_); }
  // The full engine state as text, and back (for exact resume).
  std::string State() const;
  void SetState(const std::string& state);
  // A fresh seed for a child stream.
  uint64_t NextSeed() { return engine_(); }

 private:
  std::mt19937_64 engine_;
};

// A seed from the clock, for runs that ask for none.
uint64_t ClockSeed();

}  // namespace strata
