#include "strata/layers/sigmoid_cross_entropy_loss_layer.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "strata/errors.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::BlobOf;
using testing::GaussianBlob;
using testing::MakeLayer;

[[maybe_unused]] std::vector<float> Values(const Blob& b) {
  return std::vector<float>(b.data(), b.data() + b.count());
}

TEST(SigmoidCrossEntropyLossLayerTest, ForwardMatchesHandComputed) {
  auto layer = MakeLayer(R"(name: "l" type: "SigmoidCrossEntropyLoss")");
  auto x = BlobOf({2, 1}, {0, 2});
  auto t = BlobOf({2, 1}, {1, 0});
  Blob loss;
  layer->SetUp({x.get(), t.get()}, {&loss});
  layer->Forward({x.get(), t.get()}, {&loss});
  // (-log 0.5 - log(1 - s(2))) / 2 (BATCH_SIZE)
  EXPECT_NEAR(loss.data()[0], (std::log(2.0) + std::log1p(std::exp(2.0))) / 2, 1e-6);
}

TEST(SigmoidCrossEntropyLossLayerTest, StableForLargeLogits) {
  auto layer = MakeLayer(R"(name: "l" type: "SigmoidCrossEntropyLoss")");
  auto x = BlobOf({1, 2}, {100, -100});
  auto t = BlobOf({1, 2}, {1, 0});
  Blob loss;
  layer->SetUp({x.get(), t.get()}, {&loss});
  layer->Forward({x.get(), t.get()}, {&loss});
  EXPECT_NEAR(loss.data()[0], 0.0, 1e-6);
}

TEST(SigmoidCrossEntropyLossLayerTest, GradientCheck) {
  auto layer = MakeLayer(
      R"(name: "l" type: "SigmoidCrossEntropyLoss" loss_weight: 2 loss_param { ignore_label: -1 })");
  auto x = GaussianBlob({3, 4}, 1);
  auto t = BlobOf({3, 4}, {0, 1, 0.5f, -1, 1, 1, 0, 0, 0.2f, 0.8f, -1, 1});
  Blob loss;
  testing::ExpectGradientsMatch(layer.get(), {x.get(), t.get()}, {&loss}, {0});
}

TEST(SigmoidCrossEntropyLossLayerTest, RejectsCountMismatch) {
  auto x = GaussianBlob({2, 3}, 1), t = GaussianBlob({2, 2}, 2);
  Blob loss;
  EXPECT_THROW(
      MakeLayer(R"(name: "l" type: "SigmoidCrossEntropyLoss")")->SetUp({x.get(), t.get()}, {&loss}),
      ShapeError);
}

}  // namespace
}  // namespace strata
