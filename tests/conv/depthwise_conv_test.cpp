// The depthwise kernel against im2col + GEMM (itself checked against the
// direct sums in convolution_layer_test) on odd shapes: forward, input
// gradient and weight gradient, then numerical gradients through the layer.
#include "strata/conv/depthwise_conv.hpp"

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
  int multiplier, kernel, pad, stride, dilation;
};

std::string LayerText(const Case& c, const std::string& type = "Convolution") {
  return "name: \"dw\" type: \"" + type +
         "\" convolution_param { num_output: " + std::to_string(c.input[1] * c.multiplier) +
         " group: " + std::to_string(c.input[1]) + " kernel_size: " + std::to_string(c.kernel) +
         " pad: " + std::to_string(c.pad) + " stride: " + std::to_string(c.stride) +
         " dilation: " + std::to_string(c.dilation) +
         " weight_filler { type: \"gaussian\" } bias_filler { type: \"gaussian\" } }";
}

std::vector<float> RunPass(const Case& c, ConvAlgorithm algorithm, const std::string& type,
                           std::string* used) {
  return testing::ConvPassResults(LayerText(c, type), c.input, algorithm, used);
}

const std::vector<Case>& OddCases() {
  static const std::vector<Case> cases = {
      {{2, 3, 7, 9}, 1, 3, 1, 1, 1},    // MobileNet's 3x3, odd sizes and channels
      {{2, 5, 8, 11}, 1, 3, 1, 2, 1},   // stride 2
      {{1, 17, 1, 1}, 2, 3, 1, 1, 1},   // 1x1 images, multiplier 2, 17 channels
      {{3, 4, 6, 5}, 1, 2, 3, 1, 1},    // padding larger than the kernel
      {{2, 6, 9, 9}, 3, 3, 2, 2, 2},    // dilation, stride and multiplier together
      {{1, 9, 5, 13}, 1, 5, 2, 3, 1},   // 5x5, stride 3
      {{1, 2, 5, 40}, 1, 3, 1, 1, 1},   // rows of 40: two blocks of 16 outputs, then 8
      {{1, 3, 6, 37}, 1, 3, 1, 2, 1},   // stride 2 on rows of 19 outputs: 16, then 3
      {{1, 2, 4, 70}, 1, 3, 1, 1, 1},   // rows of 70: four 16-float vectors, then 6
      {{2, 3, 6, 6}, 1, 3, 0, 2, 1},    // stride 2 unpadded: no window reads the last row
      {{1, 3, 14, 14}, 1, 3, 1, 1, 1},  // 14 rows of one vector: blocks of 7 rows
      {{1, 2, 17, 9}, 1, 3, 1, 1, 1},   // 17 rows of one vector: blocks of 6, 6 and 5
      {{1, 2, 17, 20}, 1, 3, 1, 1, 1},  // 17 rows of two vectors (AVX-512): a last block of 1
  };
  return cases;
}

void ExpectIm2colGemmResults() {
  for (const Case& c : OddCases()) {
    std::string direct, gemm;
    const auto expected = RunPass(c, ConvAlgorithm::kIm2colGemm, "Convolution", &gemm);
    const auto got = RunPass(c, ConvAlgorithm::kAuto, "Convolution", &direct);
    EXPECT_EQ(direct, "depthwise");  // chosen by shape
    EXPECT_EQ(gemm, "im2col+gemm");
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_NEAR(got[i], expected[i], 1e-4f * std::max(1.f, std::abs(expected[i])))
          << "input " << c.input[1] << "x" << c.input[2] << "x" << c.input[3] << ", value " << i;
    }
  }
}

// On every kernel set this CPU has (the forward's rows run in its vectors).
TEST(DepthwiseConvTest, MatchesIm2colGemmOnOddShapes) {
  const testing::ScopedGemmIsa isa_guard;
  for (math::Isa isa : {math::Isa::kGeneric, math::Isa::kAvx2, math::Isa::kAvx512}) {
    if (!math::CpuSupports(isa)) continue;
    SCOPED_TRACE(math::IsaName(isa));
    math::SetGemmIsa(isa);
    ExpectIm2colGemmResults();
  }
}

// A deconvolution is depthwise in the convolution's direction when it keeps
// the channel count (multiplier 1).
TEST(DepthwiseConvTest, DeconvolutionMatchesIm2colGemm) {
  for (const Case& c : {Case{{2, 4, 5, 6}, 1, 3, 1, 2, 1}, Case{{1, 3, 4, 4}, 1, 3, 0, 1, 2}}) {
    std::string direct, gemm;
    const auto expected = RunPass(c, ConvAlgorithm::kIm2colGemm, "Deconvolution", &gemm);
    const auto got = RunPass(c, ConvAlgorithm::kDepthwise, "Deconvolution", &direct);
    EXPECT_EQ(direct, "depthwise");
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_NEAR(got[i], expected[i], 1e-4f * std::max(1.f, std::abs(expected[i]))) << i;
    }
  }
}

TEST(DepthwiseConvTest, GradientsMatchNumerical) {
  for (const Case& c : {OddCases()[1], OddCases()[4]}) {
    auto layer = testing::MakeLayer(LayerText(c));
    auto x = testing::GaussianBlob(c.input, 23);
    Blob y;
    layer->SetUp({x.get()}, {&y});
    EXPECT_EQ(layer->Algorithm(), "depthwise");
    testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
  }
}

TEST(DepthwiseConvTest, OnlyDepthwiseShapesAndNeverEngineCaffe) {
  ConvProblem p;
  p.shape.window = math::Window2d{8, 6, 6, 3, 3};
  p.shape.group = 8;
  p.shape.out_channels = 16;
  EXPECT_TRUE(DepthwiseConv::Applies(p));
  p.caffe_engine = true;
  EXPECT_FALSE(DepthwiseConv::Applies(p));
  p.caffe_engine = false;
  p.shape.group = 4;  // two channels per group: a grouped, not depthwise, convolution
  EXPECT_FALSE(DepthwiseConv::Applies(p));
  p.shape.group = 1;
  p.shape.window.channels = 1;  // one channel, one group: an ordinary convolution
  EXPECT_FALSE(DepthwiseConv::Applies(p));
}

}  // namespace
}  // namespace strata
