#include "strata/layers/mvn_layer.hpp"

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

TEST(MVNLayerTest, ForwardMatchesHandComputed) {
  auto layer = MakeLayer(R"(name: "m" type: "MVN")");
  auto x = BlobOf({1, 2, 2}, {1, 3, 10, 10});
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  EXPECT_NEAR(y.data()[0], -1, 1e-6);
  EXPECT_NEAR(y.data()[1], 1, 1e-6);
  EXPECT_NEAR(y.data()[2], 0, 1e-6);  // zero variance: (x - mean) / eps stays 0
}

TEST(MVNLayerTest, MeanOnlyAcrossChannels) {
  auto layer = MakeLayer(
      R"(name: "m" type: "MVN" mvn_param { normalize_variance: false across_channels: true })");
  auto x = BlobOf({1, 2, 2}, {1, 3, 5, 7});
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  EXPECT_EQ(std::vector<float>(y.data(), y.data() + 4), (std::vector<float>{-3, -1, 1, 3}));
}

TEST(MVNLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "m" type: "MVN" mvn_param { eps: 0.01 })");
  auto x = GaussianBlob({2, 3, 4}, 1);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(MVNLayerTest, GradientCheckMeanOnly) {
  auto layer = MakeLayer(R"(name: "m" type: "MVN" mvn_param { normalize_variance: false })");
  auto x = GaussianBlob({2, 3, 4}, 2);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(MVNLayerTest, RejectsMissingChannelAxis) {
  auto x = GaussianBlob({4}, 1);
  Blob y;
  EXPECT_THROW(MakeLayer(R"(name: "m" type: "MVN")")->SetUp({x.get()}, {&y}), ShapeError);
}

}  // namespace
}  // namespace strata
