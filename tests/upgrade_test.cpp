#include "strata/upgrade.hpp"

#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "strata/io.hpp"
#include "strata/net.hpp"
#include "strata/snapshot.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

const char* kV1 = R"(
  name: "old"
  layers { name: "data" type: DUMMY_DATA top: "x" top: "t"
    dummy_data_param { shape { dim: 2 dim: 3 } shape { dim: 2 dim: 4 } data_filler { type: "gaussian" } } }
  layers { name: "fc" type: INNER_PRODUCT bottom: "x" top: "fc" blobs_lr: 1 blobs_lr: 2
    weight_decay: 1 weight_decay: 0 param: "shared_w"
    inner_product_param { num_output: 4 weight_filler { type: "gaussian" } } }
  layers { name: "relu" type: RELU bottom: "fc" top: "fc" }
  layers { name: "loss" type: EUCLIDEAN_LOSS bottom: "fc" bottom: "t" top: "loss"
    include { phase: TRAIN } })";

TEST(UpgradeTest, V1LayersBecomeLayers) {
  NetParameter net = testing::ParseNet(kV1);
  ASSERT_TRUE(NetNeedsUpgrade(net));
  EXPECT_TRUE(UpgradeNetParameter(&net));
  EXPECT_FALSE(NetNeedsUpgrade(net));
  ASSERT_EQ(net.layer_size(), 4);
  const LayerParameter& fc = net.layer(1);
  EXPECT_EQ(fc.type(), "InnerProduct");
  ASSERT_EQ(fc.param_size(), 2);
  EXPECT_EQ(fc.param(0).name(), "shared_w");
  EXPECT_EQ(fc.param(1).lr_mult(), 2);
  EXPECT_EQ(fc.param(1).decay_mult(), 0);
  EXPECT_EQ(fc.inner_product_param().num_output(), 4u);
  EXPECT_EQ(net.layer(2).type(), "ReLU");
  EXPECT_EQ(net.layer(3).include(0).phase(), TRAIN);
}

TEST(UpgradeTest, V1NetTrainsAndItsWeightsLoad) {
  NetParameter param = testing::ParseNet(kV1);
  param.mutable_state()->set_phase(TRAIN);
  Net net(param);
  EXPECT_GT(net.ForwardBackward(), 0);
  EXPECT_EQ(net.params_lr(), (std::vector<float>{1, 2}));
  // Weights saved with V1 `layers` load by name.
  NetParameter weights;
  net.ToProto(&weights);
  NetParameter v1_weights;
  for (const auto& layer : weights.layer()) {
    V1LayerParameter* old = v1_weights.add_layers();
    old->set_name(layer.name());
    *old->mutable_blobs() = layer.blobs();
  }
  const std::string path = testing::MakeTempDir("upgrade") + "/old.caffemodel";
  WriteProtoToBinaryFile(v1_weights, path);
  Net other(param, 99);
  other.CopyTrainedLayersFrom(path);
  EXPECT_EQ(other.learnable_params()[0]->data()[0], net.learnable_params()[0]->data()[0]);
}

TEST(UpgradeTest, V1ImageAndWindowDataParametersMove) {
  NetParameter net = testing::ParseNet(R"(
    layers { name: "images" type: IMAGE_DATA top: "x" top: "y"
      image_data_param { source: "list.txt" batch_size: 4 new_height: 32 } }
    layers { name: "windows" type: WINDOW_DATA top: "w" top: "v"
      window_data_param { source: "windows.txt" fg_fraction: 0.5 crop_mode: "square" } })");
  ASSERT_TRUE(UpgradeNetParameter(&net));
  ASSERT_EQ(net.layer_size(), 2);
  EXPECT_EQ(net.layer(0).type(), "ImageData");
  EXPECT_EQ(net.layer(0).image_data_param().new_height(), 32u);
  EXPECT_EQ(net.layer(1).type(), "WindowData");
  EXPECT_EQ(net.layer(1).window_data_param().crop_mode(), "square");
  EXPECT_FLOAT_EQ(net.layer(1).window_data_param().fg_fraction(), 0.5f);
}

TEST(UpgradeTest, InputFieldsWithInputShape) {
  NetParameter net = testing::ParseNet(R"(input: "a" input: "b"
    input_shape { dim: 1 dim: 2 } input_shape { dim: 3 })");
  EXPECT_TRUE(UpgradeNetParameter(&net));
  ASSERT_EQ(net.layer_size(), 1);
  EXPECT_EQ(net.layer(0).input_param().shape(1).dim(0), 3);
}

TEST(UpgradeTest, RejectsMixedAndBrokenDefinitions) {
  NetParameter mixed =
      testing::ParseNet(R"(layer { name: "a" type: "ReLU" } layers { name: "b" type: RELU })");
  EXPECT_THROW(UpgradeNetParameter(&mixed), ConfigError);
  NetParameter dims = testing::ParseNet(R"(input: "a" input_dim: 1 input_dim: 2)");
  EXPECT_THROW(UpgradeNetParameter(&dims), ConfigError);
  NetParameter untyped = testing::ParseNet(R"(layers { name: "b" })");
  EXPECT_THROW(UpgradeNetParameter(&untyped), ConfigError);
}

TEST(UpgradeTest, V1ErrorsPointAtTheOldLayer) {
  const std::string path =
      testing::WriteTextFile(testing::MakeTempDir("upgrade_err") + "/n.prototxt",
                             "name: \"n\"\nlayers {\n  name: \"w\"\n  type: WINDOW_DATA\n}\n");
  try {
    Net net(path, TEST);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(
        std::string(e.what()).find(
            path +
            ":2:1: layer 'w' (WindowData): layer type 'WindowData' is Caffe's but not implemented"),
        std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace strata
