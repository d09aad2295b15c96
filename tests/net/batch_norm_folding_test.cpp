// NetOptions::fold_batch_norm: inference nets run Convolution/InnerProduct +
// BatchNorm (+ Scale) chains as one layer with the same outputs, refold when
// any weight changes, and leave alone what they cannot fold.
#include <gtest/gtest.h>

#include <cmath>

#include "strata/net.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

// conv (no bias) + BN + Scale + ReLU, a depthwise conv + BN (no Scale), and
// an InnerProduct + BN + Scale, all in place; then a head.
constexpr const char* kNet = R"(name: "folding"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 3 dim: 3 dim: 9 dim: 7 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  convolution_param { num_output: 6 kernel_size: 3 pad: 1 bias_term: false
                      weight_filler { type: "gaussian" std: 0.3 } } }
layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" batch_norm_param { eps: 0.001 } }
layer { name: "scale1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" relu_param { negative_slope: 0.1 } }
layer { name: "dw" type: "Convolution" bottom: "conv1" top: "dw"
  convolution_param { num_output: 6 group: 6 kernel_size: 3 stride: 2
                      weight_filler { type: "gaussian" std: 0.3 } bias_filler { type: "gaussian" } } }
layer { name: "bn2" type: "BatchNorm" bottom: "dw" top: "dw" }
layer { name: "ip" type: "InnerProduct" bottom: "dw" top: "ip"
  inner_product_param { num_output: 5 weight_filler { type: "gaussian" std: 0.3 }
                        bias_filler { type: "gaussian" } } }
layer { name: "bn3" type: "BatchNorm" bottom: "ip" top: "ip" }
layer { name: "scale3" type: "Scale" bottom: "ip" top: "ip" scale_param { bias_term: true } }
layer { name: "prob" type: "Softmax" bottom: "ip" top: "prob" }
)";

// Gives every BatchNorm and Scale blob values far from the identity.
void RandomiseStatistics(Net* net, unsigned seed) {
  for (size_t i = 0; i < net->layers().size(); ++i) {
    Layer& layer = *net->layers()[i];
    const std::string type = layer.type();
    if (type != "BatchNorm" && type != "Scale") continue;
    for (size_t b = 0; b < layer.blobs().size(); ++b) {
      Blob& blob = *layer.blobs()[b];
      const std::vector<float> u = testing::UniformVector(blob.count(), seed + 7 * i + b);
      for (int k = 0; k < blob.count(); ++k) {
        // BatchNorm: mean, variance (positive), scale factor; Scale: gamma, beta.
        const bool positive = type == "BatchNorm" && b >= 1;
        blob.mutable_data()[k] = positive ? 0.5f + 2.f * std::abs(u[k]) : 1.5f * u[k];
      }
    }
  }
}

std::unique_ptr<Net> MakeNet(bool fold, bool reuse = true, const char* text = kNet) {
  NetParameter param = testing::ParseNet(text);
  param.mutable_state()->set_phase(TEST);
  NetOptions options;
  options.fold_batch_norm = fold;
  options.reuse_activations = reuse;
  options.seed = 5;
  return std::make_unique<Net>(param, options);
}

std::vector<float> Output(Net* net, const Blob& input) {
  net->input_blobs()[0]->CopyFrom(input);
  net->Forward();
  const Blob* out = net->output_blobs()[0];
  return std::vector<float>(out->data(), out->data() + out->count());
}

void ExpectClose(const std::vector<float>& a, const std::vector<float>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_NEAR(a[i], b[i], 1e-5f * std::max(1.f, std::abs(b[i]))) << i;
  }
}

TEST(BatchNormFoldingTest, FoldedChainsGiveTheUnfoldedOutputs) {
  auto folded = MakeNet(true), plain = MakeNet(false);
  EXPECT_EQ(folded->folded_layers(),
            (std::vector<std::string>{"conv1+bn1+scale1+relu1", "dw+bn2", "ip+bn3+scale3"}));
  EXPECT_TRUE(plain->folded_layers().empty());
  // A convolution's chain takes the (leaky) ReLU after it.
  EXPECT_EQ(folded->FoldedInto(2), "conv1+bn1+scale1+relu1");  // bn1
  EXPECT_EQ(folded->FoldedInto(4), "conv1+bn1+scale1+relu1");  // relu1
  EXPECT_EQ(folded->FoldedRange(2), (std::pair<int, int>{1, 4}));
  EXPECT_EQ(folded->FoldedRange(5), (std::pair<int, int>{5, 6}));  // dw, bn2
  RandomiseStatistics(folded.get(), 1);
  RandomiseStatistics(plain.get(), 1);
  auto input = testing::GaussianBlob({3, 3, 9, 7}, 2);
  const auto expected = Output(plain.get(), *input);
  ExpectClose(Output(folded.get(), *input), expected);
  // The folded net's own layers keep the unfolded weights (what a snapshot saves).
  EXPECT_EQ(folded->layers()[1]->blobs().size(), 1u);  // conv1 has no bias of its own
}

// A depthwise convolution rectifies its rows in its own kernel (every
// kernel set): a plain ReLU and a leaky one, on rows of 3 to 40 outputs.
TEST(BatchNormFoldingTest, DepthwiseChainsRectifyAsTheReluLayerDoes) {
  for (const char* slope : {"0", "0.1"}) {
    const std::string text = std::string(R"(name: "dw"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 5 dim: 11 dim: 40 } } }
layer { name: "dw" type: "Convolution" bottom: "data" top: "dw"
  convolution_param { num_output: 5 group: 5 kernel_size: 3 pad: 1 bias_term: false
                      weight_filler { type: "gaussian" std: 0.3 } } }
layer { name: "bn" type: "BatchNorm" bottom: "dw" top: "dw" }
layer { name: "scale" type: "Scale" bottom: "dw" top: "dw" scale_param { bias_term: true } }
layer { name: "relu" type: "ReLU" bottom: "dw" top: "dw" relu_param { negative_slope: )") +
                             slope + R"( } }
layer { name: "dw2" type: "Convolution" bottom: "dw" top: "dw2"
  convolution_param { num_output: 5 group: 5 kernel_size: 3 stride: 4
                      weight_filler { type: "gaussian" std: 0.3 } } }
layer { name: "bn2" type: "BatchNorm" bottom: "dw2" top: "dw2" }
layer { name: "relu2" type: "ReLU" bottom: "dw2" top: "dw2" relu_param { negative_slope: )" +
                             slope + " } }\n";
    const testing::ScopedGemmIsa isa_guard;
    for (math::Isa isa : {math::Isa::kGeneric, math::Isa::kAvx2, math::Isa::kAvx512}) {
      if (!math::CpuSupports(isa)) continue;
      SCOPED_TRACE(std::string("slope ") + slope + ", " + math::IsaName(isa));
      math::SetGemmIsa(isa);
      auto folded = MakeNet(true, true, text.c_str()), plain = MakeNet(false, true, text.c_str());
      EXPECT_EQ(folded->folded_layers(),
                (std::vector<std::string>{"dw+bn+scale+relu", "dw2+bn2+relu2"}));
      RandomiseStatistics(folded.get(), 7);
      RandomiseStatistics(plain.get(), 7);
      auto input = testing::GaussianBlob({2, 5, 11, 40}, 8);
      const auto expected = Output(plain.get(), *input);
      ExpectClose(Output(folded.get(), *input), expected);
    }
  }
}

TEST(BatchNormFoldingTest, ChangedWeightsAreFoldedAgain) {
  auto folded = MakeNet(true), plain = MakeNet(false);
  auto input = testing::GaussianBlob({3, 3, 9, 7}, 3);
  RandomiseStatistics(folded.get(), 1);
  RandomiseStatistics(plain.get(), 1);
  Output(folded.get(), *input);
  // New statistics and new convolution weights, written as a user would.
  RandomiseStatistics(folded.get(), 40);
  RandomiseStatistics(plain.get(), 40);
  for (Net* net : {folded.get(), plain.get()}) {
    Blob& w = *net->layer_by_name("conv1")->blobs()[0];
    for (int k = 0; k < w.count(); ++k) w.mutable_data()[k] *= -0.5f;
  }
  ExpectClose(Output(folded.get(), *input), Output(plain.get(), *input));
  // Weights from a file, through the same path: the unfolded net's, saved and loaded.
  NetParameter saved;
  plain->ToProto(&saved);
  RandomiseStatistics(plain.get(), 99);
  folded->CopyTrainedLayersFrom(saved);
  auto reference = MakeNet(false);
  reference->CopyTrainedLayersFrom(saved);
  ExpectClose(Output(folded.get(), *input), Output(reference.get(), *input));
}

TEST(BatchNormFoldingTest, WhatCannotFoldIsLeftAlone) {
  // A training net, and a net whose every blob stays readable, fold nothing.
  EXPECT_TRUE(MakeNet(true, /*reuse=*/false)->folded_layers().empty());
  NetParameter param = testing::ParseNet(kNet);
  param.mutable_state()->set_phase(TRAIN);
  NetOptions options;
  EXPECT_TRUE(Net(param, options).folded_layers().empty());
  // Batch statistics (use_global_stats: false), a BatchNorm not in place (its
  // input stays readable), a Scale over two axes: those links are not folded.
  std::string text = kNet;
  text.replace(text.find(R"(top: "conv1" batch_norm_param { eps: 0.001 })"),
               std::string(R"(top: "conv1" batch_norm_param { eps: 0.001 })").size(),
               R"(top: "conv1" batch_norm_param { eps: 0.001 use_global_stats: false })");
  text.replace(
      text.find(R"(layer { name: "bn2" type: "BatchNorm" bottom: "dw" top: "dw" })"),
      std::string(R"(layer { name: "bn2" type: "BatchNorm" bottom: "dw" top: "dw" })").size(),
      R"(layer { name: "bn2" type: "BatchNorm" bottom: "dw" top: "dw_bn" })");
  text.replace(text.find(R"(bottom: "dw" top: "ip")"),
               std::string(R"(bottom: "dw" top: "ip")").size(), R"(bottom: "dw_bn" top: "ip")");
  text.replace(text.find(R"(top: "ip" scale_param { bias_term: true })"),
               std::string(R"(top: "ip" scale_param { bias_term: true })").size(),
               R"(top: "ip" scale_param { bias_term: true num_axes: 0 })");
  NetParameter changed = testing::ParseNet(text);
  changed.mutable_state()->set_phase(TEST);
  Net net(changed, NetOptions());
  EXPECT_EQ(net.folded_layers(), (std::vector<std::string>{"ip+bn3"}));
}

// A layer with no top before the chains (Silence, as in the LSTM rows model)
// is passed over; the chains still fold. It had crashed the net's set-up.
TEST(BatchNormFoldingTest, LayersWithoutTopsArePassedOver) {
  std::string text = kNet;
  const std::string conv = R"(layer { name: "conv1")";
  text.insert(text.find(conv),
              R"(layer { name: "extra" type: "Input" top: "extra" input_param { shape { dim: 2 } } }
layer { name: "quiet" type: "Silence" bottom: "extra" }
)");
  NetParameter param = testing::ParseNet(text);
  param.mutable_state()->set_phase(TEST);
  EXPECT_EQ(Net(param, NetOptions()).folded_layers(), MakeNet(true)->folded_layers());
}

}  // namespace
}  // namespace strata
