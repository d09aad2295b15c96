#include "strata/solvers/rmsprop_solver.hpp"

#include <gtest/gtest.h>

#include "solvers/least_squares.hpp"
#include "strata/errors.hpp"

namespace strata {
namespace {

using testing::Hyper;
using testing::LeastSquaresSolver;
using testing::ReferenceLeastSquares;
using testing::TrainLeastSquares;

Hyper Expected() {
  Hyper h;
  h.type = "RMSProp";
  h.iterations = 6;
  h.rms_decay = 0.9;
  h.delta = 1e-6;
  return h;
}

TEST(RMSPropSolverTest, UpdatesMatchHandComputedWithWeightDecay) {
  const std::string fields = "type: 'RMSProp' max_iter: 6 weight_decay: 0.05 rms_decay: 0.9 delta: 1e-6";
  Hyper h = Expected();
  h.decay = 0.05;
  const auto w = TrainLeastSquares(LeastSquaresSolver(fields));
  const auto expected = ReferenceLeastSquares(h);
  EXPECT_NEAR(w[0], expected[0], 2e-5);
  EXPECT_NEAR(w[1], expected[1], 2e-5);
  EXPECT_NE(w[0], 0.5f);
}

TEST(RMSPropSolverTest, LrMultAndIterSizeApply) {
  const std::string fields = "type: 'RMSProp' max_iter: 6 iter_size: 2 rms_decay: 0.9 delta: 1e-6";
  Hyper h = Expected();
  h.lr_mult = 0.5;
  const auto w = TrainLeastSquares(LeastSquaresSolver(fields, "param { lr_mult: 0.5 }"));
  const auto expected = ReferenceLeastSquares(h);
  EXPECT_NEAR(w[0], expected[0], 2e-5);
  EXPECT_NEAR(w[1], expected[1], 2e-5);
}

TEST(RMSPropSolverTest, CreatedByType) {
  EXPECT_STREQ(CreateSolver(LeastSquaresSolver("type: 'RMSProp' rms_decay: 0.9 delta: 1e-6"))->type(), "RMSProp");
}

TEST(RMSPropSolverTest, RejectsMomentumAndBadDecay) {
  EXPECT_THROW(CreateSolver(LeastSquaresSolver("type: 'RMSProp' momentum: 0.9")), ConfigError);
  EXPECT_THROW(CreateSolver(LeastSquaresSolver("type: 'RMSProp' rms_decay: 1.5")), ConfigError);
}
}  // namespace
}  // namespace strata
