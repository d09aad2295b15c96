#include "strata/layers/hinge_loss_layer.hpp"

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

TEST(HingeLossLayerTest, L1AndL2MatchHandComputed) {
  auto x = BlobOf({1, 3}, {0.5f, -2, 0.2f});
  auto label = BlobOf({1}, {0});
  Blob loss;
  auto l1 = MakeLayer(R"(name: "h" type: "HingeLoss")");
  l1->SetUp({x.get(), label.get()}, {&loss});
  l1->Forward({x.get(), label.get()}, {&loss});
  // margins: 1 - 0.5 = 0.5; 1 - 2 < 0 -> 0; 1 + 0.2 = 1.2
  EXPECT_NEAR(loss.data()[0], 1.7, 1e-6);
  auto l2 = MakeLayer(R"(name: "h" type: "HingeLoss" hinge_loss_param { norm: L2 })");
  l2->SetUp({x.get(), label.get()}, {&loss});
  l2->Forward({x.get(), label.get()}, {&loss});
  EXPECT_NEAR(loss.data()[0], 0.25 + 1.44, 1e-6);
}

TEST(HingeLossLayerTest, GradientCheckL1) {
  auto layer = MakeLayer(R"(name: "h" type: "HingeLoss")");
  auto x = GaussianBlob({3, 4}, 1);
  auto label = BlobOf({3}, {0, 3, 1});
  Blob loss;
  GradientCheckOptions options;
  options.kink = 1.f;  // margins are 0 at x = +-1
  options.kink_range = 0.02f;
  testing::ExpectGradientsMatch(layer.get(), {x.get(), label.get()}, {&loss}, {0}, options);
}

TEST(HingeLossLayerTest, GradientCheckL2) {
  auto layer = MakeLayer(R"(name: "h" type: "HingeLoss" hinge_loss_param { norm: L2 })");
  auto x = GaussianBlob({3, 4}, 2);
  auto label = BlobOf({3}, {2, 1, 0});
  Blob loss;
  testing::ExpectGradientsMatch(layer.get(), {x.get(), label.get()}, {&loss}, {0});
}

TEST(HingeLossLayerTest, RejectsLabelOutOfRange) {
  auto x = GaussianBlob({1, 3}, 1);
  auto label = BlobOf({1}, {3});
  Blob loss;
  auto layer = MakeLayer(R"(name: "h" type: "HingeLoss")");
  layer->SetUp({x.get(), label.get()}, {&loss});
  EXPECT_THROW(layer->Forward({x.get(), label.get()}, {&loss}), DataError);
}

}  // namespace
}  // namespace strata
