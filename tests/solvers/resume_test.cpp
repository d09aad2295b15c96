// A run resumed from a snapshot at iteration k goes on exactly as the
// uninterrupted run: the same losses, to the last bit, and the same weights.
#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "strata/hdf5.hpp"
#include "strata/random.hpp"
#include "strata/solver.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

struct TrainingRun {
  std::vector<float> losses, smoothed, test;
  std::vector<float> weights;
};

class ResumeTest : public ::testing::TestWithParam<std::tuple<std::string, bool>> {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("resume");
    testing::WriteClusterHdf5(dir_ + "/d.h5", 50, 3, 3, 1.f, 1.f, 5);
    testing::WriteTextFile(dir_ + "/list.txt", "d.h5\n");
  }

  SolverParameter Param() const {
    const auto& [type, hdf5] = GetParam();
    SolverParameter param;
    ParseProtoFromText("type: '" + type + R"(' base_lr: 0.05 momentum: 0.9 weight_decay: 0.001
      lr_policy: "step" gamma: 0.5 stepsize: 7 max_iter: 24 average_loss: 5 random_seed: 9
      test_iter: 2 test_interval: 4 snapshot_after_train: false
      snapshot_prefix: ")" +
                           dir_ + "/snap\"" + (hdf5 ? " snapshot_format: HDF5" : "") + R"(
      net_param {
        layer { name: "data" type: "HDF5Data" top: "data" top: "label"
          hdf5_data_param { source: ")" +
                           dir_ + R"(/list.txt" batch_size: 8 shuffle: true } }
        layer { name: "fc1" type: "InnerProduct" bottom: "data" top: "fc1"
          inner_product_param { num_output: 6 weight_filler { type: "msra" } } }
        layer { name: "relu" type: "ReLU" bottom: "fc1" top: "fc1" }
        layer { name: "fc2" type: "InnerProduct" bottom: "fc1" top: "fc2"
          inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
        layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc2" bottom: "label" top: "loss" }
      })",
                       "solver", &param);
    return param;
  }

  // Runs from `from` (a state file, or "" for a fresh start) to max_iter,
  // snapshotting at `snapshot_at`.
  TrainingRun Train(const std::string& from, int snapshot_at) {
    auto solver = CreateSolver(Param());
    if (!from.empty()) solver->Restore(from);
    TrainingRun run;
    while (solver->iter() < 24) {
      solver->Step(1);
      run.losses.push_back(solver->last_loss());
      run.smoothed.push_back(solver->smoothed_loss());
      if (solver->iter() == snapshot_at) solver->Snapshot();
      if (solver->last_test_iter() >= 0 && !solver->last_test_results().empty()) {
        run.test.push_back(solver->last_test_results()[0][0].value);
      }
    }
    for (Blob* blob : solver->net().learnable_params()) {
      run.weights.insert(run.weights.end(), blob->data(), blob->data() + blob->count());
    }
    return run;
  }

  std::string dir_;
};

TEST_P(ResumeTest, ResumedRunMatchesUninterruptedRunBitForBit) {
  const TrainingRun full = Train("", 10);
  const bool hdf5 = std::get<1>(GetParam());
  const TrainingRun resumed = Train(dir_ + "/snap_iter_10.solverstate" + (hdf5 ? ".h5" : ""), -1);
  ASSERT_EQ(resumed.losses.size(), 14u);
  for (size_t i = 0; i < 14; ++i) {
    EXPECT_EQ(resumed.losses[i], full.losses[10 + i]) << "iteration " << 10 + i;
    EXPECT_EQ(resumed.smoothed[i], full.smoothed[10 + i]) << "iteration " << 10 + i;
  }
  EXPECT_EQ(resumed.weights, full.weights);
  // Test outputs after the resume point match too (the test data cursor is restored).
  ASSERT_FALSE(resumed.test.empty());
  EXPECT_EQ(resumed.test.back(), full.test.back());
}

INSTANTIATE_TEST_SUITE_P(SolversAndFormats, ResumeTest,
                         ::testing::Combine(::testing::Values("SGD", "Adam"),
                                            ::testing::Values(false, true)),
                         [](const ::testing::TestParamInfo<std::tuple<std::string, bool>>& info) {
                           return std::get<0>(info.param) +
                                  (std::get<1>(info.param) ? "_HDF5" : "_BinaryProto");
                         });

}  // namespace
}  // namespace strata
