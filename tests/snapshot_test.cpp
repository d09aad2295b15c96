#include "strata/snapshot.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "strata/blob.hpp"
#include "strata/errors.hpp"
#include "strata/io.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

NetParameter SomeWeights() {
  NetParameter weights;
  LayerParameter* layer = weights.add_layer();
  layer->set_name("fc");
  auto w = testing::GaussianBlob({3, 2}, 1);
  auto b = testing::GaussianBlob({3}, 2);
  w->ToProto(layer->add_blobs());
  b->ToProto(layer->add_blobs());
  weights.add_layer()->set_name("relu");
  return weights;
}

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SnapshotTest, WeightsRoundTripInBothFormatsAndKindsAreDetected) {
  const std::string dir = testing::MakeTempDir("snapshot_files");
  const NetParameter weights = SomeWeights();
  for (bool hdf5 : {false, true}) {
    const std::string path = dir + (hdf5 ? "/w.caffemodel.h5" : "/w.caffemodel");
    WriteWeights(weights, path, hdf5, false);
    EXPECT_EQ(DetectFileKind(path), hdf5 ? FileKind::kWeightsHdf5 : FileKind::kWeights);
    NetParameter read;
    ReadWeights(path, &read);
    ASSERT_GE(read.layer_size(), 1);
    const LayerParameter& fc = read.layer(0);
    EXPECT_EQ(fc.name(), "fc");
    ASSERT_EQ(fc.blobs_size(), 2);
    Blob w;
    w.FromProto(fc.blobs(0));
    EXPECT_EQ(w.shape(), (std::vector<int>{3, 2}));
    for (int i = 0; i < 6; ++i) EXPECT_EQ(w.data()[i], weights.layer(0).blobs(0).data(i));
  }
  // The kind comes from the content, not the name.
  std::filesystem::copy_file(dir + "/w.caffemodel.h5", dir + "/renamed.bin");
  EXPECT_EQ(DetectFileKind(dir + "/renamed.bin"), FileKind::kWeightsHdf5);
}

TEST(SnapshotTest, SolverStateRoundTripInBothFormats) {
  const std::string dir = testing::MakeTempDir("snapshot_state");
  SolverState state;
  state.set_iter(12);
  state.set_learned_net("x.caffemodel");
  state.set_current_step(2);
  testing::GaussianBlob({2, 2}, 3)->ToProto(state.add_history());
  state.add_loss_window(0.5f);
  state.set_loss_window_position(1);
  LayerState* layer = state.add_layer_state();
  layer->set_layer("data");
  layer->add_cursor(7);
  for (bool hdf5 : {false, true}) {
    const std::string path = dir + (hdf5 ? "/s.solverstate.h5" : "/s.solverstate");
    WriteSolverState(state, path, hdf5);
    EXPECT_EQ(DetectFileKind(path), hdf5 ? FileKind::kSolverStateHdf5 : FileKind::kSolverState);
    SolverState read;
    ReadSolverState(path, &read);
    EXPECT_EQ(read.iter(), 12);
    EXPECT_EQ(read.learned_net(), "x.caffemodel");
    EXPECT_EQ(read.current_step(), 2);
    ASSERT_EQ(read.history_size(), 1);
    EXPECT_EQ(read.history(0).data(3), state.history(0).data(3));
    EXPECT_EQ(read.loss_window_size(), 1);
    ASSERT_EQ(read.layer_state_size(), 1);
    EXPECT_EQ(read.layer_state(0).cursor(0), 7);
  }
}

TEST(SnapshotTest, WrongKindSaysWhichFlagTakesIt) {
  const std::string dir = testing::MakeTempDir("snapshot_kinds");
  WriteWeights(SomeWeights(), dir + "/w.caffemodel", false, false);
  SolverState state;
  state.set_iter(3);
  WriteSolverState(state, dir + "/s.solverstate", false);
  NetParameter weights;
  EXPECT_NE(ErrorOf([&] { ReadWeights(dir + "/s.solverstate", &weights); }).find("--snapshot"),
            std::string::npos);
  SolverState read;
  EXPECT_NE(ErrorOf([&] { ReadSolverState(dir + "/w.caffemodel", &read); }).find("--weights"),
            std::string::npos);
  testing::WriteTextFile(dir + "/junk", "junk");
  EXPECT_THROW(ReadWeights(dir + "/junk", &weights), IoError);
  EXPECT_THROW(ReadWeights(dir + "/missing", &weights), IoError);
}

TEST(SnapshotTest, CaffeHdf5WeightsEqualCaffeBinaryWeights) {
  const std::string fixtures = "tests/fixtures/caffe";
  if (!std::filesystem::exists(fixtures))
    GTEST_FAIL() << fixtures << " is missing: the repository holds it";
  NetParameter binary, hdf5;
  ReadWeights(fixtures + "/lenet_fashion_iter_10000.caffemodel", &binary);
  ReadWeights(fixtures + "/lenet_fashion_iter_10000.caffemodel.h5", &hdf5);
  int compared = 0;
  for (const auto& layer : binary.layer()) {
    if (layer.blobs_size() == 0) continue;
    const LayerParameter* other = nullptr;
    for (const auto& candidate : hdf5.layer()) {
      if (candidate.name() == layer.name()) other = &candidate;
    }
    ASSERT_NE(other, nullptr) << layer.name();
    ASSERT_EQ(other->blobs_size(), layer.blobs_size());
    for (int j = 0; j < layer.blobs_size(); ++j) {
      Blob a, b;
      a.FromProto(layer.blobs(j));
      b.FromProto(other->blobs(j));
      ASSERT_EQ(a.shape(), b.shape()) << layer.name();
      for (int i = 0; i < a.count(); ++i) ASSERT_EQ(a.data()[i], b.data()[i]);
      ++compared;
    }
  }
  EXPECT_EQ(compared, 8);  // conv1, conv2, ip1, ip2: weight and bias each
}

}  // namespace
}  // namespace strata
