// SGD with momentum, as Caffe defines it. For each parameter w with gradient g
// (the diff, divided by iter_size):
//   g  += weight_decay * decay_mult * w          (L2; sign(w) for L1)
//   v   = momentum * v + lr * lr_mult * g
//   w  -= v
// after scaling all diffs down to clip_gradients in global L2 norm when set.
// The other solvers derive from this one and replace ComputeUpdateValue.
#pragma once

#include "strata/solver.hpp"

namespace strata {

class SGDSolver : public Solver {
 public:
  explicit SGDSolver(const SolverParameter& param, const SolverSource* source = nullptr);
  const char* type() const override { return "SGD"; }
  const std::vector<std::unique_ptr<Blob>>& history() const { return history_; }

 protected:
  void ApplyUpdate() override;
  void SnapshotState(SolverState* state) const override;
  void RestoreState(const SolverState& state) override;

  void ClipGradients();
  void Normalize(int param_index);
  virtual void Regularize(int param_index);
  // Turns the diff of parameter `param_index` into the step to subtract.
  virtual void ComputeUpdateValue(int param_index, float rate);

  // Adds one more history blob per parameter (Adam and AdaDelta keep two).
  void AddHistorySet();
  Blob& history(int set, int param_index) {
    return *history_[set * net_->learnable_params().size() + param_index];
  }

  std::vector<std::unique_ptr<Blob>> history_;
  Blob temp_;
};

}  // namespace strata
