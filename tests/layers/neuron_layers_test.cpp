// ReLU, Sigmoid and TanH: element-wise layers sharing NeuronLayer.
#include <gtest/gtest.h>

#include <cmath>

#include "strata/errors.hpp"
#include "strata/layers/relu_layer.hpp"
#include "strata/layers/sigmoid_layer.hpp"
#include "strata/layers/tanh_layer.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::BlobOf;
using testing::GaussianBlob;
using testing::MakeLayer;

std::vector<float> RunForward(const std::string& text, const std::vector<float>& input) {
  auto layer = MakeLayer(text);
  auto x = BlobOf({static_cast<int>(input.size())}, input);
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  return std::vector<float>(y.data(), y.data() + y.count());
}

TEST(ReLULayerTest, ForwardMatchesHandComputed) {
  const auto y = RunForward(R"(name: "r" type: "ReLU")", {-2, -0.5f, 0, 1.5f});
  EXPECT_EQ(y, (std::vector<float>{0, 0, 0, 1.5f}));
}

TEST(ReLULayerTest, LeakyForwardMatchesHandComputed) {
  const auto y =
      RunForward(R"(name: "r" type: "ReLU" relu_param { negative_slope: 0.1 })", {-2, 3});
  EXPECT_FLOAT_EQ(y[0], -0.2f);
  EXPECT_FLOAT_EQ(y[1], 3);
}

TEST(ReLULayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "r" type: "ReLU")");
  auto x = GaussianBlob({2, 3, 4}, 5);
  Blob y;
  GradientCheckOptions options;
  options.kink = 0.f;
  options.kink_range = 0.02f;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y}, {}, options);
}

TEST(ReLULayerTest, LeakyGradientCheck) {
  auto layer = MakeLayer(R"(name: "r" type: "ReLU" relu_param { negative_slope: 0.3 })");
  auto x = GaussianBlob({2, 3, 4}, 6);
  Blob y;
  GradientCheckOptions options;
  options.kink_range = 0.02f;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y}, {}, options);
}

TEST(ReLULayerTest, InPlaceGivesSameGradient) {
  auto x = GaussianBlob({10}, 7);
  Blob y;
  auto out_of_place = MakeLayer(R"(name: "r" type: "ReLU")");
  out_of_place->SetUp({x.get()}, {&y});
  out_of_place->Forward({x.get()}, {&y});
  for (int i = 0; i < 10; ++i) y.mutable_diff()[i] = static_cast<float>(i + 1);
  out_of_place->Backward({&y}, {true}, {x.get()});
  std::vector<float> expected(x->diff(), x->diff() + 10);

  auto in_place = MakeLayer(R"(name: "r" type: "ReLU")");
  in_place->SetUp({x.get()}, {x.get()});
  in_place->Forward({x.get()}, {x.get()});
  for (int i = 0; i < 10; ++i) x->mutable_diff()[i] = static_cast<float>(i + 1);
  in_place->Backward({x.get()}, {true}, {x.get()});
  EXPECT_EQ(std::vector<float>(x->diff(), x->diff() + 10), expected);
}

TEST(ReLULayerTest, RejectsTwoBottoms) {
  auto layer = MakeLayer(R"(name: "r" type: "ReLU")");
  auto a = GaussianBlob({2}, 1), b = GaussianBlob({2}, 2);
  Blob y;
  EXPECT_THROW(layer->SetUp({a.get(), b.get()}, {&y}), ConfigError);
}

TEST(SigmoidLayerTest, ForwardMatchesHandComputed) {
  const auto y = RunForward(R"(name: "s" type: "Sigmoid")", {0, 2, -2, 100, -100});
  EXPECT_FLOAT_EQ(y[0], 0.5f);
  EXPECT_NEAR(y[1], 1 / (1 + std::exp(-2.0)), 1e-6);
  EXPECT_NEAR(y[2], 1 / (1 + std::exp(2.0)), 1e-6);
  EXPECT_FLOAT_EQ(y[3], 1.f);
  EXPECT_NEAR(y[4], 0.f, 1e-30);
  EXPECT_FALSE(std::isnan(y[4]));
}

TEST(SigmoidLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "s" type: "Sigmoid")");
  auto x = GaussianBlob({3, 4}, 8, 2.f);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(SigmoidLayerTest, RejectsNoTop) {
  auto layer = MakeLayer(R"(name: "s" type: "Sigmoid")");
  auto x = GaussianBlob({2}, 1);
  EXPECT_THROW(layer->SetUp({x.get()}, {}), ConfigError);
}

TEST(TanHLayerTest, ForwardMatchesHandComputed) {
  const auto y = RunForward(R"(name: "t" type: "TanH")", {0, 1, -0.5f});
  EXPECT_FLOAT_EQ(y[0], 0);
  EXPECT_NEAR(y[1], std::tanh(1.0), 1e-6);
  EXPECT_NEAR(y[2], std::tanh(-0.5), 1e-6);
}

TEST(TanHLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "t" type: "TanH")");
  auto x = GaussianBlob({3, 4}, 9);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(TanHLayerTest, RejectsParamItDoesNotRead) {
  auto layer = MakeLayer(R"(name: "t" type: "TanH" softmax_param { axis: 1 })");
  auto x = GaussianBlob({2}, 1);
  Blob y;
  EXPECT_THROW(layer->SetUp({x.get()}, {&y}), ConfigError);
}

}  // namespace
}  // namespace strata
