// math::Winograd, F(4x4, 5x5) and F(6x6, 3x3), against a direct convolution
// summed in double: outputs, input gradients and weight gradients, with
// padding (also wider than the kernel), clipped edge tiles, 1x1 images,
// channel counts off the vector width, strided images and chunks that end
// inside a group of 8 tiles, on every kernel set the CPU has.
#include "strata/winograd.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "strata/errors.hpp"
#include "strata/packed_gemm.hpp"

namespace strata::math {
namespace {

struct Shape {
  int channels, out_channels, height, width, pad, count, chunk_tiles;
  int kernel = 5;
};

std::string Describe(const Shape& s) {
  return std::to_string(s.kernel) + "x" + std::to_string(s.kernel) + " kernel, " +
         std::to_string(s.count) + "x" + std::to_string(s.channels) + "x" +
         std::to_string(s.height) + "x" + std::to_string(s.width) + " -> " +
         std::to_string(s.out_channels) + ", pad " + std::to_string(s.pad) + ", chunk " +
         std::to_string(s.chunk_tiles);
}

std::vector<float> Random(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

// The largest |a - b| relative to the largest sum of the terms' magnitudes
// (`magnitude`), which bounds rounding errors however much the terms cancel.
double RelativeError(const std::vector<float>& a, const std::vector<double>& b,
                     const std::vector<double>& magnitude) {
  double worst = 0, scale = 1e-30;
  for (size_t i = 0; i < b.size(); ++i) {
    worst = std::max(worst, std::fabs(a[i] - b[i]));
    scale = std::max(scale, magnitude[i]);
  }
  return worst / scale;
}

class WinogradTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!CpuSupports(GetParam())) GTEST_SKIP() << "the CPU lacks " << IsaName(GetParam());
    previous_ = GemmIsa();
    SetGemmIsa(GetParam());
  }
  void TearDown() override {
    if (CpuSupports(GetParam())) SetGemmIsa(previous_);
  }

  // Runs forward and backward on `s` and compares all three results with the
  // direct sums. Images and outputs lie a few floats further apart than their
  // size, so strides are exercised.
  void Check(const Shape& s) {
    SCOPED_TRACE(Describe(s));
    const int k = s.kernel;
    const Window2d w{s.channels, s.height, s.width, k, k, s.pad, s.pad};
    const int out_h = w.output_height(), out_w = w.output_width();
    const size_t in_size = static_cast<size_t>(s.channels) * s.height * s.width;
    const size_t out_size = static_cast<size_t>(s.out_channels) * out_h * out_w;
    const size_t in_stride = in_size + 3, out_stride = out_size + 5;
    const auto x = Random(in_stride * s.count, 1);
    const auto weights = Random(static_cast<size_t>(s.out_channels) * s.channels * k * k, 2);
    const auto bias = Random(s.out_channels, 3);
    const auto dy = Random(out_stride * s.count, 4);

    std::vector<double> y_ref(out_size * s.count), dx_ref(in_size * s.count, 0.0),
        dw_ref(weights.size(), 0.0);
    std::vector<double> y_mag(y_ref.size()), dx_mag(dx_ref.size(), 0.0), dw_mag(dw_ref.size(), 0.0);
    for (int b = 0; b < s.count; ++b) {
      for (int o = 0; o < s.out_channels; ++o) {
        for (int oy = 0; oy < out_h; ++oy) {
          for (int ox = 0; ox < out_w; ++ox) {
            double sum = bias[o], mag = std::fabs(bias[o]);
            const double g = dy[b * out_stride + (o * out_h + oy) * out_w + ox];
            for (int c = 0; c < s.channels; ++c) {
              for (int ky = 0; ky < k; ++ky) {
                for (int kx = 0; kx < k; ++kx) {
                  const int iy = oy - s.pad + ky, ix = ox - s.pad + kx;
                  if (iy < 0 || iy >= s.height || ix < 0 || ix >= s.width) continue;
                  const size_t xi = (static_cast<size_t>(c) * s.height + iy) * s.width + ix;
                  const size_t wi = ((static_cast<size_t>(o) * s.channels + c) * k + ky) * k + kx;
                  const double xv = x[b * in_stride + xi], wv = weights[wi];
                  sum += xv * wv;
                  mag += std::fabs(xv * wv);
                  dx_ref[b * in_size + xi] += g * wv;
                  dx_mag[b * in_size + xi] += std::fabs(g * wv);
                  dw_ref[wi] += g * xv;
                  dw_mag[wi] += std::fabs(g * xv);
                }
              }
            }
            y_ref[b * out_size + (o * out_h + oy) * out_w + ox] = sum;
            y_mag[b * out_size + (o * out_h + oy) * out_w + ox] = mag;
          }
        }
      }
    }

    Winograd winograd;
    winograd.Reshape(w, s.out_channels, s.chunk_tiles);
    winograd.SetWeights(weights.data(), false);
    winograd.SetWeights(weights.data(), true);
    std::vector<float> y(out_stride * s.count, -7.f);
    winograd.Forward(x.data(), in_stride, s.count, bias.data(), y.data(), out_stride);
    // dx is overwritten, dw added to.
    std::vector<float> dx(in_stride * s.count, 9.f), dw(weights.size(), 0.5f);
    winograd.Backward(x.data(), in_stride, dy.data(), out_stride, s.count, dx.data(), dw.data());

    std::vector<float> y_packed, dx_packed;
    for (int b = 0; b < s.count; ++b) {
      y_packed.insert(y_packed.end(), y.begin() + b * out_stride,
                      y.begin() + b * out_stride + out_size);
      dx_packed.insert(dx_packed.end(), dx.begin() + b * in_stride,
                       dx.begin() + b * in_stride + in_size);
      // Nothing is written between images.
      EXPECT_EQ(y[b * out_stride + out_size], -7.f);
      EXPECT_EQ(dx[b * in_stride + in_size], 9.f);
    }
    for (double& v : dw_ref) v += 0.5;
    // Direct float32 sums are ~1e-7 off; Winograd about 2e-6, and up to
    // 1e-5 for a weight's gradient from one output pixel (the transforms'
    // constants reach 16). docs/performance.md states the bound.
    EXPECT_LT(RelativeError(y_packed, y_ref, y_mag), 3e-5);
    EXPECT_LT(RelativeError(dx_packed, dx_ref, dx_mag), 3e-5);
    EXPECT_LT(RelativeError(dw, dw_ref, dw_mag), 3e-5);

    // Each gradient alone gives the same numbers.
    std::vector<float> dx_only(in_stride * s.count), dw_only(weights.size(), 0.5f);
    winograd.Backward(x.data(), in_stride, dy.data(), out_stride, s.count, dx_only.data(), nullptr);
    winograd.Backward(x.data(), in_stride, dy.data(), out_stride, s.count, nullptr, dw_only.data());
    for (int b = 0; b < s.count; ++b) {
      for (size_t i = 0; i < in_size; ++i) {
        ASSERT_EQ(dx_only[b * in_stride + i], dx[b * in_stride + i]) << i;
      }
    }
    EXPECT_EQ(dw_only, dw);
  }

 private:
  Isa previous_ = Isa::kGeneric;
};

TEST_P(WinogradTest, LenetConv2) { Check({20, 50, 12, 12, 0, 3, 0}); }

TEST_P(WinogradTest, ClippedEdgeTilesAndPadding) {
  Check({3, 5, 9, 11, 0, 2, 0});   // 5x7 outputs: the last row and column of tiles clipped
  Check({4, 6, 7, 7, 2, 2, 0});    // padding reads zeros
  Check({9, 3, 13, 10, 1, 3, 0});  // padding and clipping together
  Check({1, 1, 5, 5, 0, 1, 0});    // one output pixel
  Check({2, 17, 6, 26, 3, 1, 0});  // more padding than a block's overlap
}

TEST_P(WinogradTest, ChunksThatEndInsideAGroupOfTiles) {
  // 2 images x 9 tiles, 16 tiles a chunk: chunks of 16 and 2 (the second
  // image split between them); and 8 x 4 tiles in chunks of 16 (every group
  // whole).
  Check({5, 7, 12, 12, 2, 2, 16});
  Check({20, 50, 12, 12, 0, 8, 16});
}

TEST_P(WinogradTest, ThreeByThreeResnetShapes) {
  Check({16, 16, 24, 24, 1, 2, 0, 3});  // 24x24: 4x4 whole tiles
  Check({32, 32, 8, 8, 1, 4, 16, 3});   // 8x8 in 2x2 tiles, the last ones clipped
  Check({20, 9, 7, 7, 1, 3, 0, 3});     // ResNet-18's last stage: 7x7
  // 128 channels each way: the weight gradient's sums outgrow the backward
  // budget, so its chunk grows (all 18 tiles in one).
  Check({128, 128, 14, 14, 1, 2, 0, 3});
}

TEST_P(WinogradTest, ThreeByThreeEdges) {
  Check({3, 5, 9, 11, 0, 2, 0, 3});    // 7x9 outputs: the last row and column of tiles clipped
  Check({4, 6, 7, 7, 1, 2, 0, 3});     // padding reads zeros
  Check({9, 3, 13, 10, 2, 3, 0, 3});   // padding and clipping together
  Check({1, 1, 3, 3, 0, 1, 0, 3});     // one output pixel
  Check({2, 17, 6, 26, 4, 1, 0, 3});   // padding wider than the kernel
  Check({5, 7, 1, 1, 1, 2, 0, 3});     // 1x1 images
  Check({5, 7, 13, 12, 2, 3, 16, 3});  // chunks that end inside an image and a group of tiles
}

INSTANTIATE_TEST_SUITE_P(Isas, WinogradTest,
                         ::testing::Values(Isa::kGeneric, Isa::kAvx2, Isa::kAvx512),
                         [](const ::testing::TestParamInfo<Isa>& info) {
                           return std::string(IsaName(info.param));
                         });

// Forward and input gradient of `count` images through `winograd`, whose
// weights are set from `weights` first.
std::vector<float> ForwardAndInputGradient(Winograd* winograd, const Window2d& w, int out_channels,
                                           const std::vector<float>& weights, int count) {
  winograd->SetWeights(weights.data(), false);
  winograd->SetWeights(weights.data(), true);
  const size_t in_size = static_cast<size_t>(w.channels) * w.height * w.width;
  const size_t out_size = static_cast<size_t>(out_channels) * w.output_height() * w.output_width();
  const auto x = Random(in_size * count, 11), dy = Random(out_size * count, 12);
  std::vector<float> y(out_size * count), dx(in_size * count);
  winograd->Forward(x.data(), in_size, count, nullptr, y.data(), out_size);
  winograd->Backward(x.data(), in_size, dy.data(), out_size, count, dx.data(), nullptr);
  y.insert(y.end(), dx.begin(), dx.end());
  return y;
}

TEST(Winograd, WeightsChangedInPlaceOrReshapedAreTransformedAgain) {
  const Window2d w{3, 9, 9, 5, 5};
  std::vector<float> weights = Random(2 * 3 * 25, 5);
  Winograd kept;
  kept.Reshape(w, 2);
  const auto first = ForwardAndInputGradient(&kept, w, 2, weights, 2);
  // New values in the same buffer (a solver step).
  for (float& v : weights) v = 0.5f * v + 0.25f;
  Winograd fresh;
  fresh.Reshape(w, 2);
  const auto expected = ForwardAndInputGradient(&fresh, w, 2, weights, 2);
  EXPECT_NE(first, expected);
  EXPECT_EQ(ForwardAndInputGradient(&kept, w, 2, weights, 2), expected);
  // Reshaped, `kept` gives what a fresh object does.
  const auto expect_as_fresh = [&](const Window2d& reshaped, int out_channels, int count) {
    kept.Reshape(reshaped, out_channels);
    Winograd other;
    other.Reshape(reshaped, out_channels);
    EXPECT_EQ(ForwardAndInputGradient(&kept, reshaped, out_channels, weights, count),
              ForwardAndInputGradient(&other, reshaped, out_channels, weights, count));
  };
  expect_as_fresh(Window2d{3, 12, 10, 5, 5}, 2, 3);  // another batch and image size
  expect_as_fresh(Window2d{2, 9, 9, 5, 5}, 3, 2);    // channel counts swapped, as many weights
}

TEST(Winograd, AppliesToThreeAndFiveByFiveStrideOneWindowsOnly) {
  EXPECT_TRUE(Winograd::Applies(Window2d{20, 12, 12, 5, 5}));
  EXPECT_TRUE(Winograd::Applies(Window2d{3, 27, 27, 5, 5, 2, 2}));
  EXPECT_TRUE(Winograd::Applies(Window2d{20, 12, 12, 3, 3, 1, 1}));
  EXPECT_FALSE(Winograd::Applies(Window2d{20, 12, 12, 5, 3}));
  EXPECT_FALSE(Winograd::Applies(Window2d{20, 12, 12, 7, 7}));
  EXPECT_FALSE(Winograd::Applies(Window2d{20, 12, 12, 1, 1}));
  EXPECT_FALSE(Winograd::Applies(Window2d{20, 12, 12, 3, 3, 1, 1, 2, 2}));
  EXPECT_FALSE(Winograd::Applies(Window2d{20, 12, 12, 5, 5, 0, 0, 2, 2}));
  EXPECT_FALSE(Winograd::Applies(Window2d{20, 12, 12, 5, 5, 0, 0, 1, 1, 2, 2}));
  EXPECT_FALSE(Winograd::Applies(Window2d{20, 4, 4, 5, 5}));  // no output
  Winograd winograd;
  EXPECT_THROW(winograd.Reshape(Window2d{20, 12, 12, 7, 7}, 8), InternalError);
}

// How many images a caller hands out together so that their tiles fill whole
// chunk steps of 16.
TEST(Winograd, ImagesPerChunkStepFillsSixteenTiles) {
  const auto images = [](const Window2d& w) {
    Winograd winograd;
    winograd.Reshape(w, 4);
    return winograd.ImagesPerChunkStep();
  };
  EXPECT_EQ(images(Window2d{20, 12, 12, 5, 5}), 4);        // LeNet's conv2: 8x8, 4 tiles
  EXPECT_EQ(images(Window2d{3, 20, 20, 5, 5}), 1);         // 16x16: 16 tiles
  EXPECT_EQ(images(Window2d{3, 16, 16, 5, 5}), 16);        // 12x12: 9 tiles
  EXPECT_EQ(images(Window2d{3, 12, 14, 5, 5}), 8);         // 8x10: 6 tiles
  EXPECT_EQ(images(Window2d{3, 27, 27, 5, 5, 2, 2}), 16);  // 27x27: 49 tiles
}

TEST(Winograd, PaysWithEnoughChannelsBothWaysAndFewWastedOutputs) {
  EXPECT_TRUE(Winograd::Pays(Window2d{20, 12, 12, 5, 5}, 50));         // LeNet's conv2
  EXPECT_TRUE(Winograd::Pays(Window2d{48, 27, 27, 5, 5, 2, 2}, 128));  // AlexNet's conv2
  EXPECT_FALSE(Winograd::Pays(Window2d{1, 28, 28, 5, 5}, 20));         // LeNet's conv1
  EXPECT_FALSE(Winograd::Pays(Window2d{64, 12, 12, 5, 5}, 1));
  EXPECT_TRUE(Winograd::Pays(Window2d{64, 56, 56, 3, 3, 1, 1}, 64));  // ResNet-18's conv2
  EXPECT_FALSE(Winograd::Pays(Window2d{3, 32, 32, 3, 3, 1, 1}, 16));  // an RGB input layer
  EXPECT_TRUE(Winograd::Pays(Window2d{16, 24, 24, 3, 3, 1, 1}, 16));  // 16 channels, whole tiles
  // 7x7 outputs in 6x6 tiles: four tiles compute 144 outputs for 49.
  EXPECT_FALSE(Winograd::Pays(Window2d{16, 7, 7, 3, 3, 1, 1}, 16));
  // ResNet-20's last stage: four tiles for 8x8 outputs, 64 channels each way.
  EXPECT_TRUE(Winograd::Pays(Window2d{64, 8, 8, 3, 3, 1, 1}, 64));
}

TEST(Winograd, InputGradientNeedsTransposedWeights) {
  Winograd winograd;
  winograd.Reshape(Window2d{2, 8, 8, 5, 5}, 3);
  const std::vector<float> weights(3 * 2 * 25, 0.1f), x(2 * 64, 1.f), dy(3 * 16, 1.f);
  std::vector<float> dx(x.size()), dw(weights.size());
  winograd.SetWeights(weights.data(), false);
  EXPECT_THROW(winograd.Backward(x.data(), x.size(), dy.data(), dy.size(), 1, dx.data(), nullptr),
               InternalError);
  EXPECT_NO_THROW(
      winograd.Backward(x.data(), x.size(), dy.data(), dy.size(), 1, nullptr, dw.data()));
}

}  // namespace
}  // namespace strata::math
