// Strata's RNN and LSTM give Caffe's answers: the nets of
// tests/fixtures/caffe/recurrent (made by BVLC Caffe 1.0; see its README),
// loaded with Caffe's seeded initial weights, reproduce the outputs of Caffe's
// first forward pass, and three SGD steps (momentum, weight decay) from those
// weights reach Caffe's weights.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "strata/hdf5.hpp"
#include "strata/io.hpp"
#include "strata/net.hpp"
#include "strata/solver.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

const std::string kRecurrent = testing::kCaffeFixtures + "/recurrent";

// `file` without its HDF5Output layers, its HDF5Data lists found in the
// fixture folder.
NetParameter FixtureNet(const std::string& file) {
  NetParameter source, param;
  ReadProtoFromTextFile(kRecurrent + "/" + file, &source);
  param = source;
  param.clear_layer();
  for (const LayerParameter& layer : source.layer()) {
    if (layer.type() == "HDF5Output") continue;
    LayerParameter* copy = param.add_layer();
    *copy = layer;
    if (layer.type() == "HDF5Data") {
      copy->mutable_hdf5_data_param()->set_source(kRecurrent + "/" +
                                                  layer.hdf5_data_param().source());
    }
  }
  return param;
}

void ExpectNear(const float* actual, const Blob& expected, const std::string& what,
                double tolerance = 1e-5) {
  double worst = 0;
  for (int i = 0; i < expected.count(); ++i) {
    worst = std::max(worst, std::fabs(static_cast<double>(actual[i]) - expected.data()[i]));
  }
  EXPECT_LE(worst, tolerance) << what << ": largest difference from Caffe's " << worst;
}

class CaffeRecurrentTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kRecurrent)) {
      GTEST_FAIL() << kRecurrent << " is missing (run from the repository root, which holds it)";
    }
  }
};

// The first forward pass from Caffe's initial weights.
TEST_P(CaffeRecurrentTest, ForwardGivesCaffesOutputs) {
  const std::string name = GetParam();
  Net net(FixtureNet(name + ".prototxt"));
  net.CopyTrainedLayersFrom(kRecurrent + "/" + name + "_init.caffemodel");
  net.Forward();
  Hdf5File out(kRecurrent + "/out_" + name + ".h5", Hdf5File::Mode::kRead);
  Blob expected, cont;
  out.Read("data", &expected);
  out.Read("label", &cont);
  const Blob* actual = net.blob_by_name(name == "rnn" ? "o" : "h");
  ASSERT_EQ(actual->count(), expected.count()) << actual->shape_string();
  ExpectNear(actual->data(), expected, name + " output");
  // The fixture's cont is the one the net read.
  ExpectNear(net.blob_by_name("cont")->data(), cont, "cont", 0);
  if (name == "lstm_hidden") {
    Hdf5File ends(kRecurrent + "/out_lstm_hidden_ends.h5", Hdf5File::Mode::kRead);
    Blob h_t, c_t;
    ends.Read("data", &h_t);
    ends.Read("label", &c_t);
    ExpectNear(net.blob_by_name("hT")->data(), h_t, "h_T");
    ExpectNear(net.blob_by_name("cT")->data(), c_t, "c_T");
  }
}

// Three SGD steps with Caffe's solver from Caffe's initial weights.
TEST_P(CaffeRecurrentTest, ThreeSgdStepsGiveCaffesWeights) {
  const std::string name = GetParam();
  SolverParameter solver_param;
  ReadProtoFromTextFile(kRecurrent + "/" + name + "_sgd_solver.prototxt", &solver_param);
  solver_param.clear_net();
  *solver_param.mutable_net_param() = FixtureNet(name + "_train.prototxt");
  solver_param.set_snapshot_prefix(testing::MakeTempDir("recurrent_sgd") + "/snap");
  solver_param.set_snapshot_after_train(false);
  auto solver = CreateSolver(solver_param);
  solver->net().CopyTrainedLayersFrom(kRecurrent + "/" + name + "_init.caffemodel");
  solver->Step(3);
  NetParameter expected;
  ReadProtoFromBinaryFile(kRecurrent + "/" + name + "_sgd3.caffemodel", &expected);
  const std::string layer_name = name == "rnn" ? "rnn" : "lstm";
  const LayerParameter* caffe_layer = nullptr;
  for (const LayerParameter& layer : expected.layer()) {
    if (layer.name() == layer_name) caffe_layer = &layer;
  }
  ASSERT_NE(caffe_layer, nullptr);
  const Layer* layer = solver->net().layer_by_name(layer_name);
  ASSERT_EQ(static_cast<int>(layer->blobs().size()), caffe_layer->blobs_size());
  for (int b = 0; b < caffe_layer->blobs_size(); ++b) {
    Blob caffe_blob;
    caffe_blob.FromProto(caffe_layer->blobs(b));
    ASSERT_EQ(layer->blobs()[b]->count(), caffe_blob.count()) << "blob " << b;
    ExpectNear(layer->blobs()[b]->data(), caffe_blob, "blob " + std::to_string(b));
  }
}

INSTANTIATE_TEST_SUITE_P(Nets, CaffeRecurrentTest, ::testing::Values("lstm", "lstm_hidden", "rnn"));

}  // namespace
}  // namespace strata
