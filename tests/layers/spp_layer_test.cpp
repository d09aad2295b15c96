#include "strata/layers/spp_layer.hpp"

#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::BlobOf;
using testing::GaussianBlob;
using testing::MakeLayer;

TEST(SPPLayerTest, TwoLevelsOfMaxPooling) {
  auto layer = MakeLayer(R"(name: "s" type: "SPP" spp_param { pyramid_height: 2 })");
  std::vector<float> values(16);
  for (int i = 0; i < 16; ++i) values[i] = static_cast<float>(i);
  auto x = BlobOf({1, 1, 4, 4}, values);
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  ASSERT_EQ(y.shape(), (std::vector<int>{1, 5}));
  EXPECT_EQ(std::vector<float>(y.data(), y.data() + 5), (std::vector<float>{15, 5, 7, 13, 15}));
}

TEST(SPPLayerTest, OneLevelKeepsPoolingShape) {
  auto layer = MakeLayer(R"(name: "s" type: "SPP" spp_param { pyramid_height: 1 pool: AVE })");
  auto x = GaussianBlob({2, 3, 5, 5}, 1);
  Blob y;
  layer->SetUp({x.get()}, {&y});
  EXPECT_EQ(y.shape(), (std::vector<int>{2, 3, 1, 1}));
}

TEST(SPPLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "s" type: "SPP" spp_param { pyramid_height: 3 pool: AVE })");
  auto x = GaussianBlob({2, 2, 8, 7}, 2);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(SPPLayerTest, RejectsZeroHeightAndTooManyLevelsForTheInput) {
  auto x = GaussianBlob({1, 1, 5, 5}, 1);
  Blob y;
  EXPECT_THROW(MakeLayer(R"(name: "s" type: "SPP")")->SetUp({x.get()}, {&y}), ConfigError);
  // Level 2 of a 5x5 input needs pad 2 with a 2x2 kernel.
  EXPECT_THROW(
      MakeLayer(R"(name: "s" type: "SPP" spp_param { pyramid_height: 3 })")->SetUp({x.get()}, {&y}),
      ShapeError);
}

}  // namespace
}  // namespace strata
