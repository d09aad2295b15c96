#include "strata/layers/im2col_layer.hpp"

#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::BlobOf;
using testing::GaussianBlob;
using testing::MakeLayer;

TEST(Im2colLayerTest, ForwardMatchesHandComputed) {
  auto layer = MakeLayer(R"(name: "i" type: "Im2col" convolution_param { kernel_size: 2 })");
  auto x = BlobOf({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  ASSERT_EQ(y.shape(), (std::vector<int>{1, 4, 2, 2}));
  // Row k of the columns holds kernel position k for each of the 4 outputs.
  EXPECT_EQ(std::vector<float>(y.data(), y.data() + 16),
            (std::vector<float>{1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9}));
}

TEST(Im2colLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "i" type: "Im2col"
    convolution_param { kernel_size: 3 pad: 1 stride: 2 dilation: 1 })");
  auto x = GaussianBlob({2, 2, 4, 3}, 1);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(Im2colLayerTest, RejectsMissingOrOversizedKernel) {
  auto x = GaussianBlob({1, 1, 3, 3}, 1);
  Blob y;
  EXPECT_THROW(MakeLayer(R"(name: "i" type: "Im2col")")->SetUp({x.get()}, {&y}), ConfigError);
  EXPECT_THROW(MakeLayer(R"(name: "i" type: "Im2col" convolution_param { kernel_size: 4 })")
                   ->SetUp({x.get()}, {&y}),
               ShapeError);
}

}  // namespace
}  // namespace strata
