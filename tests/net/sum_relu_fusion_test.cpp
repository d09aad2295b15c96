// NetOptions::fuse_sum_relu: an Eltwise SUM followed by an in-place ReLU
// (a residual block's end) runs as the sum's passes, in training and in
// inference. Outputs and every gradient equal the separate layers' to the
// bit, for slopes 0, positive and negative and with coefficients; a ReLU not
// in place, or a PROD, is left alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "strata/net.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

// Two residual-style ends: conv + shortcut summed then rectified in place
// (the first with coefficients and a leaky ReLU), then a head and a loss.
constexpr const char* kNet = R"(name: "sums"
force_backward: true
layer { name: "data" type: "Input" top: "data" top: "label"
  input_param { shape { dim: 3 dim: 4 dim: 5 dim: 5 } shape { dim: 3 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  convolution_param { num_output: 4 kernel_size: 3 pad: 1
                      weight_filler { type: "gaussian" std: 0.3 } } }
layer { name: "sum1" type: "Eltwise" bottom: "conv1" bottom: "data" top: "sum1"
  eltwise_param { operation: SUM coeff: 0.5 coeff: -1.5 } }
layer { name: "relu1" type: "ReLU" bottom: "sum1" top: "sum1" relu_param { negative_slope: 0.1 } }
layer { name: "conv2" type: "Convolution" bottom: "sum1" top: "conv2"
  convolution_param { num_output: 4 kernel_size: 3 pad: 1
                      weight_filler { type: "gaussian" std: 0.3 } } }
layer { name: "sum2" type: "Eltwise" bottom: "conv2" bottom: "sum1" top: "sum2" }
layer { name: "relu2" type: "ReLU" bottom: "sum2" top: "sum2" }
layer { name: "ip" type: "InnerProduct" bottom: "sum2" top: "ip"
  inner_product_param { num_output: 5 weight_filler { type: "gaussian" std: 0.3 } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
)";

std::unique_ptr<Net> MakeNet(bool fuse, const std::string& text, Phase phase = TRAIN) {
  NetParameter param = testing::ParseNet(text);
  param.mutable_state()->set_phase(phase);
  NetOptions options;
  options.fuse_sum_relu = fuse;
  options.seed = 3;
  return std::make_unique<Net>(param, options);
}

// The chain layer `name` runs in ("" if none).
std::string ChainOf(const Net& net, const std::string& name) {
  const auto& names = net.layer_names();
  const auto at = std::find(names.begin(), names.end(), name);
  EXPECT_NE(at, names.end()) << name;
  return at == names.end() ? "?" : net.FoldedInto(static_cast<int>(at - names.begin()));
}

// The loss, the data's gradient and every parameter's data and gradient
// after one forward-backward pass.
std::vector<std::vector<float>> Pass(Net* net) {
  auto data = testing::GaussianBlob({3, 4, 5, 5}, 21);
  net->input_blobs()[0]->CopyFrom(*data);
  float* label = net->input_blobs()[1]->mutable_data();
  for (int n = 0; n < 3; ++n) label[n] = static_cast<float>(n);
  net->ClearParamDiffs();
  std::vector<std::vector<float>> results{{net->ForwardBackward()}};
  for (auto& values : testing::InputDiffAndParams(*net)) results.push_back(std::move(values));
  return results;
}

void ExpectFusedEqualsSeparate(const std::string& text) {
  auto fused = MakeNet(true, text), plain = MakeNet(false, text);
  EXPECT_EQ(ChainOf(*fused, "relu1"), "sum1+relu1");
  EXPECT_EQ(ChainOf(*fused, "sum2"), "sum2+relu2");
  EXPECT_EQ(ChainOf(*plain, "sum1"), "");
  EXPECT_EQ(Pass(fused.get()), Pass(plain.get()));
}

TEST(SumReLUFusionTest, FusedPairsGiveTheSeparateLayersResultsToTheBit) {
  ExpectFusedEqualsSeparate(kNet);
  std::string negative = kNet;
  const std::string leaky = "negative_slope: 0.1";
  negative.replace(negative.find(leaky), leaky.size(), "negative_slope: -0.5");
  ExpectFusedEqualsSeparate(negative);
}

TEST(SumReLUFusionTest, InferenceNetsFuseToo) {
  auto fused = MakeNet(true, kNet, TEST), plain = MakeNet(false, kNet, TEST);
  EXPECT_EQ(ChainOf(*fused, "sum2"), "sum2+relu2");
  auto data = testing::GaussianBlob({3, 4, 5, 5}, 22);
  for (Net* net : {fused.get(), plain.get()}) net->input_blobs()[0]->CopyFrom(*data);
  fused->Forward();
  plain->Forward();
  const Blob& a = *fused->output_blobs()[0];
  const Blob& b = *plain->output_blobs()[0];
  EXPECT_EQ(std::vector<float>(a.data(), a.data() + a.count()),
            std::vector<float>(b.data(), b.data() + b.count()));
}

TEST(SumReLUFusionTest, WhatCannotFuseIsLeftAlone) {
  // A ReLU not in place (the sum stays readable) and a PROD.
  std::string text = kNet;
  const std::string relu1 = R"(bottom: "sum1" top: "sum1" relu_param)";
  text.replace(text.find(relu1), relu1.size(), R"(bottom: "sum1" top: "r1" relu_param)");
  const std::string conv2 = R"(name: "conv2" type: "Convolution" bottom: "sum1")";
  text.replace(text.find(conv2), conv2.size(), R"(name: "conv2" type: "Convolution" bottom: "r1")");
  const std::string sum2 = R"(bottom: "conv2" bottom: "sum1" top: "sum2" })";
  text.replace(text.find(sum2), sum2.size(),
               R"(bottom: "conv2" bottom: "r1" top: "sum2" eltwise_param { operation: PROD } })");
  auto net = MakeNet(true, text);
  for (int i = 0; i < static_cast<int>(net->layers().size()); ++i) {
    EXPECT_EQ(net->FoldedInto(i), "") << i;
  }
}

}  // namespace
}  // namespace strata
