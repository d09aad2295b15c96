#include "strata/solvers/nesterov_solver.hpp"

#include "strata/math.hpp"
#include "strata/solver_registry.hpp"

namespace strata {

void NesterovSolver::ComputeUpdateValue(int param_index, float rate) {
  Blob* blob = net_->learnable_params()[param_index];
  Blob& v = history(0, param_index);
  const int n = blob->count();
  const float local_rate = rate * net_->params_lr()[param_index];
  const float momentum = param_.momentum();
  temp_.ReshapeLike(*blob);
  math::Copy(n, v.data(), temp_.mutable_data());  // v before the step
  math::Axpby(n, local_rate, blob->diff(), momentum, v.mutable_data());
  float* diff = blob->mutable_diff();
  const float* v_new = v.data();
  const float* v_old = temp_.data();
  for (int i = 0; i < n; ++i) diff[i] = (1.f + momentum) * v_new[i] - momentum * v_old[i];
}

STRATA_REGISTER_SOLVER(Nesterov);

}  // namespace strata
