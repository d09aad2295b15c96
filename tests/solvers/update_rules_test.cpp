// Every solver's update rule against the hand-computed trajectory of
// least_squares.hpp, with weight decay, lr_mult and iter_size, plus each
// solver's own configuration errors. (SGD's own cases: sgd_solver_test.cpp.)
#include <gtest/gtest.h>

#include "solvers/least_squares.hpp"
#include "strata/errors.hpp"
#include "strata/solvers/adadelta_solver.hpp"
#include "strata/solvers/adagrad_solver.hpp"
#include "strata/solvers/adam_solver.hpp"
#include "strata/solvers/nesterov_solver.hpp"
#include "strata/solvers/rmsprop_solver.hpp"

namespace strata {
namespace {

using testing::Hyper;
using testing::LeastSquaresSolver;
using testing::ReferenceLeastSquares;
using testing::TrainLeastSquares;

struct Rule {
  std::string type;
  std::string fields;  // solver fields besides type, max_iter and the ones tested
  Hyper hyper;         // the same settings for the reference
};

void PrintTo(const Rule& rule, std::ostream* os) { *os << rule.type; }

Hyper With(std::string type, double lr, double momentum = 0, double momentum2 = 0.999,
           double delta = 1e-8, double rms_decay = 0.99) {
  Hyper h;
  h.type = std::move(type);
  h.iterations = 6;
  h.lr = lr;
  h.momentum = momentum;
  h.momentum2 = momentum2;
  h.delta = delta;
  h.rms_decay = rms_decay;
  return h;
}

class UpdateRuleTest : public ::testing::TestWithParam<Rule> {
 protected:
  SolverParameter Solver(const std::string& extra, const std::string& param = "") const {
    return LeastSquaresSolver(
        "type: '" + GetParam().type + "' max_iter: 6 " + GetParam().fields + " " + extra, param);
  }
};

TEST_P(UpdateRuleTest, MatchesHandComputedWithWeightDecay) {
  Hyper h = GetParam().hyper;
  h.decay = 0.05;
  const auto w = TrainLeastSquares(Solver("weight_decay: 0.05"));
  const auto expected = ReferenceLeastSquares(h);
  EXPECT_NEAR(w[0], expected[0], 2e-5);
  EXPECT_NEAR(w[1], expected[1], 2e-5);
  EXPECT_NE(w[0], 0.5f);
}

TEST_P(UpdateRuleTest, LrMultAndIterSizeApply) {
  Hyper h = GetParam().hyper;
  h.lr_mult = 0.5;
  const auto w = TrainLeastSquares(Solver("iter_size: 2", "param { lr_mult: 0.5 }"));
  const auto expected = ReferenceLeastSquares(h);
  EXPECT_NEAR(w[0], expected[0], 2e-5);
  EXPECT_NEAR(w[1], expected[1], 2e-5);
}

TEST_P(UpdateRuleTest, CreatedByType) {
  EXPECT_STREQ(CreateSolver(Solver(""))->type(), GetParam().type.c_str());
}

INSTANTIATE_TEST_SUITE_P(
    Solvers, UpdateRuleTest,
    ::testing::Values(Rule{"Nesterov", "base_lr: 0.1 momentum: 0.9", With("Nesterov", 0.1, 0.9)},
                      Rule{"AdaGrad", "base_lr: 0.1 delta: 1e-6",
                           With("AdaGrad", 0.1, 0, 0.999, 1e-6)},
                      Rule{"RMSProp", "base_lr: 0.1 rms_decay: 0.9 delta: 1e-6",
                           With("RMSProp", 0.1, 0, 0.999, 1e-6, 0.9)},
                      Rule{"AdaDelta", "base_lr: 1 momentum: 0.95 delta: 1e-6",
                           With("AdaDelta", 1, 0.95, 0.999, 1e-6)},
                      Rule{"Adam", "base_lr: 0.01 momentum: 0.9 momentum2: 0.999",
                           With("Adam", 0.01, 0.9, 0.999)},
                      Rule{"AdamW", "base_lr: 0.01 momentum: 0.9 momentum2: 0.999",
                           With("AdamW", 0.01, 0.9, 0.999)}),
    [](const ::testing::TestParamInfo<Rule>& info) { return info.param.type; });

TEST(UpdateRuleTest, AdamWDecayIsDecoupled) {
  Hyper adamw = With("AdamW", 0.01, 0.9, 0.999);
  adamw.decay = 0.1;
  Hyper adam = adamw;
  adam.type = "Adam";
  // Decoupled decay differs from L2 in the gradient, which Adam rescales.
  EXPECT_GT(std::fabs(ReferenceLeastSquares(adam)[1] - ReferenceLeastSquares(adamw)[1]), 1e-4);
}

TEST(UpdateRuleTest, RejectsSettingsTheRuleDoesNotTake) {
  EXPECT_THROW(CreateSolver(LeastSquaresSolver("type: 'AdaGrad' momentum: 0.9")), ConfigError);
  EXPECT_THROW(CreateSolver(LeastSquaresSolver("type: 'RMSProp' momentum: 0.9")), ConfigError);
  EXPECT_THROW(CreateSolver(LeastSquaresSolver("type: 'RMSProp' rms_decay: 1.5")), ConfigError);
}

TEST(UpdateRuleTest, AdaptiveSolversKeepTheirHistories) {
  for (const std::string type : {"AdaDelta", "Adam", "AdamW"}) {
    auto solver = CreateSolver(LeastSquaresSolver("type: '" + type + "'"));
    auto* sgd = dynamic_cast<SGDSolver*>(solver.get());
    ASSERT_NE(sgd, nullptr) << type;
    EXPECT_EQ(sgd->history().size(), 2u) << type;  // two per parameter
  }
}

}  // namespace
}  // namespace strata
