#include "strata/layers/euclidean_loss_layer.hpp"

#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::BlobOf;
using testing::GaussianBlob;
using testing::MakeLayer;

TEST(EuclideanLossLayerTest, ForwardMatchesHandComputed) {
  auto layer = MakeLayer(R"(name: "l" type: "EuclideanLoss")");
  auto a = BlobOf({2, 2}, {1, 2, 3, 4});
  auto b = BlobOf({2, 2}, {0, 2, 5, 4});
  Blob loss;
  layer->SetUp({a.get(), b.get()}, {&loss});
  layer->Forward({a.get(), b.get()}, {&loss});
  EXPECT_FLOAT_EQ(loss.data()[0], (1.f + 4.f) / 2 / 2);
}

TEST(EuclideanLossLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "l" type: "EuclideanLoss")");
  auto a = GaussianBlob({3, 2, 2}, 1), b = GaussianBlob({3, 4}, 2);
  Blob loss;
  testing::ExpectGradientsMatch(layer.get(), {a.get(), b.get()}, {&loss});
}

TEST(EuclideanLossLayerTest, GradientCheckWithLossWeight) {
  auto layer = MakeLayer(R"(name: "l" type: "EuclideanLoss" loss_weight: 3)");
  auto a = GaussianBlob({2, 3}, 3), b = GaussianBlob({2, 3}, 4);
  Blob loss;
  testing::ExpectGradientsMatch(layer.get(), {a.get(), b.get()}, {&loss});
}

TEST(EuclideanLossLayerTest, RejectsCountMismatchNamingShapes) {
  auto layer = MakeLayer(R"(name: "l" type: "EuclideanLoss")");
  auto a = GaussianBlob({2, 3}, 1), b = GaussianBlob({2, 4}, 2);
  Blob loss;
  try {
    layer->SetUp({a.get(), b.get()}, {&loss});
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("(2,3) and (2,4)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace strata
