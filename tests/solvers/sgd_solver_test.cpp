#include "strata/solvers/sgd_solver.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "solvers/least_squares.hpp"
#include "strata/errors.hpp"
#include "strata/hdf5.hpp"
#include "strata/io.hpp"
#include "strata/random.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

class TestableSGDSolver : public SGDSolver {
 public:
  using SGDSolver::SGDSolver;
  void set_iter(int iter) { iter_ = iter; }
};

using testing::Hyper;
using testing::LeastSquaresSolver;
using testing::Merged;
using testing::ReferenceLeastSquares;
using testing::TrainLeastSquares;

std::vector<double> Reference(int iterations, double lr, double momentum, double decay,
                              double lr_mult, bool l1 = false) {
  Hyper h;
  h.iterations = iterations;
  h.lr = lr;
  h.momentum = momentum;
  h.decay = decay;
  h.lr_mult = lr_mult;
  h.l1 = l1;
  return ReferenceLeastSquares(h);
}

class SGDSolverTest : public ::testing::Test {
 protected:
  std::vector<float> Train(const SolverParameter& param) { return TrainLeastSquares(param); }
};

TEST_F(SGDSolverTest, PlainSgdMatchesHandComputed) {
  const auto w = Train(LeastSquaresSolver(""));
  const auto expected = Reference(3, 0.1, 0, 0, 1);
  EXPECT_NEAR(w[0], expected[0], 1e-6);
  EXPECT_NEAR(w[1], expected[1], 1e-6);
}

TEST_F(SGDSolverTest, MomentumAndWeightDecayMatchHandComputed) {
  const auto w = Train(LeastSquaresSolver("momentum: 0.9 weight_decay: 0.05 max_iter: 5"));
  const auto expected = Reference(5, 0.1, 0.9, 0.05, 1);
  EXPECT_NEAR(w[0], expected[0], 1e-5);
  EXPECT_NEAR(w[1], expected[1], 1e-5);
}

TEST_F(SGDSolverTest, L1RegularizationMatchesHandComputed) {
  const auto w = Train(LeastSquaresSolver(
      "momentum: 0.5 weight_decay: 0.1 regularization_type: \"L1\" max_iter: 4"));
  const auto expected = Reference(4, 0.1, 0.5, 0.1, 1, /*l1=*/true);
  EXPECT_NEAR(w[0], expected[0], 1e-5);
  EXPECT_NEAR(w[1], expected[1], 1e-5);
}

TEST_F(SGDSolverTest, LrMultAndDecayMultApply) {
  const auto w = Train(
      LeastSquaresSolver("momentum: 0.9 weight_decay: 0.05", "param { lr_mult: 2 decay_mult: 0 }"));
  const auto expected = Reference(3, 0.1, 0.9, 0.0, 2);
  EXPECT_NEAR(w[0], expected[0], 1e-5);
  EXPECT_NEAR(w[1], expected[1], 1e-5);
}

TEST_F(SGDSolverTest, IterSizeAveragesAccumulatedGradients) {
  // The data is constant, so k accumulated batches average to one batch.
  const auto w = Train(LeastSquaresSolver("momentum: 0.9 iter_size: 3"));
  const auto expected = Reference(3, 0.1, 0.9, 0, 1);
  EXPECT_NEAR(w[0], expected[0], 1e-5);
  EXPECT_NEAR(w[1], expected[1], 1e-5);
}

TEST_F(SGDSolverTest, ClipGradientsScalesToTheGlobalNorm) {
  // First gradient: residual = 0.5 - 0.5 - 1 = -1, g = (-1, -2), norm sqrt(5).
  const auto w = Train(LeastSquaresSolver("clip_gradients: 1 max_iter: 1"));
  const double scale = 1 / std::sqrt(5.0);
  EXPECT_NEAR(w[0], 0.5 + 0.1 * scale, 1e-6);
  EXPECT_NEAR(w[1], -0.25 + 0.2 * scale, 1e-6);
}

struct PolicyCase {
  std::string fields;
  int iter;
  double expected;
};

void PrintTo(const PolicyCase& c, std::ostream* os) { *os << c.fields << " at iter " << c.iter; }

class LrPolicyTest : public ::testing::TestWithParam<PolicyCase> {};

TEST_P(LrPolicyTest, MatchesHandComputed) {
  const SolverParameter param = Merged(LeastSquaresSolver(""), GetParam().fields);
  TestableSGDSolver solver(param);
  // multistep keeps state as it goes, so walk the iterations in order.
  float rate = 0;
  for (int i = 0; i <= GetParam().iter; ++i) {
    solver.set_iter(i);
    rate = solver.GetLearningRate();
  }
  EXPECT_NEAR(rate, GetParam().expected, 1e-7 + 1e-6 * GetParam().expected) << GetParam().fields;
}

INSTANTIATE_TEST_SUITE_P(
    Policies, LrPolicyTest,
    ::testing::Values(
        PolicyCase{"lr_policy: 'fixed'", 7, 0.1},
        PolicyCase{"lr_policy: 'step' gamma: 0.5 stepsize: 3", 7, 0.1 * 0.25},
        PolicyCase{"lr_policy: 'exp' gamma: 0.9", 5, 0.1 * std::pow(0.9, 5)},
        PolicyCase{"lr_policy: 'inv' gamma: 0.0001 power: 0.75", 1000,
                   0.1 * std::pow(1 + 0.0001 * 1000, -0.75)},
        PolicyCase{"lr_policy: 'multistep' gamma: 0.1 stepvalue: 2 stepvalue: 5", 4, 0.1 * 0.1},
        PolicyCase{"lr_policy: 'multistep' gamma: 0.1 stepvalue: 2 stepvalue: 5", 5, 0.1 * 0.01},
        PolicyCase{"lr_policy: 'poly' power: 2 max_iter: 10", 4, 0.1 * 0.36},
        PolicyCase{"lr_policy: 'fixed' warmup_iter: 10 warmup_start_factor: 0.2", 5,
                   0.1 * (0.2 + 0.8 * 0.5)},
        PolicyCase{"lr_policy: 'step' gamma: 0.5 stepsize: 2 warmup_iter: 4", 3, 0.1 * 0.5 * 0.75},
        PolicyCase{"lr_policy: 'step' gamma: 0.5 stepsize: 2 warmup_iter: 4", 4, 0.1 * 0.25},
        PolicyCase{"lr_policy: 'sigmoid' gamma: -0.5 stepsize: 4", 6,
                   0.1 / (1 + std::exp(0.5 * 2))}),
    [](const ::testing::TestParamInfo<PolicyCase>& info) {
      const std::string& f = info.param.fields;
      const size_t start = f.find('\'') + 1;
      return f.substr(start, f.find('\'', start) - start) +
             (f.find("warmup") != std::string::npos ? "_warmup" : "") + "_iter" +
             std::to_string(info.param.iter) + "_" + std::to_string(info.index);
    });

TEST(SolverTest, RejectsUnknownPolicyTypeAndMissingNet) {
  EXPECT_THROW(SGDSolver(LeastSquaresSolver("lr_policy: 'cosine'")), ConfigError);
  EXPECT_THROW(CreateSolver(LeastSquaresSolver("type: 'Lion'")), ConfigError);
  SolverParameter no_net;
  ParseProtoFromText("base_lr: 0.1 lr_policy: 'fixed'", "s", &no_net);
  EXPECT_THROW(CreateSolver(no_net), ConfigError);
  EXPECT_THROW(SGDSolver(LeastSquaresSolver("regularization_type: 'L3'")), ConfigError);
}

TEST(SolverTest, MissingNetFileNamesIt) {
  SolverParameter param;
  ParseProtoFromText("net: '/nonexistent/net.prototxt' base_lr: 0.1 lr_policy: 'fixed'", "s",
                     &param);
  try {
    CreateSolver(param);
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/net.prototxt"), std::string::npos);
  }
}

TEST(SolverTest, SnapshotWritesLoadableWeightsAndState) {
  const std::string dir = testing::MakeTempDir("snapshot");
  SolverParameter param = LeastSquaresSolver("momentum: 0.9 snapshot: 2 snapshot_prefix: '" + dir +
                                             "/sub/model' max_iter: 2");
  auto solver = CreateSolver(param);
  solver->Solve();
  const std::string model = dir + "/sub/model_iter_2.caffemodel";
  EXPECT_EQ(solver->last_snapshot(), model);
  ASSERT_TRUE(std::filesystem::exists(model));
  SolverState state;
  ReadProtoFromBinaryFile(dir + "/sub/model_iter_2.solverstate", &state);
  EXPECT_EQ(state.iter(), 2);
  EXPECT_EQ(state.history_size(), 1);
  NetParameter net_param = param.net_param();
  net_param.mutable_state()->set_phase(TEST);
  Net net(net_param);
  net.CopyTrainedLayersFrom(model);
  EXPECT_EQ(net.layer_by_name("fc")->blobs()[0]->data()[0],
            solver->net().layer_by_name("fc")->blobs()[0]->data()[0]);
}

TEST(SolverTest, TestNetsShareWeightsAndAverageOutputs) {
  SolverParameter param = LeastSquaresSolver("test_iter: 3 test_interval: 1 max_iter: 1");
  auto solver = CreateSolver(param);
  ASSERT_EQ(solver->test_nets().size(), 1u);
  const auto results = solver->Test(0);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].name, "loss");
  EXPECT_EQ(results[0].loss_weight, 1.f);
  solver->net().layer_by_name("fc")->blobs()[0]->mutable_data()[0] = 7;
  EXPECT_EQ(solver->test_nets()[0]->layer_by_name("fc")->blobs()[0]->data()[0], 7);
}

}  // namespace
}  // namespace strata

namespace strata {
namespace {

// With iter_size k and batch b, the step equals that of one batch of k * b.
TEST(IterSizeTest, EqualsOneLargerBatch) {
  const std::string dir = testing::MakeTempDir("iter_size");
  testing::WriteClusterHdf5(dir + "/d.h5", 12, 5, 3, 0.f, 1.f, 8);
  testing::WriteTextFile(dir + "/list.txt", "d.h5\n");
  auto weights_after = [&](int batch, int iter_size) {
    SolverParameter param;
    ParseProtoFromText(
        "base_lr: 0.5 momentum: 0.9 weight_decay: 0.01 lr_policy: 'fixed' "
        "random_seed: 2 max_iter: 3 iter_size: " +
            std::to_string(iter_size) +
            R"( net_param {
        layer { name: "data" type: "HDF5Data" top: "data" top: "label"
          hdf5_data_param { source: ")" +
            dir + "/list.txt\" batch_size: " + std::to_string(batch) +
            R"( } }
        layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc"
          inner_product_param { num_output: 3 weight_filler { type: "gaussian" } } }
        layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" } })",
        "solver", &param);
    auto solver = CreateSolver(param);
    solver->Step(3);
    const Blob& w = *solver->net().learnable_params()[0];
    return std::vector<float>(w.data(), w.data() + w.count());
  };
  const auto large = weights_after(12, 1);
  const auto accumulated = weights_after(4, 3);
  ASSERT_EQ(large.size(), accumulated.size());
  for (size_t i = 0; i < large.size(); ++i) EXPECT_NEAR(large[i], accumulated[i], 1e-5) << i;
}

}  // namespace
}  // namespace strata
