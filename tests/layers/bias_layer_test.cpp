#include "strata/layers/bias_layer.hpp"

#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::BlobOf;
using testing::GaussianBlob;
using testing::MakeLayer;

TEST(BiasLayerTest, ForwardMatchesHandComputed) {
  auto layer = MakeLayer(R"(name: "b" type: "Bias")");
  auto x = BlobOf({2, 2, 1}, {1, 2, 3, 4});
  auto b = BlobOf({2}, {10, 20});
  Blob y;
  layer->SetUp({x.get(), b.get()}, {&y});
  layer->Forward({x.get(), b.get()}, {&y});
  EXPECT_EQ(std::vector<float>(y.data(), y.data() + 4), (std::vector<float>{11, 22, 13, 24}));
}

TEST(BiasLayerTest, GradientCheckLearned) {
  auto layer = MakeLayer(
      R"(name: "b" type: "Bias" bias_param { filler { type: "gaussian" } num_axes: -1 })");
  auto x = GaussianBlob({2, 3, 2}, 1);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(BiasLayerTest, GradientCheckSecondBottom) {
  auto layer = MakeLayer(R"(name: "b" type: "Bias" bias_param { axis: 0 })");
  auto x = GaussianBlob({2, 3}, 2), b = GaussianBlob({2}, 3);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get(), b.get()}, {&y});
}

TEST(BiasLayerTest, RejectsMismatchedShape) {
  auto layer = MakeLayer(R"(name: "b" type: "Bias")");
  auto x = GaussianBlob({2, 3}, 1), b = GaussianBlob({2}, 2);
  Blob y;
  EXPECT_THROW(layer->SetUp({x.get(), b.get()}, {&y}), ShapeError);
}

}  // namespace
}  // namespace strata
