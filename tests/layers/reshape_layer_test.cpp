#include "strata/layers/reshape_layer.hpp"

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

TEST(ReshapeLayerTest, CopiesZerosAndInfersMinusOne) {
  auto x = GaussianBlob({2, 3, 4}, 1);
  Blob y;
  auto layer =
      MakeLayer(R"(name: "r" type: "Reshape" reshape_param { shape { dim: 0 dim: -1 dim: 2 } })");
  layer->SetUp({x.get()}, {&y});
  EXPECT_EQ(y.shape(), (std::vector<int>{2, 6, 2}));
  EXPECT_EQ(y.data(), x->data());
  auto partial = MakeLayer(R"(name: "r" type: "Reshape"
    reshape_param { shape { dim: 2 dim: 2 } axis: 2 num_axes: 1 })");
  partial->SetUp({x.get()}, {&y});
  EXPECT_EQ(y.shape(), (std::vector<int>{2, 3, 2, 2}));
}

TEST(ReshapeLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "r" type: "Reshape" reshape_param { shape { dim: -1 } })");
  auto x = GaussianBlob({2, 3}, 2);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(ReshapeLayerTest, RejectsImpossibleShapes) {
  auto x = GaussianBlob({2, 3}, 1);
  Blob y;
  EXPECT_THROW(MakeLayer(R"(name: "r" type: "Reshape" reshape_param { shape { dim: 4 } })")
                   ->SetUp({x.get()}, {&y}),
               ShapeError);
  EXPECT_THROW(MakeLayer(R"(name: "r" type: "Reshape" reshape_param { shape { dim: -1 dim: -1 } })")
                   ->SetUp({x.get()}, {&y}),
               ConfigError);
  EXPECT_THROW(MakeLayer(R"(name: "r" type: "Reshape" reshape_param { shape { dim: -1 dim: 4 } })")
                   ->SetUp({x.get()}, {&y}),
               ShapeError);
}

}  // namespace
}  // namespace strata
