#include "strata/layers/contrastive_loss_layer.hpp"

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

TEST(ContrastiveLossLayerTest, ForwardMatchesHandComputed) {
  auto a = BlobOf({2, 2}, {0, 0, 0, 0});
  auto b = BlobOf({2, 2}, {3, 4, 0.3f, 0.4f});
  auto y = BlobOf({2}, {1, 0});
  Blob loss;
  auto layer =
      MakeLayer(R"(name: "c" type: "ContrastiveLoss" contrastive_loss_param { margin: 1 })");
  layer->SetUp({a.get(), b.get(), y.get()}, {&loss});
  layer->Forward({a.get(), b.get(), y.get()}, {&loss});
  // similar: d^2 = 25; dissimilar: d = 0.5, (1 - 0.5)^2 = 0.25; / (2 N)
  EXPECT_NEAR(loss.data()[0], (25 + 0.25) / 4, 1e-5);
  auto legacy = MakeLayer(
      R"(name: "c" type: "ContrastiveLoss" contrastive_loss_param { legacy_version: true })");
  legacy->SetUp({a.get(), b.get(), y.get()}, {&loss});
  legacy->Forward({a.get(), b.get(), y.get()}, {&loss});
  EXPECT_NEAR(loss.data()[0], (25 + 0.75) / 4, 1e-5);
}

TEST(ContrastiveLossLayerTest, GradientCheck) {
  auto layer =
      MakeLayer(R"(name: "c" type: "ContrastiveLoss" contrastive_loss_param { margin: 3 })");
  auto a = GaussianBlob({4, 3}, 1), b = GaussianBlob({4, 3}, 2);
  auto y = BlobOf({4}, {1, 0, 0, 1});
  Blob loss;
  GradientCheckOptions options;
  options.threshold = 2e-3f;
  testing::ExpectGradientsMatch(layer.get(), {a.get(), b.get(), y.get()}, {&loss}, {0, 1}, options);
}

TEST(ContrastiveLossLayerTest, RejectsMismatchedPair) {
  auto a = GaussianBlob({4, 3}, 1), b = GaussianBlob({4, 2}, 2);
  auto y = BlobOf({4}, {1, 0, 0, 1});
  Blob loss;
  EXPECT_THROW(MakeLayer(R"(name: "c" type: "ContrastiveLoss")")
                   ->SetUp({a.get(), b.get(), y.get()}, {&loss}),
               ShapeError);
}

}  // namespace
}  // namespace strata
