#include "strata/layers/reduction_layer.hpp"

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

float Reduce(const std::string& op, int axis = 0) {
  auto layer = MakeLayer(R"(name: "r" type: "Reduction" reduction_param { operation: )" + op +
                         " coeff: 2 axis: " + std::to_string(axis) + " }");
  auto x = BlobOf({2, 2}, {1, -2, 3, -4});
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  return y.data()[axis == 0 ? 0 : 1];
}

TEST(ReductionLayerTest, OperationsMatchHandComputed) {
  EXPECT_EQ(Reduce("SUM"), -4.f);
  EXPECT_EQ(Reduce("ASUM"), 20.f);
  EXPECT_EQ(Reduce("SUMSQ"), 60.f);
  EXPECT_EQ(Reduce("MEAN"), -1.f);
  EXPECT_EQ(Reduce("SUM", 1), -2.f);  // row 1: 3 - 4, times 2
}

class ReductionGradientTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ReductionGradientTest, GradientCheck) {
  auto layer =
      MakeLayer(R"(name: "r" type: "Reduction" reduction_param { axis: 1 coeff: 1.5 operation: )" +
                GetParam() + " }");
  auto x = GaussianBlob({2, 3, 2}, 4);
  Blob y;
  GradientCheckOptions options;
  options.kink_range = GetParam() == "ASUM" ? 0.02f : -1.f;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y}, {}, options);
}

INSTANTIATE_TEST_SUITE_P(Operations, ReductionGradientTest,
                         ::testing::Values("SUM", "ASUM", "SUMSQ", "MEAN"));

TEST(ReductionLayerTest, RejectsBadAxis) {
  auto x = GaussianBlob({2, 3}, 1);
  Blob y;
  EXPECT_THROW(MakeLayer(R"(name: "r" type: "Reduction" reduction_param { axis: 3 })")
                   ->SetUp({x.get()}, {&y}),
               ShapeError);
}

}  // namespace
}  // namespace strata
