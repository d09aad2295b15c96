#include "strata/layers/multinomial_logistic_loss_layer.hpp"

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

TEST(MultinomialLogisticLossLayerTest, ForwardMatchesHandComputed) {
  auto layer = MakeLayer(R"(name: "l" type: "MultinomialLogisticLoss")");
  auto p = BlobOf({2, 2}, {0.25f, 0.75f, 0.5f, 0.5f});
  auto label = BlobOf({2}, {1, 0});
  Blob loss;
  layer->SetUp({p.get(), label.get()}, {&loss});
  layer->Forward({p.get(), label.get()}, {&loss});
  EXPECT_NEAR(loss.data()[0], -(std::log(0.75) + std::log(0.5)) / 2, 1e-6);
}

TEST(MultinomialLogisticLossLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "l" type: "MultinomialLogisticLoss")");
  auto p = BlobOf({2, 3}, {0.2f, 0.5f, 0.3f, 0.6f, 0.3f, 0.1f});
  auto label = BlobOf({2}, {1, 0});
  Blob loss;
  GradientCheckOptions options;
  options.stepsize = 1e-3f;
  testing::ExpectGradientsMatch(layer.get(), {p.get(), label.get()}, {&loss}, {0}, options);
}

TEST(MultinomialLogisticLossLayerTest, RejectsLabelCountMismatch) {
  auto p = GaussianBlob({2, 3}, 1);
  auto label = BlobOf({3}, {0, 1, 2});
  Blob loss;
  EXPECT_THROW(MakeLayer(R"(name: "l" type: "MultinomialLogisticLoss")")
                   ->SetUp({p.get(), label.get()}, {&loss}),
               ShapeError);
}

}  // namespace
}  // namespace strata
