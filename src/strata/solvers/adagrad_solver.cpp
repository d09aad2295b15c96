#include "strata/solvers/adagrad_solver.hpp"

#include <cmath>

#include "strata/errors.hpp"
#include "strata/solver_registry.hpp"

namespace strata {

AdaGradSolver::AdaGradSolver(const SolverParameter& param, const SolverSource* source)
    : SGDSolver(param, source) {}

void AdaGradSolver::ComputeUpdateValue(int param_index, float rate) {
  Blob* blob = net_->learnable_params()[param_index];
  float* h = history(0, param_index).mutable_data();
  float* g = blob->mutable_diff();
  const float local_rate = rate * net_->params_lr()[param_index];
  const float delta = param_.delta();
  for (int i = 0; i < blob->count(); ++i) {
    h[i] += g[i] * g[i];
    g[i] = local_rate * g[i] / (std::sqrt(h[i]) + delta);
  }
}

STRATA_REGISTER_SOLVER(AdaGrad);

}  // namespace strata
