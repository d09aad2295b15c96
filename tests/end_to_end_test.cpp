// Trains a small softmax classifier on a few hundred synthetic examples, read
// through HDF5Data from a solver file, and checks that the loss falls and the
// test accuracy is high.
#include <gtest/gtest.h>

#include "strata/hdf5.hpp"
#include "strata/random.hpp"
#include "strata/solver.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

// Three Gaussian clusters in 4-D.
void WriteClusters(const std::string& path, int n, uint64_t seed) {
  testing::WriteClusterHdf5(path, n, 4, 3, 2.f, 0.7f, seed);
}

TEST(EndToEndTest, TinyNetLearnsAndLossFalls) {
  const std::string dir = testing::MakeTempDir("e2e");
  WriteClusters(dir + "/train.h5", 300, 1);
  WriteClusters(dir + "/test.h5", 150, 2);
  testing::WriteTextFile(dir + "/train.txt", "train.h5\n");
  testing::WriteTextFile(dir + "/test.txt", "test.h5\n");
  testing::WriteTextFile(dir + "/net.prototxt", R"(name: "tiny"
layer { name: "data" type: "HDF5Data" top: "data" top: "label" include { phase: TRAIN }
  hdf5_data_param { source: ")" + dir + R"(/train.txt" batch_size: 30 shuffle: true } }
layer { name: "data" type: "HDF5Data" top: "data" top: "label" include { phase: TEST }
  hdf5_data_param { source: ")" + dir + R"(/test.txt" batch_size: 50 } }
layer { name: "fc1" type: "InnerProduct" bottom: "data" top: "fc1"
  inner_product_param { num_output: 16 weight_filler { type: "msra" } } }
layer { name: "relu" type: "ReLU" bottom: "fc1" top: "fc1" }
layer { name: "fc2" type: "InnerProduct" bottom: "fc1" top: "fc2"
  inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc2" bottom: "label" top: "loss" }
layer { name: "accuracy" type: "Accuracy" bottom: "fc2" bottom: "label" top: "accuracy"
  include { phase: TEST } }
)");
  testing::WriteTextFile(dir + "/solver.prototxt", "net: \"" + dir + R"(/net.prototxt"
test_iter: 3 test_interval: 100 test_initialization: false
base_lr: 0.05 momentum: 0.9 weight_decay: 0.0005 lr_policy: "fixed"
display: 20 average_loss: 10 max_iter: 200 random_seed: 3 snapshot_after_train: false
)");
  auto solver = CreateSolver(ReadSolverParameter(dir + "/solver.prototxt"));
  solver->Step(10);
  const float early = solver->smoothed_loss();
  solver->Solve();
  EXPECT_EQ(solver->iter(), 200);
  EXPECT_LT(solver->smoothed_loss(), 0.5f * early);
  const auto results = AverageOutputs(*solver->test_nets()[0], 3);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].name, "accuracy");
  EXPECT_GT(results[1].value, 0.9f);
}

TEST(EndToEndTest, SameSeedSameLosses) {
  const std::string dir = testing::MakeTempDir("e2e_seed");
  WriteClusters(dir + "/train.h5", 90, 1);
  testing::WriteTextFile(dir + "/train.txt", "train.h5\n");
  SolverParameter param;
  ParseProtoFromText(R"(base_lr: 0.05 momentum: 0.9 lr_policy: "fixed" max_iter: 30
    random_seed: 11 snapshot_after_train: false
    net_param {
      layer { name: "data" type: "HDF5Data" top: "data" top: "label"
        hdf5_data_param { source: ")" +
                         dir + R"(/train.txt" batch_size: 10 shuffle: true } }
      layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc"
        inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 0.1 } } }
      layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" } })",
                     "solver", &param);
  auto run = [&] {
    auto solver = CreateSolver(param);
    std::vector<float> losses;
    for (int i = 0; i < 30; ++i) {
      solver->Step(1);
      losses.push_back(solver->smoothed_loss());
    }
    return losses;
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace strata
