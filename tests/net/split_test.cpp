// Automatic Split insertion for tops read by several layers.
#include <gtest/gtest.h>

#include "strata/net.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::ParseNet;

TEST(InsertSplitsTest, NoSplitWithoutFanOut) {
  const NetParameter param = ParseNet(R"(
    layer { name: "a" type: "Input" top: "x" }
    layer { name: "b" type: "ReLU" bottom: "x" top: "x" }
    layer { name: "c" type: "ReLU" bottom: "x" top: "y" })");
  std::vector<int> origin;
  const NetParameter result = InsertSplits(param, &origin);
  EXPECT_EQ(result.layer_size(), 3);
  EXPECT_EQ(origin, (std::vector<int>{0, 1, 2}));
}

TEST(InsertSplitsTest, FanOutGetsSplitWithCaffeNames) {
  const NetParameter param = ParseNet(R"(
    layer { name: "data" type: "Input" top: "x" }
    layer { name: "b" type: "ReLU" bottom: "x" top: "y" }
    layer { name: "c" type: "Sigmoid" bottom: "x" top: "z" })");
  std::vector<int> origin;
  const NetParameter result = InsertSplits(param, &origin);
  ASSERT_EQ(result.layer_size(), 4);
  const LayerParameter& split = result.layer(1);
  EXPECT_EQ(split.type(), "Split");
  EXPECT_EQ(split.name(), "x_data_0_split");
  EXPECT_EQ(split.bottom(0), "x");
  ASSERT_EQ(split.top_size(), 2);
  EXPECT_EQ(split.top(0), "x_data_0_split_0");
  EXPECT_EQ(result.layer(2).bottom(0), "x_data_0_split_0");
  EXPECT_EQ(result.layer(3).bottom(0), "x_data_0_split_1");
  EXPECT_EQ(origin, (std::vector<int>{0, 0, 1, 2}));
}

TEST(InsertSplitsTest, ConsumedLossTopKeepsItsWeightOnTheSplit) {
  const NetParameter param = ParseNet(R"(
    layer { name: "a" type: "Input" top: "x" loss_weight: 2 }
    layer { name: "b" type: "ReLU" bottom: "x" top: "y" })");
  std::vector<int> origin;
  const NetParameter result = InsertSplits(param, &origin);
  ASSERT_EQ(result.layer_size(), 3);
  EXPECT_EQ(result.layer(0).loss_weight(0), 0);
  EXPECT_EQ(result.layer(1).loss_weight(0), 2);
  EXPECT_EQ(result.layer(1).loss_weight(1), 0);
  EXPECT_EQ(result.layer(2).bottom(0), "x_a_0_split_1");
}

TEST(InsertSplitsTest, FanOutGradientIsTheSum) {
  // Two identical losses on one top: every parameter gradient doubles.
  const char* single = R"(
    state { phase: TRAIN }
    layer { name: "data" type: "DummyData" top: "x" top: "t"
      dummy_data_param { shape { dim: 3 dim: 4 } shape { dim: 3 dim: 2 }
        data_filler { type: "constant" value: 0.3 } data_filler { type: "constant" value: -1 } } }
    layer { name: "fc" type: "InnerProduct" bottom: "x" top: "y"
      inner_product_param { num_output: 2 weight_filler { type: "gaussian" } } }
    layer { name: "l1" type: "EuclideanLoss" bottom: "y" bottom: "t" top: "l1" })";
  const std::string twice =
      std::string(single) +
      R"(layer { name: "l2" type: "EuclideanLoss" bottom: "y" bottom: "t" top: "l2" })";
  Net one(ParseNet(single));
  Net two(ParseNet(twice));
  NetParameter weights;
  one.ToProto(&weights);
  two.CopyTrainedLayersFrom(weights);
  one.ForwardBackward();
  two.ForwardBackward();
  for (size_t p = 0; p < one.learnable_params().size(); ++p) {
    for (int i = 0; i < one.learnable_params()[p]->count(); ++i) {
      EXPECT_FLOAT_EQ(two.learnable_params()[p]->diff()[i],
                      2 * one.learnable_params()[p]->diff()[i]);
    }
  }
}

}  // namespace
}  // namespace strata
