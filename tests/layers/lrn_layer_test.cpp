#include "strata/layers/lrn_layer.hpp"

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

TEST(LRNLayerTest, AcrossChannelsMatchesHandComputed) {
  auto layer =
      MakeLayer(R"(name: "n" type: "LRN" lrn_param { local_size: 3 alpha: 0.3 beta: 0.5 k: 2 })");
  auto x = BlobOf({1, 3, 1, 1}, {1, 2, 3});
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  // Channel 0 sees channels 0..1: 2 + 0.1 * (1 + 4) = 2.5; channel 1 sees all: 2 + 0.1 * 14.
  EXPECT_NEAR(y.data()[0], 1 / std::sqrt(2.5), 1e-6);
  EXPECT_NEAR(y.data()[1], 2 / std::sqrt(3.4), 1e-6);
  EXPECT_NEAR(y.data()[2], 3 / std::sqrt(2 + 0.1 * 13), 1e-6);
}

TEST(LRNLayerTest, WithinChannelMatchesHandComputed) {
  auto layer = MakeLayer(R"(name: "n" type: "LRN"
    lrn_param { local_size: 3 alpha: 0.9 beta: 1 norm_region: WITHIN_CHANNEL k: 5 })");
  auto x = BlobOf({1, 1, 2, 2}, {1, 2, 3, 4});
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  // Every 3x3 window holds all four values: 1 + 0.9 / 9 * 30 = 4 (k unused).
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(y.data()[i], (i + 1) / 4.0, 1e-6);
}

TEST(LRNLayerTest, GradientCheckAcross) {
  auto layer = MakeLayer(R"(name: "n" type: "LRN" lrn_param { local_size: 3 alpha: 0.5 })");
  auto x = GaussianBlob({2, 5, 2, 2}, 1);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(LRNLayerTest, GradientCheckWithin) {
  auto layer = MakeLayer(R"(name: "n" type: "LRN"
    lrn_param { local_size: 3 alpha: 0.5 norm_region: WITHIN_CHANNEL })");
  auto x = GaussianBlob({1, 2, 4, 3}, 2);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(LRNLayerTest, RejectsEvenSizeAndWrongRank) {
  Blob y;
  auto x = GaussianBlob({1, 2, 2, 2}, 1);
  EXPECT_THROW(
      MakeLayer(R"(name: "n" type: "LRN" lrn_param { local_size: 4 })")->SetUp({x.get()}, {&y}),
      ConfigError);
  auto flat = GaussianBlob({2, 3}, 1);
  EXPECT_THROW(MakeLayer(R"(name: "n" type: "LRN")")->SetUp({flat.get()}, {&y}), ShapeError);
}

}  // namespace
}  // namespace strata
