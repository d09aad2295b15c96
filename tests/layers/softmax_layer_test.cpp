#include "strata/layers/softmax_layer.hpp"

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

TEST(SoftmaxLayerTest, ForwardMatchesHandComputed) {
  auto layer = MakeLayer(R"(name: "p" type: "Softmax")");
  auto x = BlobOf({2, 3}, {1, 2, 3, 1000, 1000, 1000});
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(y.data()[0], std::exp(1.0) / z, 1e-6);
  EXPECT_NEAR(y.data()[1], std::exp(2.0) / z, 1e-6);
  EXPECT_NEAR(y.data()[2], std::exp(3.0) / z, 1e-6);
  // Large inputs stay finite.
  for (int i = 3; i < 6; ++i) EXPECT_NEAR(y.data()[i], 1.0 / 3, 1e-6);
}

TEST(SoftmaxLayerTest, AxisTwoNormalizesOverThatAxis) {
  auto layer = MakeLayer(R"(name: "p" type: "Softmax" softmax_param { axis: 2 })");
  auto x = GaussianBlob({2, 3, 4}, 1);
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  for (int row = 0; row < 6; ++row) {
    float sum = 0;
    for (int c = 0; c < 4; ++c) sum += y.data()[row * 4 + c];
    EXPECT_NEAR(sum, 1.f, 1e-6);
  }
}

TEST(SoftmaxLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "p" type: "Softmax")");
  auto x = GaussianBlob({2, 4, 3}, 2);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(SoftmaxLayerTest, RejectsBadAxis) {
  auto layer = MakeLayer(R"(name: "p" type: "Softmax" softmax_param { axis: 2 })");
  auto x = GaussianBlob({2, 3}, 1);
  Blob y;
  EXPECT_THROW(layer->SetUp({x.get()}, {&y}), ShapeError);
}

}  // namespace
}  // namespace strata
