#include "strata/layers/deconvolution_layer.hpp"

#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "strata/math.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::BlobOf;
using testing::GaussianBlob;
using testing::MakeLayer;

TEST(DeconvolutionLayerTest, ForwardMatchesHandComputed) {
  // A 2x2 input, 2x2 kernel of ones, stride 2: each input pixel becomes a 2x2 block.
  auto layer = MakeLayer(R"(name: "d" type: "Deconvolution"
    convolution_param { num_output: 1 kernel_size: 2 stride: 2 bias_term: false
                        weight_filler { type: "constant" value: 1 } })");
  auto x = BlobOf({1, 1, 2, 2}, {1, 2, 3, 4});
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  ASSERT_EQ(y.shape(), (std::vector<int>{1, 1, 4, 4}));
  EXPECT_EQ(std::vector<float>(y.data(), y.data() + 16),
            (std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
  EXPECT_EQ(layer->blobs()[0]->shape(), (std::vector<int>{1, 1, 2, 2}));
}

TEST(DeconvolutionLayerTest, IsTheAdjointOfConvolution) {
  // <deconv(x), y> == <x, conv(y)> with shared weights and no bias.
  auto deconv = MakeLayer(R"(name: "d" type: "Deconvolution"
    convolution_param { num_output: 3 kernel_size: 3 stride: 2 pad: 1 bias_term: false
                        weight_filler { type: "gaussian" } })");
  auto conv = MakeLayer(R"(name: "c" type: "Convolution"
    convolution_param { num_output: 2 kernel_size: 3 stride: 2 pad: 1 bias_term: false })");
  auto x = GaussianBlob({1, 2, 3, 3}, 1);
  Blob dx;
  deconv->SetUp({x.get()}, {&dx});
  deconv->Forward({x.get()}, {&dx});
  auto y = GaussianBlob(dx.shape(), 2);
  Blob cy;
  conv->SetUp({y.get()}, {&cy});
  conv->blobs()[0]->CopyFrom(*deconv->blobs()[0]);
  conv->Forward({y.get()}, {&cy});
  ASSERT_EQ(cy.shape(), x->shape());
  EXPECT_NEAR(math::Dot(dx.count(), dx.data(), y->data()),
              math::Dot(x->count(), x->data(), cy.data()), 1e-3);
}

TEST(DeconvolutionLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "d" type: "Deconvolution"
    convolution_param { num_output: 4 kernel_size: 3 stride: 2 pad: 1 group: 2
                        weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } })");
  auto x = GaussianBlob({2, 2, 3, 2}, 3);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

// Stride 1, no padding, a bottom 8 wide: in the convolution direction this is
// a plain window over the top, so the weight gradient reads the top's
// gradient and the bottom in place (math::WeightGradWindow on vector CPUs).
TEST(DeconvolutionLayerTest, GradientCheckPlainWindow) {
  for (int group : {1, 3}) {
    auto layer = MakeLayer(R"(name: "d" type: "Deconvolution"
      convolution_param { num_output: 3 kernel_size: 3 group: )" +
                           std::to_string(group) + R"(
                          weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } })");
    auto x = GaussianBlob({2, 3, 3, 8}, 4);
    Blob y;
    testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
    EXPECT_EQ(y.shape(), (std::vector<int>{2, 3, 5, 10})) << "group " << group;
  }
}

TEST(DeconvolutionLayerTest, RejectsPadLargerThanOutput) {
  auto layer = MakeLayer(R"(name: "d" type: "Deconvolution"
    convolution_param { num_output: 1 kernel_size: 1 pad: 3 })");
  auto x = GaussianBlob({1, 1, 2, 2}, 1);
  Blob y;
  EXPECT_THROW(layer->SetUp({x.get()}, {&y}), ShapeError);
}

}  // namespace
}  // namespace strata
