#include "strata/layers/tile_layer.hpp"

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

TEST(TileLayerTest, ForwardRepeatsAlongAxis) {
  auto layer = MakeLayer(R"(name: "t" type: "Tile" tile_param { axis: 1 tiles: 2 })");
  auto x = BlobOf({2, 2}, {1, 2, 3, 4});
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  EXPECT_EQ(y.shape(), (std::vector<int>{2, 4}));
  EXPECT_EQ(Values(y), (std::vector<float>{1, 2, 1, 2, 3, 4, 3, 4}));
}

TEST(TileLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "t" type: "Tile" tile_param { axis: 0 tiles: 3 })");
  auto x = GaussianBlob({2, 3}, 1);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(TileLayerTest, RejectsMissingTiles) {
  auto x = GaussianBlob({2, 3}, 1);
  Blob y;
  EXPECT_THROW(MakeLayer(R"(name: "t" type: "Tile")")->SetUp({x.get()}, {&y}), ConfigError);
}

}  // namespace
}  // namespace strata
