// Strata computes Caffe's answers: nets from tests/fixtures/caffe (made by
// BVLC Caffe 1.0) loaded with Caffe-trained weights reproduce Caffe's outputs.
// Skipped, with a message, when the fixtures folder is absent.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "strata/hdf5.hpp"
#include "strata/io.hpp"
#include "strata/net.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

const std::string& kFixtures = testing::kCaffeFixtures;

class CaffeFixturesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kFixtures)) {
      GTEST_FAIL() << kFixtures << " is missing (run from the repository root, which holds it)";
    }
  }

  // Loads `deploy` in TEST phase with `weights`, feeds the reference `data`
  // and compares each named blob with the reference dataset of that name.
  void ExpectMatchesCaffe(const std::string& deploy, const std::string& weights,
                          const std::string& reference, const std::vector<std::string>& blobs,
                          float tolerance = 1e-4f) {
    NetParameter param;
    ReadProtoFromTextFile(kFixtures + "/" + deploy, &param);
    ExpectMatchesCaffe(param, weights, reference, blobs, tolerance);
  }

  // A train/test net with its data layers replaced by an Input of the reference data.
  static NetParameter WithInput(const std::string& train_test, const std::vector<int>& shape) {
    NetParameter source, param;
    ReadProtoFromTextFile(kFixtures + "/" + train_test, &source);
    param = source;
    param.clear_layer();
    LayerParameter* input = param.add_layer();
    input->set_name("data");
    input->set_type("Input");
    input->add_top("data");
    input->add_top("label");
    BlobShape* data_shape = input->mutable_input_param()->add_shape();
    for (int d : shape) data_shape->add_dim(d);
    input->mutable_input_param()->add_shape()->add_dim(shape[0]);
    for (const auto& layer : source.layer()) {
      if (layer.type() != "Data") *param.add_layer() = layer;
    }
    return param;
  }

  // `folded`: built as an inference net (activations handed on, BatchNorm
  // folded into the layer before it), keeping `blobs` readable.
  void ExpectMatchesCaffe(NetParameter param, const std::string& weights,
                          const std::string& reference, const std::vector<std::string>& blobs,
                          float tolerance = 1e-4f, bool folded = false) {
    param.mutable_state()->set_phase(TEST);
    NetOptions options;
    options.keep_blobs = blobs;
    options.reuse_activations = folded;
    options.fold_batch_norm = folded;
    Net net(param, options);
    EXPECT_EQ(net.folded_layers().empty(), !folded);
    net.CopyTrainedLayersFrom(kFixtures + "/" + weights);
    Hdf5File file(kFixtures + "/" + reference, Hdf5File::Mode::kRead);
    Blob input;
    file.Read("data", &input);
    Blob* data = net.blob_by_name("data");
    data->Reshape(input.shape());
    data->CopyFrom(input);
    net.Reshape();
    net.Forward();
    for (const std::string& name : blobs) {
      Blob expected;
      file.Read(name, &expected);
      const Blob* actual = net.blob_by_name(name);
      ASSERT_EQ(actual->count(), expected.count())
          << name << ": " << actual->shape_string() << " vs Caffe's " << expected.shape_string();
      double worst = 0;
      int worst_index = 0;
      for (int i = 0; i < expected.count(); ++i) {
        const double error = std::fabs(actual->data()[i] - expected.data()[i]);
        if (error > worst) {
          worst = error;
          worst_index = i;
        }
      }
      EXPECT_LE(worst, tolerance) << name << ": largest difference at element " << worst_index
                                  << ": " << actual->data()[worst_index] << " vs Caffe's "
                                  << expected.data()[worst_index];
    }
  }
};

TEST_F(CaffeFixturesTest, LenetReproducesCaffeLogitsAndProbabilities) {
  ExpectMatchesCaffe("lenet_deploy.prototxt", "lenet_fashion_iter_10000.caffemodel",
                     "lenet_fashion_reference.h5", {"ip2", "prob"});
}

TEST_F(CaffeFixturesTest, LenetFromHdf5WeightsReproducesCaffeLogits) {
  ExpectMatchesCaffe("lenet_deploy.prototxt", "lenet_fashion_iter_10000.caffemodel.h5",
                     "lenet_fashion_reference.h5", {"ip2", "prob"});
}

TEST_F(CaffeFixturesTest, LenetBatchNormReproducesCaffeActivations) {
  ExpectMatchesCaffe(WithInput("lenet_bn_train_test.prototxt", {100, 1, 28, 28}),
                     "lenet_bn_fashion_iter_1000.caffemodel", "lenet_bn_fashion_reference.h5",
                     {"pool1", "pool2", "ip2"});
}

TEST_F(CaffeFixturesTest, LenetBatchNormFoldedForInferenceReproducesCaffeActivations) {
  ExpectMatchesCaffe(WithInput("lenet_bn_train_test.prototxt", {100, 1, 28, 28}),
                     "lenet_bn_fashion_iter_1000.caffemodel", "lenet_bn_fashion_reference.h5",
                     {"pool1", "pool2", "ip2"}, 1e-4f, /*folded=*/true);
}

TEST_F(CaffeFixturesTest, LayerCoverageNetReproducesEveryCaffeTop) {
  ExpectMatchesCaffe("coverage_deploy.prototxt", "coverage_iter_30.caffemodel",
                     "coverage_reference.h5",
                     {"conv1",   "bn1",    "pool1",   "conv2",  "lrn1",  "prelu1", "lrn2",  "pool2",
                      "deconv1", "elu1",   "concat1", "tanh1",  "sig1",  "esum",   "eprod", "emax",
                      "mvn1",    "swish1", "bnll1",   "power1", "clip1", "bias1",  "crop1", "flat1",
                      "ip1",     "absv1",  "exp1",    "log1",   "drop1", "ip2",    "prob"});
}

}  // namespace
}  // namespace strata
