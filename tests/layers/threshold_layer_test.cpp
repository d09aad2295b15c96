#include "strata/layers/threshold_layer.hpp"

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

TEST(ThresholdLayerTest, ForwardMatchesHandComputed) {
  auto layer = MakeLayer(R"(name: "t" type: "Threshold" threshold_param { threshold: 0.5 })");
  auto x = BlobOf({4}, {0, 0.5f, 0.6f, -1});
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  EXPECT_EQ(Values(y), (std::vector<float>{0, 0, 1, 0}));
}

TEST(ThresholdLayerTest, GradientCheckIsZeroAwayFromTheStep) {
  auto layer = MakeLayer(R"(name: "t" type: "Threshold")");
  auto x = GaussianBlob({3, 4}, 1);
  Blob y;
  GradientCheckOptions options;
  options.kink_range = 0.02f;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y}, {}, options);
}

TEST(ThresholdLayerTest, RejectsTwoBottoms) {
  auto a = GaussianBlob({2}, 1), b = GaussianBlob({2}, 2);
  Blob y;
  EXPECT_THROW(MakeLayer(R"(name: "t" type: "Threshold")")->SetUp({a.get(), b.get()}, {&y}),
               ConfigError);
}

}  // namespace
}  // namespace strata
