// Nesterov's accelerated gradient, as Caffe defines it:
//   v' = momentum * v + lr * g;   w -= (1 + momentum) * v' - momentum * v
#pragma once

#include "strata/solvers/sgd_solver.hpp"

namespace strata {

class NesterovSolver : public SGDSolver {
 public:
  using SGDSolver::SGDSolver;
  const char* type() const override { return "Nesterov"; }

 protected:
  void ComputeUpdateValue(int param_index, float rate) override;
};

}  // namespace strata
