// NetOptions::fuse_batch_norm_chains: in training, BatchNorm (batch
// statistics) + in-place Scale (+ in-place ReLU) chains run as the
// BatchNorm's fused passes. Outputs, every gradient and the running
// statistics equal the separate layers' to rounding, one copy of the chain's
// values is saved, and chains that cannot fuse are left alone.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "strata/net.hpp"
#include "strata/packed_gemm.hpp"
#include "strata/storage.hpp"
#include "strata/thread_pool.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

// conv + BN + Scale + ReLU (the BatchNorm in place), conv + BN (not in place)
// + Scale without bias (no ReLU), then a leaky ReLU chain on an
// InnerProduct, and a loss. force_backward gives the data a gradient.
constexpr const char* kNet = R"(name: "chains"
force_backward: true
layer { name: "data" type: "Input" top: "data" top: "label"
  input_param { shape { dim: 4 dim: 3 dim: 7 dim: 6 } shape { dim: 4 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  convolution_param { num_output: 5 kernel_size: 3 pad: 1 bias_term: false
                      weight_filler { type: "gaussian" std: 0.3 } } }
layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" batch_norm_param { eps: 0.001 } }
layer { name: "scale1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "conv2" type: "Convolution" bottom: "conv1" top: "conv2"
  convolution_param { num_output: 6 kernel_size: 3 stride: 2
                      weight_filler { type: "gaussian" std: 0.3 } bias_filler { type: "gaussian" } } }
layer { name: "bn2" type: "BatchNorm" bottom: "conv2" top: "bn2" }
layer { name: "scale2" type: "Scale" bottom: "bn2" top: "bn2" }
layer { name: "ip" type: "InnerProduct" bottom: "bn2" top: "ip"
  inner_product_param { num_output: 5 weight_filler { type: "gaussian" std: 0.3 } } }
layer { name: "bn3" type: "BatchNorm" bottom: "ip" top: "ip" }
layer { name: "scale3" type: "Scale" bottom: "ip" top: "ip" scale_param { bias_term: true } }
layer { name: "relu3" type: "ReLU" bottom: "ip" top: "ip" relu_param { negative_slope: 0.1 } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
)";

std::unique_ptr<Net> MakeNet(bool fuse, const std::string& text = kNet) {
  NetParameter param = testing::ParseNet(text);
  param.mutable_state()->set_phase(TRAIN);
  NetOptions options;
  options.fuse_batch_norm_chains = fuse;
  options.seed = 5;
  return std::make_unique<Net>(param, options);
}

// Gives every Scale blob values far from the identity (negative factors too).
void RandomiseScales(Net* net, unsigned seed) {
  for (size_t i = 0; i < net->layers().size(); ++i) {
    Layer& layer = *net->layers()[i];
    if (std::string(layer.type()) != "Scale") continue;
    for (size_t b = 0; b < layer.blobs().size(); ++b) {
      Blob& blob = *layer.blobs()[b];
      const std::vector<float> u = testing::UniformVector(blob.count(), seed + 7 * i + b);
      for (int k = 0; k < blob.count(); ++k) blob.mutable_data()[k] = 1.5f * u[k];
    }
  }
}

// Every parameter's data and gradient, the data's gradient and the loss
// after `passes` forward-backward passes on fresh inputs (the running
// statistics carry over from pass to pass).
std::vector<std::vector<float>> TrainPasses(Net* net, int passes) {
  std::vector<std::vector<float>> results;
  for (int pass = 0; pass < passes; ++pass) {
    auto data = testing::GaussianBlob({4, 3, 7, 6}, 10 + pass);
    net->input_blobs()[0]->CopyFrom(*data);
    float* label = net->input_blobs()[1]->mutable_data();
    for (int n = 0; n < 4; ++n) label[n] = static_cast<float>((n + pass) % 5);
    net->ClearParamDiffs();
    results.push_back({net->ForwardBackward()});
  }
  for (auto& values : testing::InputDiffAndParams(*net)) results.push_back(std::move(values));
  return results;
}

// The fused and the separate layers' results after two passes, equal to
// rounding.
void ExpectFusedEqualsSeparate(const std::string& text) {
  auto fused = MakeNet(true, text), plain = MakeNet(false, text);
  RandomiseScales(fused.get(), 1);
  RandomiseScales(plain.get(), 1);
  const auto expected = TrainPasses(plain.get(), 2);
  const auto actual = TrainPasses(fused.get(), 2);
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t r = 0; r < expected.size(); ++r) {
    ASSERT_EQ(actual[r].size(), expected[r].size());
    double scale = 0;
    for (float v : expected[r]) scale = std::max(scale, static_cast<double>(std::abs(v)));
    for (size_t i = 0; i < expected[r].size(); ++i) {
      ASSERT_NEAR(actual[r][i], expected[r][i], 1e-5 * std::max(1.0, scale))
          << "result " << r << " element " << i;
    }
  }
}

TEST(BatchNormChainTest, FusedChainsGiveTheSeparateLayersResults) {
  auto fused = MakeNet(true), plain = MakeNet(false);
  EXPECT_EQ(fused->FoldedInto(2), "bn1+scale1+relu1");
  EXPECT_EQ(fused->FoldedRange(3), (std::pair<int, int>{2, 4}));
  EXPECT_EQ(fused->FoldedInto(6), "bn2+scale2");
  EXPECT_EQ(fused->FoldedInto(9), "bn3+scale3+relu3");
  EXPECT_EQ(fused->FoldedInto(1), "");
  EXPECT_EQ(plain->FoldedInto(2), "");
  // Training chains are not inference folds.
  EXPECT_TRUE(fused->folded_layers().empty());
  // The ReLU's factor: recomputed from the chain's values (slopes 0 and
  // 0.1), none (bn2+scale2), and read from the output (a negative slope); on
  // every kernel set (the chain's plane loops).
  std::string negative = kNet;
  const std::string leaky = "negative_slope: 0.1";
  negative.replace(negative.find(leaky), leaky.size(), "negative_slope: -0.5");
  testing::ScopedGemmIsa restore;
  for (math::Isa isa : {math::Isa::kGeneric, math::Isa::kAvx2, math::Isa::kAvx512}) {
    if (!math::CpuSupports(isa)) continue;
    SCOPED_TRACE(math::IsaName(isa));
    math::SetGemmIsa(isa);
    ExpectFusedEqualsSeparate(kNet);
    ExpectFusedEqualsSeparate(negative);
  }
}

TEST(BatchNormChainTest, FusedChainsSaveTheScalesCopy) {
  // The separate Scale keeps a copy of its input in place; the chain keeps
  // only the BatchNorm's normalised values.
  const auto bytes_after_one_pass = [](bool fuse) {
    const size_t before = Storage::TotalBytes();
    auto net = MakeNet(fuse);
    TrainPasses(net.get(), 1);
    return Storage::TotalBytes() - before;
  };
  // Scratch buffers, grown on the first pass and kept per thread, count too:
  // one thread, so that the same thread grows them, and grown first.
  const testing::ScopedThreads saved;
  SetNumThreads(1);
  bytes_after_one_pass(false);
  const size_t plain = bytes_after_one_pass(false), fused = bytes_after_one_pass(true);
  const size_t copies = (4 * 5 * 7 * 6 + 4 * 6 * 3 * 2 + 4 * 5) * sizeof(float);
  // Storage rounds each buffer up to its alignment (64 bytes).
  EXPECT_GE(plain - fused, copies);
  EXPECT_LT(plain - fused, copies + 3 * 64);
}

TEST(BatchNormChainTest, WhatCannotFuseRunsAsSeparateLayers) {
  using Edits = std::vector<std::pair<std::string, std::string>>;
  const auto chain_of = [](int layer, const Edits& edits) {
    std::string text = kNet;
    for (const auto& [from, to] : edits) {
      const size_t at = text.find(from);
      EXPECT_NE(at, std::string::npos) << from;
      if (at != std::string::npos) text.replace(at, from.size(), to);
    }
    return MakeNet(true, text)->FoldedInto(layer);
  };
  const auto first_chain = [&](const Edits& edits) { return chain_of(2, edits); };
  // Stored statistics in training (frozen BatchNorm): the chain stays apart.
  EXPECT_EQ(first_chain({{"batch_norm_param { eps: 0.001 }",
                          "batch_norm_param { eps: 0.001 use_global_stats: true }"}}),
            "");
  // A Scale that is not in place, or a ReLU that is not: the chain stops before it.
  EXPECT_EQ(first_chain({{R"("scale1" type: "Scale" bottom: "conv1" top: "conv1")",
                          R"("scale1" type: "Scale" bottom: "conv1" top: "s1")"},
                         {R"("relu1" type: "ReLU" bottom: "conv1" top: "conv1")",
                          R"("relu1" type: "ReLU" bottom: "s1" top: "s1")"},
                         {R"("conv2" type: "Convolution" bottom: "conv1")",
                          R"("conv2" type: "Convolution" bottom: "s1")"}}),
            "");
  EXPECT_EQ(first_chain({{R"("relu1" type: "ReLU" bottom: "conv1" top: "conv1")",
                          R"("relu1" type: "ReLU" bottom: "conv1" top: "r1")"},
                         {R"("conv2" type: "Convolution" bottom: "conv1")",
                          R"("conv2" type: "Convolution" bottom: "r1")"}}),
            "bn1+scale1");
  // And the option off fuses nothing.
  EXPECT_EQ(MakeNet(false)->FoldedInto(9), "");
}

// Every constructor builds the same training net: the seed-only one (which
// benchmarks/strata_bench uses) had run the chains as separate layers.
TEST(BatchNormChainTest, EveryConstructorFusesTheChains) {
  NetParameter param = testing::ParseNet(kNet);
  param.mutable_state()->set_phase(TRAIN);
  Net net(param, 5);
  EXPECT_EQ(net.FoldedInto(2), "bn1+scale1+relu1");
  EXPECT_EQ(net.FoldedInto(6), "bn2+scale2");
  // And it keeps every blob's memory: the backward runs.
  EXPECT_NO_THROW(net.ForwardBackward());
}

}  // namespace
}  // namespace strata
