#include "strata/layers/eltwise_layer.hpp"

#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::BlobOf;
using testing::GaussianBlob;
using testing::MakeLayer;

std::vector<float> Combine(const std::string& op) {
  auto layer = MakeLayer(R"(name: "e" type: "Eltwise" eltwise_param { )" + op + " }");
  auto a = BlobOf({3}, {1, -2, 3}), b = BlobOf({3}, {4, 5, -6});
  Blob y;
  layer->SetUp({a.get(), b.get()}, {&y});
  layer->Forward({a.get(), b.get()}, {&y});
  return std::vector<float>(y.data(), y.data() + 3);
}

TEST(EltwiseLayerTest, ForwardMatchesHandComputed) {
  EXPECT_EQ(Combine("operation: PROD"), (std::vector<float>{4, -10, -18}));
  EXPECT_EQ(Combine("operation: SUM"), (std::vector<float>{5, 3, -3}));
  EXPECT_EQ(Combine("operation: SUM coeff: 1 coeff: -0.5"), (std::vector<float>{-1, -4.5f, 6}));
  EXPECT_EQ(Combine("operation: MAX"), (std::vector<float>{4, 5, 3}));
}

class EltwiseGradientTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EltwiseGradientTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "e" type: "Eltwise" eltwise_param { )" + GetParam() + " }");
  auto a = GaussianBlob({2, 3}, 1), b = GaussianBlob({2, 3}, 2), c = GaussianBlob({2, 3}, 3);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {a.get(), b.get(), c.get()}, {&y});
}

INSTANTIATE_TEST_SUITE_P(Operations, EltwiseGradientTest,
                         ::testing::Values("operation: PROD",
                                           "operation: SUM coeff: 1 coeff: -2 coeff: 0.5",
                                           "operation: MAX"));

TEST(EltwiseLayerTest, RejectsBadCoefficientsAndShapes) {
  auto a = GaussianBlob({3}, 1), b = GaussianBlob({3}, 2), c = GaussianBlob({4}, 3);
  Blob y;
  EXPECT_THROW(MakeLayer(R"(name: "e" type: "Eltwise" eltwise_param { coeff: 1 })")
                   ->SetUp({a.get(), b.get()}, {&y}),
               ConfigError);
  EXPECT_THROW(
      MakeLayer(R"(name: "e" type: "Eltwise" eltwise_param { operation: MAX coeff: 1 coeff: 1 })")
          ->SetUp({a.get(), b.get()}, {&y}),
      ConfigError);
  EXPECT_THROW(MakeLayer(R"(name: "e" type: "Eltwise")")->SetUp({a.get(), c.get()}, {&y}),
               ShapeError);
}

}  // namespace
}  // namespace strata
