// RMSProp: h = rms_decay * h + (1 - rms_decay) * g^2;  w -= lr * g / (sqrt(h) + delta).
// momentum must be 0.
#pragma once

#include "strata/solvers/sgd_solver.hpp"

namespace strata {

class RMSPropSolver : public SGDSolver {
 public:
  explicit RMSPropSolver(const SolverParameter& param, const SolverSource* source = nullptr);
  const char* type() const override { return "RMSProp"; }

 protected:
  void ComputeUpdateValue(int param_index, float rate) override;
};

}  // namespace strata
