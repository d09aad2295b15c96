#include "strata/solvers/adam_solver.hpp"

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
  h.type = "Adam";
  h.iterations = 6;
  h.momentum = 0.9;
  h.momentum2 = 0.999;
  h.lr = 0.01;
  return h;
}

TEST(AdamSolverTest, UpdatesMatchHandComputedWithWeightDecay) {
  const std::string fields = "type: 'Adam' max_iter: 6 weight_decay: 0.05 momentum: 0.9 momentum2: 0.999 delta: 1e-8 base_lr: 0.01";
  Hyper h = Expected();
  h.decay = 0.05;
  const auto w = TrainLeastSquares(LeastSquaresSolver(fields));
  const auto expected = ReferenceLeastSquares(h);
  EXPECT_NEAR(w[0], expected[0], 2e-5);
  EXPECT_NEAR(w[1], expected[1], 2e-5);
  EXPECT_NE(w[0], 0.5f);
}

TEST(AdamSolverTest, LrMultAndIterSizeApply) {
  const std::string fields = "type: 'Adam' max_iter: 6 iter_size: 2 momentum: 0.9 momentum2: 0.999 delta: 1e-8 base_lr: 0.01";
  Hyper h = Expected();
  h.lr_mult = 0.5;
  const auto w = TrainLeastSquares(LeastSquaresSolver(fields, "param { lr_mult: 0.5 }"));
  const auto expected = ReferenceLeastSquares(h);
  EXPECT_NEAR(w[0], expected[0], 2e-5);
  EXPECT_NEAR(w[1], expected[1], 2e-5);
}

TEST(AdamSolverTest, CreatedByType) {
  EXPECT_STREQ(CreateSolver(LeastSquaresSolver("type: 'Adam' momentum: 0.9 momentum2: 0.999 delta: 1e-8 base_lr: 0.01"))->type(), "Adam");
}

TEST(AdamWSolverTest, DecoupledWeightDecayMatchesHandComputed) {
  Hyper h = Expected();
  h.type = "AdamW";
  h.decay = 0.1;
  const auto w = TrainLeastSquares(LeastSquaresSolver(
      "type: 'AdamW' max_iter: 6 weight_decay: 0.1 momentum: 0.9 momentum2: 0.999 base_lr: 0.01"));
  const auto expected = ReferenceLeastSquares(h);
  EXPECT_NEAR(w[0], expected[0], 2e-5);
  EXPECT_NEAR(w[1], expected[1], 2e-5);
  // Decoupled decay differs from Adam with L2 in the gradient.
  Hyper coupled = h;
  coupled.type = "Adam";
  EXPECT_GT(std::fabs(ReferenceLeastSquares(coupled)[1] - expected[1]), 1e-4);
}
}  // namespace
}  // namespace strata
