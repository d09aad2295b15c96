#include "strata/layers/input_layer.hpp"

#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::MakeLayer;

TEST(InputLayerTest, ShapesTopsFromParam) {
  auto layer = MakeLayer(R"(name: "in" type: "Input" top: "a" top: "b"
    input_param { shape { dim: 2 dim: 3 } shape { dim: 4 } })");
  Blob a, b;
  layer->SetUp({}, {&a, &b});
  EXPECT_EQ(a.shape(), (std::vector<int>{2, 3}));
  EXPECT_EQ(b.shape(), (std::vector<int>{4}));
}

TEST(InputLayerTest, OneShapeForAllTops) {
  auto layer = MakeLayer(R"(name: "in" type: "Input" input_param { shape { dim: 5 } })");
  Blob a, b;
  layer->SetUp({}, {&a, &b});
  EXPECT_EQ(a.shape(), (std::vector<int>{5}));
  EXPECT_EQ(b.shape(), (std::vector<int>{5}));
}

TEST(InputLayerTest, ForwardKeepsUserValuesAndShape) {
  auto layer = MakeLayer(R"(name: "in" type: "Input" input_param { shape { dim: 2 } })");
  Blob a;
  layer->SetUp({}, {&a});
  a.Reshape({3});
  a.mutable_data()[2] = 7;
  layer->Forward({}, {&a});
  EXPECT_EQ(a.shape(), (std::vector<int>{3}));
  EXPECT_EQ(a.data()[2], 7);
}

TEST(InputLayerTest, RejectsShapeCountMismatch) {
  auto layer = MakeLayer(R"(name: "in" type: "Input"
    input_param { shape { dim: 1 } shape { dim: 2 } })");
  Blob a, b, c;
  EXPECT_THROW(layer->SetUp({}, {&a, &b, &c}), ConfigError);
}

TEST(InputLayerTest, RejectsNegativeDimension) {
  auto layer = MakeLayer(R"(name: "in" type: "Input" input_param { shape { dim: -1 } })");
  Blob a;
  EXPECT_THROW(layer->SetUp({}, {&a}), ShapeError);
}

}  // namespace
}  // namespace strata
