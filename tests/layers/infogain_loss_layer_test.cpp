#include "strata/layers/infogain_loss_layer.hpp"

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

TEST(InfogainLossLayerTest, IdentityMatrixEqualsSoftmaxLoss) {
  auto layer = MakeLayer(R"(name: "l" type: "InfogainLoss")");
  auto x = BlobOf({2, 3}, {1, 2, 3, 0, 0, 1});
  auto label = BlobOf({2}, {2, 0});
  auto h = BlobOf({3, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1});
  Blob loss;
  layer->SetUp({x.get(), label.get(), h.get()}, {&loss});
  layer->Forward({x.get(), label.get(), h.get()}, {&loss});
  const double z1 = std::exp(1.0) + std::exp(2.0) + std::exp(3.0), z2 = 2 + std::exp(1.0);
  EXPECT_NEAR(loss.data()[0], -(std::log(std::exp(3.0) / z1) + std::log(1 / z2)) / 2, 1e-5);
}

TEST(InfogainLossLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "l" type: "InfogainLoss")");
  auto x = GaussianBlob({3, 4}, 1);
  auto label = BlobOf({3}, {0, 3, 1});
  auto h = GaussianBlob({4, 4}, 2);
  for (int i = 0; i < 16; ++i) h->mutable_data()[i] = std::fabs(h->data()[i]);
  Blob loss;
  testing::ExpectGradientsMatch(layer.get(), {x.get(), label.get(), h.get()}, {&loss}, {0});
}

TEST(InfogainLossLayerTest, RejectsMissingOrWrongMatrix) {
  auto x = GaussianBlob({2, 3}, 1);
  auto label = BlobOf({2}, {0, 1});
  auto h = GaussianBlob({2, 2}, 1);
  Blob loss;
  EXPECT_THROW(
      MakeLayer(R"(name: "l" type: "InfogainLoss")")->SetUp({x.get(), label.get()}, {&loss}),
      ConfigError);
  EXPECT_THROW(MakeLayer(R"(name: "l" type: "InfogainLoss")")
                   ->SetUp({x.get(), label.get(), h.get()}, {&loss}),
               ShapeError);
}

}  // namespace
}  // namespace strata
