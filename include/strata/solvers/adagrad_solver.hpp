// AdaGrad: h += g^2;  w -= lr * g / (sqrt(h) + delta). momentum must be 0.
#pragma once

#include "strata/solvers/sgd_solver.hpp"

namespace strata {

class AdaGradSolver : public SGDSolver {
 public:
  explicit AdaGradSolver(const SolverParameter& param, const SolverSource* source = nullptr);
  const char* type() const override { return "AdaGrad"; }

 protected:
  void ComputeUpdateValue(int param_index, float rate) override;
};

}  // namespace strata
