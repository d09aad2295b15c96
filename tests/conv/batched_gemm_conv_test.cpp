// The whole-batch strategy against im2col + GEMM (itself checked against the
// direct sums in convolution_layer_test) on odd shapes: forward, weight,
// input and bias gradients; the batch cut into chunks of images; numerical
// gradients through the layer; and where the choice sends it.
#include "strata/conv/batched_gemm_conv.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "strata/conv/conv_algorithm.hpp"
#include "strata/conv/im2col_gemm_conv.hpp"
#include "strata/layer.hpp"
#include "strata/thread_pool.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

struct Case {
  std::vector<int> input;  // N x C x H x W
  const char* conv;        // the convolution_param's fields
};

std::string LayerText(const Case& c) {
  return std::string("name: \"c\" type: \"Convolution\" convolution_param { ") + c.conv +
         " weight_filler { type: \"gaussian\" } bias_filler { type: \"gaussian\" } }";
}

const std::vector<Case>& OddCases() {
  static const std::vector<Case> cases = {
      {{3, 5, 7, 7}, "num_output: 11 kernel_size: 3 pad: 1"},    // ResNet's 7x7 maps, odd counts
      {{2, 6, 9, 8}, "num_output: 4 kernel_size: 3 stride: 2"},  // stride 2 on odd sizes
      {{4, 3, 1, 1}, "num_output: 5 kernel_size: 1"},            // 1x1 images
      {{2, 4, 5, 6},
       "num_output: 6 kernel_size: 2 pad: 3 group: 2"},  // padding past the kernel, groups
      {{5, 7, 6, 5},
       "num_output: 9 kernel_h: 3 kernel_w: 2 pad_h: 1 pad_w: 0 stride_h: 1 stride_w: 2 dilation: "
       "2"},
      {{1, 8, 4, 4}, "num_output: 3 kernel_size: 3 pad: 1 bias_term: false"},  // one image
  };
  return cases;
}

void ExpectNear(const std::vector<float>& got, const std::vector<float>& expected,
                const std::string& what) {
  ASSERT_EQ(got.size(), expected.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], expected[i], 1e-4f * std::max(1.f, std::abs(expected[i])))
        << what << ", value " << i;
  }
}

TEST(BatchedGemmConvTest, MatchesIm2colGemmOnOddShapes) {
  const testing::ScopedThreads threads;
  for (int thread_count : {1, 2}) {
    SetNumThreads(thread_count);
    for (const Case& c : OddCases()) {
      std::string batched, gemm;
      const auto expected =
          testing::ConvPassResults(LayerText(c), c.input, ConvAlgorithm::kIm2colGemm, &gemm);
      const auto got =
          testing::ConvPassResults(LayerText(c), c.input, ConvAlgorithm::kBatchedGemm, &batched);
      EXPECT_EQ(batched, "batched-gemm");
      EXPECT_EQ(gemm, "im2col+gemm");
      ExpectNear(got, expected,
                 std::string(c.conv) + ", " + std::to_string(thread_count) + " threads");
    }
  }
}

// The strategy itself, with its column matrix bounded to two images' columns:
// a batch of five runs as chunks of 2, 2 and 1, and gives what one chunk
// gives, the weight gradient added to what it held.
TEST(BatchedGemmConvTest, ChunksOfImagesGiveTheWholeBatchsResults) {
  ConvShape shape;
  shape.window = math::Window2d{6, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1};
  shape.group = 2;
  shape.out_channels = 4;
  shape.images = 5;
  const size_t weights_count = 4 * 3 * 9, image_columns = 3 * 9 * 25;
  const std::vector<float> x = testing::UniformVector(5 * shape.in_dim(), 1);
  const std::vector<float> w = testing::UniformVector(weights_count, 2);
  const std::vector<float> dy = testing::UniformVector(5 * shape.out_dim(), 3);
  const std::vector<float> bias = testing::UniformVector(4, 4);
  const auto run = [&](ConvStrategy* s) {
    s->Reshape(shape);
    s->SetWeights(w.data(), false);
    std::vector<float> y(5 * shape.out_dim()), dx(5 * shape.in_dim(), 7.f), dw(weights_count, 1.f);
    s->Forward(x.data(), y.data(), 0, 5, ConvEpilogue{bias.data(), 1.f});
    s->SetWeights(w.data(), true);
    s->Backward(x.data(), dy.data(), 0, 5, dx.data(), dw.data());
    y.insert(y.end(), dx.begin(), dx.end());
    y.insert(y.end(), dw.begin(), dw.end());
    return y;
  };
  BatchedGemmConv whole, chunked(2 * 2 * image_columns);  // both groups' columns
  Im2colGemmConv reference;
  const auto expected = run(&reference);
  ExpectNear(run(&whole), expected, "one chunk");
  ExpectNear(run(&chunked), expected, "chunks of two images");
}

TEST(BatchedGemmConvTest, GradientsMatchNumerical) {
  const testing::ScopedConvAlgorithm forced(ConvAlgorithm::kBatchedGemm);
  for (const Case& c : {OddCases()[1], OddCases()[3]}) {
    auto layer = testing::MakeLayer(LayerText(c));
    auto x = testing::GaussianBlob(c.input, 23);
    Blob y;
    layer->SetUp({x.get()}, {&y});
    EXPECT_EQ(layer->Algorithm(), "batched-gemm");
    testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
  }
}

// Large weights over small maps in a TRAIN net, where OpenBLAS's kernels are
// not behind Strata's: ResNet-18's 512-channel layers (7x7 maps) and its
// stride-2 256 -> 512 one; not with one image, small weights, a large map,
// fixed weights, engine CAFFE or a deconvolution.
TEST(BatchedGemmConvTest, ChosenForLargeWeightsOverSmallMaps) {
  const auto problem = [](int in, int out, int size, int stride, int images) {
    ConvProblem p;
    p.shape.window = math::Window2d{in, size, size, 3, 3, 1, 1, stride, stride, 1, 1};
    p.shape.out_channels = out;
    p.shape.images = images;
    return p;
  };
  EXPECT_EQ(ChooseConvAlgorithmFor(problem(512, 512, 7, 1, 8), false), ConvAlgorithm::kBatchedGemm);
  EXPECT_EQ(ChooseConvAlgorithmFor(problem(256, 512, 14, 2, 8), false),
            ConvAlgorithm::kBatchedGemm);
  EXPECT_EQ(ChooseConvAlgorithmFor(problem(512, 512, 7, 1, 1), false), ConvAlgorithm::kIm2colGemm);
  EXPECT_EQ(ChooseConvAlgorithmFor(problem(32, 128, 14, 2, 8), false), ConvAlgorithm::kPacked);
  EXPECT_EQ(ChooseConvAlgorithmFor(problem(512, 512, 40, 2, 8), false), ConvAlgorithm::kIm2colGemm);
  EXPECT_EQ(ChooseConvAlgorithmFor(problem(512, 512, 7, 1, 8), true), ConvAlgorithm::kPacked);
  ConvProblem p = problem(512, 512, 7, 1, 8);
  p.fixed_weights = true;
  EXPECT_EQ(ChooseConvAlgorithmFor(p, false), ConvAlgorithm::kPacked);
  p.fixed_weights = false;
  p.caffe_engine = true;
  EXPECT_EQ(ChooseConvAlgorithmFor(p, false), ConvAlgorithm::kIm2colGemm);
  p.caffe_engine = false;
  p.deconvolution = true;
  EXPECT_FALSE(BatchedGemmConv::Applies(p));
  EXPECT_EQ(ChooseConvAlgorithmFor(p, false), ConvAlgorithm::kIm2colGemm);
}

}  // namespace
}  // namespace strata
