// Files written by BVLC Caffe 1.0 (tests/fixtures/caffe) load unchanged.
// Skipped, with a message, when the fixtures folder is absent.
#include <gtest/gtest.h>

#include <filesystem>

#include "strata/errors.hpp"
#include "strata/io.hpp"
#include "strata/net.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

const std::string& kFixtures = testing::kCaffeFixtures;

class CaffeCompatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kFixtures)) {
      GTEST_FAIL() << kFixtures << " is missing (run from the repository root, which holds it)";
    }
  }
};

TEST_F(CaffeCompatTest, ReadsCaffeTrainedLenetWeights) {
  NetParameter weights;
  ReadProtoFromBinaryFile(kFixtures + "/lenet_fashion_iter_10000.caffemodel", &weights);
  std::vector<std::string> names;
  for (const auto& layer : weights.layer()) names.push_back(layer.name());
  EXPECT_EQ(names, (std::vector<std::string>{"mnist", "conv1", "pool1", "conv2", "pool2", "ip1",
                                             "relu1", "ip2", "loss"}));
  // The fully connected head of LeNet, fed pool2's 50x4x4 output, takes Caffe's weights by name.
  Net head(testing::ParseNet(R"(
    state { phase: TEST }
    layer { name: "in" type: "Input" top: "pool2" input_param { shape { dim: 2 dim: 50 dim: 4 dim: 4 } } }
    layer { name: "ip1" type: "InnerProduct" bottom: "pool2" top: "ip1" inner_product_param { num_output: 500 } }
    layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
    layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2" inner_product_param { num_output: 10 } })"));
  head.CopyTrainedLayersFrom(kFixtures + "/lenet_fashion_iter_10000.caffemodel");
  const Layer* ip2 = head.layer_by_name("ip2");
  EXPECT_EQ(ip2->blobs()[0]->shape(), (std::vector<int>{10, 500}));
  EXPECT_GT(ip2->blobs()[0]->asum_data(), 0);
  // The values are Caffe's, bit for bit.
  const BlobProto& stored = weights.layer(7).blobs(0);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(ip2->blobs()[0]->data()[i], stored.data(i));
  EXPECT_EQ(head.layer_by_name("ip1")->blobs()[1]->data()[499],
            weights.layer(5).blobs(1).data(499));
}

TEST_F(CaffeCompatTest, CaffeWeightsShapeMismatchIsNamed) {
  Net wrong(testing::ParseNet(R"(
    state { phase: TEST }
    layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 100 } } }
    layer { name: "ip2" type: "InnerProduct" bottom: "x" top: "ip2" inner_product_param { num_output: 10 } })"));
  try {
    wrong.CopyTrainedLayersFrom(kFixtures + "/lenet_fashion_iter_10000.caffemodel");
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'ip2' blob 0: the weights have shape (10,500) but "
                                         "the net expects (10,100)"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace strata
