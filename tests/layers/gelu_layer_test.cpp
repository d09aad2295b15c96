#include "strata/layers/gelu_layer.hpp"

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

TEST(GELULayerTest, ExactAndApproximateForms) {
  auto x = BlobOf({3}, {-1, 0, 2});
  Blob y;
  auto exact = MakeLayer(R"(name: "g" type: "GELU")");
  exact->SetUp({x.get()}, {&y});
  exact->Forward({x.get()}, {&y});
  EXPECT_NEAR(y.data()[0], -0.158655254, 1e-6);
  EXPECT_EQ(y.data()[1], 0.f);
  EXPECT_NEAR(y.data()[2], 1.954499736, 1e-6);
  auto approximate = MakeLayer(R"(name: "g" type: "GELU" gelu_param { approximate: true })");
  approximate->SetUp({x.get()}, {&y});
  approximate->Forward({x.get()}, {&y});
  EXPECT_NEAR(y.data()[0], -0.158808, 1e-5);
  EXPECT_NEAR(y.data()[2], 1.954598, 1e-5);
}

TEST(GELULayerTest, GradientCheckExact) {
  auto layer = MakeLayer(R"(name: "g" type: "GELU")");
  auto x = GaussianBlob({3, 4}, 1, 2.f);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(GELULayerTest, GradientCheckApproximate) {
  auto layer = MakeLayer(R"(name: "g" type: "GELU" gelu_param { approximate: true })");
  auto x = GaussianBlob({3, 4}, 2, 2.f);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(GELULayerTest, RefusesInPlace) {
  EXPECT_FALSE(MakeLayer(R"(name: "g" type: "GELU")")->AllowsInPlace());
  auto x = GaussianBlob({2}, 1);
  Blob y;
  EXPECT_THROW(MakeLayer(R"(name: "g" type: "GELU" relu_param { })")->SetUp({x.get()}, {&y}),
               ConfigError);
}

}  // namespace
}  // namespace strata
