// Adam, as Caffe defines it (beta1 = momentum, beta2 = momentum2, eps = delta,
// t = iteration + 1):
//   m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g^2
//   w -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps)
// Weight decay enters g as for SGD (L2 regularization).
//
// AdamW (new; Loshchilov & Hutter): the same, but weight decay is decoupled
// from the gradient:  w -= lr * (adam step + weight_decay * decay_mult * w),
// where lr includes lr_mult and the schedule.
#pragma once

#include "strata/solvers/sgd_solver.hpp"

namespace strata {

class AdamSolver : public SGDSolver {
 public:
  explicit AdamSolver(const SolverParameter& param, const SolverSource* source = nullptr);
  const char* type() const override { return "Adam"; }

 protected:
  void ComputeUpdateValue(int param_index, float rate) override;
};

class AdamWSolver : public AdamSolver {
 public:
  using AdamSolver::AdamSolver;
  const char* type() const override { return "AdamW"; }

 protected:
  void Regularize(int /*param_index*/) override {}
  void ComputeUpdateValue(int param_index, float rate) override;
};

}  // namespace strata
