// The 1x1 strategy against im2col + GEMM (itself checked against the direct
// sums in convolution_layer_test) on odd shapes, on every kernel set this CPU
// has: forward, input gradient and weight gradient; then numerical gradients
// through the layer.
#include "strata/conv/pointwise_conv.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "strata/conv/conv_algorithm.hpp"
#include "strata/layer.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

struct Case {
  std::vector<int> input;  // N x C x H x W
  int outputs, group, stride_h, stride_w;
};

std::string LayerText(const Case& c) {
  return "name: \"pw\" type: \"Convolution\" convolution_param { num_output: " +
         std::to_string(c.outputs) + " group: " + std::to_string(c.group) +
         " kernel_size: 1 stride_h: " + std::to_string(c.stride_h) +
         " stride_w: " + std::to_string(c.stride_w) +
         " weight_filler { type: \"gaussian\" } bias_filler { type: \"gaussian\" } }";
}

std::vector<float> RunPass(const Case& c, ConvAlgorithm algorithm, std::string* used) {
  return testing::ConvPassResults(LayerText(c), c.input, algorithm, used);
}

const std::vector<Case>& OddCases() {
  static const std::vector<Case> cases = {
      {{2, 5, 7, 7}, 3, 1, 1, 1},      // a 7x7 map: 49 columns, one past the whole blocks
      {{3, 17, 1, 1}, 9, 1, 1, 1},     // 1x1 images, 17 channels
      {{2, 6, 8, 11}, 4, 1, 2, 2},     // stride 2 on odd sizes
      {{2, 6, 9, 9}, 4, 2, 3, 3},      // stride 3, two groups
      {{1, 16, 14, 14}, 33, 1, 1, 1},  // a batch of one: columns spread over the pool
      {{9, 8, 6, 6}, 12, 1, 2, 2},     // many small maps: gathered products
      {{2, 3, 7, 10}, 5, 1, 2, 3},     // different strides across and down
      {{2, 40, 20, 20}, 24, 4, 1, 1},  // 400 columns, four groups
  };
  return cases;
}

TEST(PointwiseConvTest, MatchesIm2colGemmOnOddShapesOnEveryKernelSet) {
  const testing::ScopedGemmIsa restore;
  for (math::Isa isa : {math::Isa::kGeneric, math::Isa::kAvx2, math::Isa::kAvx512}) {
    if (!math::CpuSupports(isa)) continue;
    math::SetGemmIsa(isa);
    for (const Case& c : OddCases()) {
      std::string pointwise, gemm;
      const auto expected = RunPass(c, ConvAlgorithm::kIm2colGemm, &gemm);
      const auto got = RunPass(c, ConvAlgorithm::kAuto, &pointwise);
      EXPECT_EQ(pointwise, "pointwise");  // chosen by shape
      EXPECT_EQ(gemm, "im2col+gemm");
      ASSERT_EQ(got.size(), expected.size());
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_NEAR(got[i], expected[i], 1e-4f * std::max(1.f, std::abs(expected[i])))
            << math::IsaName(isa) << ", input " << c.input[0] << "x" << c.input[1] << "x"
            << c.input[2] << "x" << c.input[3] << ", value " << i;
      }
    }
  }
}

TEST(PointwiseConvTest, GradientsMatchNumerical) {
  for (const Case& c : {OddCases()[2], OddCases()[3]}) {
    auto layer = testing::MakeLayer(LayerText(c));
    auto x = testing::GaussianBlob(c.input, 23);
    Blob y;
    layer->SetUp({x.get()}, {&y});
    EXPECT_EQ(layer->Algorithm(), "pointwise");
    testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
  }
}

TEST(PointwiseConvTest, OnlyUnpaddedOneByOneAndNeverEngineCaffe) {
  ConvProblem p;
  p.shape.window = math::Window2d{8, 6, 6, 1, 1};
  p.shape.out_channels = 16;
  EXPECT_TRUE(PointwiseConv::Applies(p));
  p.shape.window.stride_h = p.shape.window.stride_w = 2;
  EXPECT_TRUE(PointwiseConv::Applies(p));
  p.caffe_engine = true;
  EXPECT_FALSE(PointwiseConv::Applies(p));
  p.caffe_engine = false;
  p.deconvolution = true;
  EXPECT_FALSE(PointwiseConv::Applies(p));
  p.deconvolution = false;
  p.shape.window.pad_h = 1;  // padded: the border outputs read zeros
  EXPECT_FALSE(PointwiseConv::Applies(p));
  p.shape.window.pad_h = 0;
  p.shape.window.kernel_w = 3;
  EXPECT_FALSE(PointwiseConv::Applies(p));
}

}  // namespace
}  // namespace strata
