// AdaDelta, as Caffe defines it (momentum is the decay rho):
//   h  = rho * h + (1 - rho) * g^2
//   u  = g * sqrt((h2 + delta) / (h + delta))
//   h2 = rho * h2 + (1 - rho) * u^2
//   w -= lr * u
#pragma once

#include "strata/solvers/sgd_solver.hpp"

namespace strata {

class AdaDeltaSolver : public SGDSolver {
 public:
  explicit AdaDeltaSolver(const SolverParameter& param, const SolverSource* source = nullptr);
  const char* type() const override { return "AdaDelta"; }

 protected:
  void ComputeUpdateValue(int param_index, float rate) override;
};

}  // namespace strata
