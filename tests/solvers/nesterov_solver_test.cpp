#include "strata/solvers/nesterov_solver.hpp"

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
  h.type = "Nesterov";
  h.iterations = 6;
  h.momentum = 0.9;
  return h;
}

TEST(NesterovSolverTest, UpdatesMatchHandComputedWithWeightDecay) {
  const std::string fields = "type: 'Nesterov' max_iter: 6 weight_decay: 0.05 momentum: 0.9";
  Hyper h = Expected();
  h.decay = 0.05;
  const auto w = TrainLeastSquares(LeastSquaresSolver(fields));
  const auto expected = ReferenceLeastSquares(h);
  EXPECT_NEAR(w[0], expected[0], 2e-5);
  EXPECT_NEAR(w[1], expected[1], 2e-5);
  EXPECT_NE(w[0], 0.5f);
}

TEST(NesterovSolverTest, LrMultAndIterSizeApply) {
  const std::string fields = "type: 'Nesterov' max_iter: 6 iter_size: 2 momentum: 0.9";
  Hyper h = Expected();
  h.lr_mult = 0.5;
  const auto w = TrainLeastSquares(LeastSquaresSolver(fields, "param { lr_mult: 0.5 }"));
  const auto expected = ReferenceLeastSquares(h);
  EXPECT_NEAR(w[0], expected[0], 2e-5);
  EXPECT_NEAR(w[1], expected[1], 2e-5);
}

TEST(NesterovSolverTest, CreatedByType) {
  EXPECT_STREQ(CreateSolver(LeastSquaresSolver("type: 'Nesterov' momentum: 0.9"))->type(), "Nesterov");
}

}  // namespace
}  // namespace strata
