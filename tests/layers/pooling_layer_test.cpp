#include "strata/layers/pooling_layer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

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

const std::vector<float> k4x4 = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

TEST(PoolingLayerTest, MaxForwardAndMaskMatchHandComputed) {
  auto layer = MakeLayer(
      R"(name: "p" type: "Pooling" pooling_param { pool: MAX kernel_size: 2 stride: 2 })");
  auto x = BlobOf({1, 1, 4, 4}, k4x4);
  Blob y, mask;
  layer->SetUp({x.get()}, {&y, &mask});
  layer->Forward({x.get()}, {&y, &mask});
  EXPECT_EQ(Values(y), (std::vector<float>{6, 8, 14, 16}));
  EXPECT_EQ(Values(mask), (std::vector<float>{5, 7, 13, 15}));
}

TEST(PoolingLayerTest, CeilRoundingAddsPartialWindow) {
  // 4x4, kernel 3, stride 2: ceil(1 / 2) + 1 = 2 (Caffe); FLOOR gives 1.
  auto ceil = MakeLayer(
      R"(name: "p" type: "Pooling" pooling_param { pool: MAX kernel_size: 3 stride: 2 })");
  auto floor = MakeLayer(R"(name: "p" type: "Pooling"
    pooling_param { pool: MAX kernel_size: 3 stride: 2 round_mode: FLOOR })");
  auto x = BlobOf({1, 1, 4, 4}, k4x4);
  Blob y;
  ceil->SetUp({x.get()}, {&y});
  ceil->Forward({x.get()}, {&y});
  EXPECT_EQ(Values(y), (std::vector<float>{11, 12, 15, 16}));
  floor->SetUp({x.get()}, {&y});
  EXPECT_EQ(y.shape(), (std::vector<int>{1, 1, 1, 1}));
}

TEST(PoolingLayerTest, AverageWithPaddingDividesByPaddedWindow) {
  auto layer = MakeLayer(
      R"(name: "p" type: "Pooling" pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 })");
  auto x = BlobOf({1, 1, 4, 4}, k4x4);
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  // ceil((4 + 2 - 3) / 2) + 1 = 3, and the last window starts at 3 < 4 + 1.
  ASSERT_EQ(y.shape(), (std::vector<int>{1, 1, 3, 3}));
  // Top-left window covers rows/cols -1..1: (1 + 2 + 5 + 6) / 9.
  EXPECT_FLOAT_EQ(y.data()[0], 14.f / 9);
  // The center covers rows/cols 1..3: (6+7+8+10+11+12+14+15+16) / 9.
  EXPECT_FLOAT_EQ(y.data()[4], 99.f / 9);
  // Bottom-right covers rows/cols 3..4 (clipped at H + pad = 5): 16 / (2 * 2).
  EXPECT_FLOAT_EQ(y.data()[8], 4.f);
}

TEST(PoolingLayerTest, GlobalPooling) {
  auto layer =
      MakeLayer(R"(name: "p" type: "Pooling" pooling_param { pool: AVE global_pooling: true })");
  auto x = BlobOf({1, 1, 4, 4}, k4x4);
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  ASSERT_EQ(y.shape(), (std::vector<int>{1, 1, 1, 1}));
  EXPECT_FLOAT_EQ(y.data()[0], 8.5f);
}

TEST(PoolingLayerTest, MaxGradientCheck) {
  auto layer = MakeLayer(
      R"(name: "p" type: "Pooling" pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 1 })");
  auto x = GaussianBlob({2, 2, 5, 4}, 1);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(PoolingLayerTest, AveGradientCheck) {
  auto layer = MakeLayer(
      R"(name: "p" type: "Pooling" pooling_param { pool: AVE kernel_h: 3 kernel_w: 2 stride: 2 pad: 1 })");
  auto x = GaussianBlob({2, 2, 5, 4}, 2);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

// MAX pooling of x with a square window, checked against plain loops over
// each clipped window (the first maximum in scan order wins): the output, the
// mask, and the input gradient, with garbage in the bottom diff beforehand
// (it is overwritten).
void ExpectMaxMatchesReferenceLoops(const std::vector<int>& shape, int kernel, int stride, int pad,
                                    const std::string& round_mode) {
  SCOPED_TRACE(::testing::Message() << "kernel " << kernel << " stride " << stride << " pad " << pad
                                    << " " << round_mode << " on " << shape[2] << "x" << shape[3]);
  auto layer = MakeLayer(R"(name: "p" type: "Pooling" pooling_param { pool: MAX kernel_size: )" +
                         std::to_string(kernel) + " stride: " + std::to_string(stride) +
                         " pad: " + std::to_string(pad) + " round_mode: " + round_mode + " }");
  auto x = GaussianBlob(shape, 3);
  float* xv = x->mutable_data();
  for (int i = 0; i < x->count(); ++i) xv[i] = std::round(xv[i] * 2.f) / 2.f;  // ties
  Blob y, mask;
  layer->SetUp({x.get()}, {&y, &mask});
  layer->Forward({x.get()}, {&y, &mask});
  const int h = shape[2], w = shape[3], ph_n = y.shape(2), pw_n = y.shape(3);
  auto dy = GaussianBlob(y.shape(), 4);
  std::copy_n(dy->data(), dy->count(), y.mutable_diff());
  std::fill_n(x->mutable_diff(), x->count(), 42.f);
  layer->Backward({&y, &mask}, {true}, {x.get()});
  std::vector<float> expected_dx(x->count(), 0.f);
  for (int plane = 0; plane < shape[0] * shape[1]; ++plane) {
    const float* in = x->data() + plane * h * w;
    for (int ph = 0; ph < ph_n; ++ph) {
      for (int pw = 0; pw < pw_n; ++pw) {
        int best = -1;
        for (int iy = std::max(ph * stride - pad, 0); iy < std::min(ph * stride - pad + kernel, h);
             ++iy) {
          for (int ix = std::max(pw * stride - pad, 0);
               ix < std::min(pw * stride - pad + kernel, w); ++ix) {
            if (best < 0 || in[iy * w + ix] > in[best]) best = iy * w + ix;
          }
        }
        const int o = plane * ph_n * pw_n + ph * pw_n + pw;
        ASSERT_EQ(y.data()[o], in[best]) << "output " << o;
        ASSERT_EQ(mask.data()[o], static_cast<float>(best)) << "output " << o;
        expected_dx[plane * h * w + best] += dy->data()[o];
      }
    }
  }
  EXPECT_EQ(std::vector<float>(x->diff(), x->diff() + x->count()), expected_dx);
}

// 2x2 windows with stride 2 run their own vector kernels (four outputs at a
// time, and a one-pass backward), on shapes with a ragged end (odd sizes with
// FLOOR rounding leave a row and a column no window reads; widths not a
// multiple of 4 outputs).
TEST(PoolingLayerTest, Tiled2x2MaxMatchesReferenceLoops) {
  for (const std::vector<int>& shape : std::vector<std::vector<int>>{
           {1, 3, 9, 11}, {2, 2, 8, 16}, {1, 1, 24, 24}, {3, 1, 8, 8}, {1, 2, 2, 2}}) {
    ExpectMaxMatchesReferenceLoops(shape, 2, 2, 0, "FLOOR");
  }
}

// 2x2 and 3x3 windows run unrolled where they lie inside the image, and the
// general loop on the border: padding (ResNet's 3x3 stride 2 pad 1), Caffe's
// CEIL partial windows at the end, overlapping windows, interiors just at and
// under the unrolled kernel's 8 outputs.
TEST(PoolingLayerTest, UnrolledMaxMatchesReferenceLoops) {
  struct Case {
    std::vector<int> shape;
    int kernel, stride, pad;
    const char* round_mode;
  };
  for (const Case& c : std::vector<Case>{{{2, 3, 24, 24}, 3, 2, 1, "CEIL"},
                                         {{1, 2, 23, 21}, 3, 2, 1, "FLOOR"},
                                         {{1, 2, 28, 27}, 3, 2, 0, "CEIL"},
                                         {{1, 1, 17, 20}, 3, 1, 1, "CEIL"},
                                         {{1, 2, 19, 18}, 2, 1, 1, "CEIL"},
                                         {{1, 1, 20, 19}, 3, 2, 2, "CEIL"},
                                         {{1, 1, 18, 18}, 3, 2, 1, "CEIL"},
                                         {{1, 1, 16, 16}, 3, 2, 1, "CEIL"},
                                         {{1, 1, 3, 3}, 3, 2, 1, "CEIL"}}) {
    ExpectMaxMatchesReferenceLoops(c.shape, c.kernel, c.stride, c.pad, c.round_mode);
  }
}

TEST(PoolingLayerTest, Tiled2x2MaxGradientCheck) {
  auto layer = MakeLayer(R"(name: "p" type: "Pooling"
    pooling_param { pool: MAX kernel_size: 2 stride: 2 round_mode: FLOOR })");
  auto x = GaussianBlob({2, 2, 5, 10}, 5);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(PoolingLayerTest, RejectsBadParameters) {
  auto x = GaussianBlob({1, 1, 4, 4}, 1);
  Blob y, z, w;
  auto no_kernel = MakeLayer(R"(name: "p" type: "Pooling" pooling_param { pool: MAX })");
  EXPECT_THROW(no_kernel->SetUp({x.get()}, {&y}), ConfigError);
  auto big_pad = MakeLayer(R"(name: "p" type: "Pooling" pooling_param { kernel_size: 2 pad: 2 })");
  EXPECT_THROW(big_pad->SetUp({x.get()}, {&y}), ConfigError);
  auto stochastic =
      MakeLayer(R"(name: "p" type: "Pooling" pooling_param { pool: STOCHASTIC kernel_size: 2 })");
  EXPECT_THROW(stochastic->SetUp({x.get()}, {&y}), ConfigError);
  auto too_big = MakeLayer(R"(name: "p" type: "Pooling" pooling_param { kernel_size: 5 })");
  EXPECT_THROW(too_big->SetUp({x.get()}, {&y}), ShapeError);
  auto ave_mask =
      MakeLayer(R"(name: "p" type: "Pooling" pooling_param { pool: AVE kernel_size: 2 })");
  EXPECT_THROW(ave_mask->SetUp({x.get()}, {&y, &z}), ConfigError);
  auto flat = GaussianBlob({4, 4}, 1);
  auto ok = MakeLayer(R"(name: "p" type: "Pooling" pooling_param { kernel_size: 2 })");
  EXPECT_THROW(ok->SetUp({flat.get()}, {&w}), ShapeError);
}

}  // namespace
}  // namespace strata
