#include "strata/solvers/adadelta_solver.hpp"

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
  h.type = "AdaDelta";
  h.iterations = 6;
  h.momentum = 0.95;
  h.delta = 1e-6;
  h.lr = 1;
  return h;
}

TEST(AdaDeltaSolverTest, UpdatesMatchHandComputedWithWeightDecay) {
  const std::string fields = "type: 'AdaDelta' max_iter: 6 weight_decay: 0.05 momentum: 0.95 delta: 1e-6 base_lr: 1";
  Hyper h = Expected();
  h.decay = 0.05;
  const auto w = TrainLeastSquares(LeastSquaresSolver(fields));
  const auto expected = ReferenceLeastSquares(h);
  EXPECT_NEAR(w[0], expected[0], 2e-5);
  EXPECT_NEAR(w[1], expected[1], 2e-5);
  EXPECT_NE(w[0], 0.5f);
}

TEST(AdaDeltaSolverTest, LrMultAndIterSizeApply) {
  const std::string fields = "type: 'AdaDelta' max_iter: 6 iter_size: 2 momentum: 0.95 delta: 1e-6 base_lr: 1";
  Hyper h = Expected();
  h.lr_mult = 0.5;
  const auto w = TrainLeastSquares(LeastSquaresSolver(fields, "param { lr_mult: 0.5 }"));
  const auto expected = ReferenceLeastSquares(h);
  EXPECT_NEAR(w[0], expected[0], 2e-5);
  EXPECT_NEAR(w[1], expected[1], 2e-5);
}

TEST(AdaDeltaSolverTest, CreatedByType) {
  EXPECT_STREQ(CreateSolver(LeastSquaresSolver("type: 'AdaDelta' momentum: 0.95 delta: 1e-6 base_lr: 1"))->type(), "AdaDelta");
}

TEST(AdaDeltaSolverTest, KeepsTwoHistoriesPerParameter) {
  SGDSolver* solver = nullptr;
  auto owned = CreateSolver(LeastSquaresSolver("type: 'AdaDelta' momentum: 0.95"));
  solver = dynamic_cast<SGDSolver*>(owned.get());
  ASSERT_NE(solver, nullptr);
  EXPECT_EQ(solver->history().size(), 2u);
}
}  // namespace
}  // namespace strata
