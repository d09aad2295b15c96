#include "strata/layers/flatten_layer.hpp"

#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::GaussianBlob;
using testing::MakeLayer;

TEST(FlattenLayerTest, ShapesAndSharesMemory) {
  auto x = GaussianBlob({2, 3, 4, 5}, 1);
  Blob y;
  auto all = MakeLayer(R"(name: "f" type: "Flatten")");
  all->SetUp({x.get()}, {&y});
  all->Forward({x.get()}, {&y});
  EXPECT_EQ(y.shape(), (std::vector<int>{2, 60}));
  EXPECT_EQ(y.data(), x->data());
  auto middle = MakeLayer(R"(name: "f" type: "Flatten" flatten_param { axis: 1 end_axis: 2 })");
  middle->SetUp({x.get()}, {&y});
  EXPECT_EQ(y.shape(), (std::vector<int>{2, 12, 5}));
}

TEST(FlattenLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "f" type: "Flatten")");
  auto x = GaussianBlob({2, 3, 2}, 2);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(FlattenLayerTest, RejectsEndBeforeStart) {
  auto x = GaussianBlob({2, 3, 4}, 1);
  Blob y;
  EXPECT_THROW(MakeLayer(R"(name: "f" type: "Flatten" flatten_param { axis: 2 end_axis: 1 })")
                   ->SetUp({x.get()}, {&y}),
               ConfigError);
  EXPECT_THROW(
      MakeLayer(R"(name: "f" type: "Flatten" flatten_param { axis: 5 })")->SetUp({x.get()}, {&y}),
      ShapeError);
}

}  // namespace
}  // namespace strata
