// The numerical kernels against plain reference loops: the unfolding for
// every window geometry (padding, stride, dilation, kernels wider than the
// image's padding), its adjoint, and the element-wise operations that are
// split over the thread pool.
#include "strata/math.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <vector>

#include "strata/packed_gemm.hpp"
#include "strata/thread_pool.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

// Column (c*kh*kw + ky*kw + kx, oy*out_w + ox) reads image (c, y, x) with
// y = oy*stride_h - pad_h + ky*dilation_h (and likewise x), or 0 outside.
std::vector<float> ReferenceIm2col(const std::vector<float>& image, const math::Window2d& w) {
  const int out_h = w.output_height(), out_w = w.output_width();
  std::vector<float> columns;
  for (int c = 0; c < w.channels; ++c) {
    for (int ky = 0; ky < w.kernel_h; ++ky) {
      for (int kx = 0; kx < w.kernel_w; ++kx) {
        for (int oy = 0; oy < out_h; ++oy) {
          for (int ox = 0; ox < out_w; ++ox) {
            const int y = oy * w.stride_h - w.pad_h + ky * w.dilation_h;
            const int x = ox * w.stride_w - w.pad_w + kx * w.dilation_w;
            const bool inside = y >= 0 && y < w.height && x >= 0 && x < w.width;
            columns.push_back(inside ? image[(c * w.height + y) * w.width + x] : 0.f);
          }
        }
      }
    }
  }
  return columns;
}

struct Geometry {
  int channels, height, width, kernel_h, kernel_w, pad_h, pad_w, stride_h, stride_w, dilation_h,
      dilation_w;
};

class Im2colTest : public ::testing::TestWithParam<Geometry> {
 protected:
  math::Window2d Window() const {
    const Geometry& g = GetParam();
    return math::Window2d{g.channels, g.height,   g.width,    g.kernel_h,   g.kernel_w,  g.pad_h,
                          g.pad_w,    g.stride_h, g.stride_w, g.dilation_h, g.dilation_w};
  }
};

TEST_P(Im2colTest, MatchesReferenceLoops) {
  const math::Window2d w = Window();
  const auto image =
      testing::UniformVector(static_cast<size_t>(w.channels) * w.height * w.width, 1);
  const auto expected = ReferenceIm2col(image, w);
  std::vector<float> columns(expected.size(), 42.f);  // every entry must be written
  math::Im2col(image.data(), w, columns.data());
  EXPECT_EQ(columns, expected);
}

TEST_P(Im2colTest, ImagesSideBySideUseTheLeadingDimension) {
  const math::Window2d w = Window();
  const int spatial = w.output_height() * w.output_width();
  const int rows = w.channels * w.kernel_h * w.kernel_w;
  const size_t image_size = static_cast<size_t>(w.channels) * w.height * w.width;
  const auto images = testing::UniformVector(2 * image_size, 2);
  std::vector<float> columns(static_cast<size_t>(rows) * 2 * spatial, 42.f);
  for (int b = 0; b < 2; ++b) {
    math::Im2col(images.data() + b * image_size, w, columns.data() + b * spatial, 2 * spatial);
  }
  for (int b = 0; b < 2; ++b) {
    const std::vector<float> image(images.begin() + b * image_size,
                                   images.begin() + (b + 1) * image_size);
    const auto expected = ReferenceIm2col(image, w);
    for (int r = 0; r < rows; ++r) {
      for (int s = 0; s < spatial; ++s) {
        ASSERT_EQ(columns[(static_cast<size_t>(r) * 2 + b) * spatial + s],
                  expected[static_cast<size_t>(r) * spatial + s])
            << "image " << b << " row " << r << " column " << s;
      }
    }
  }
}

// Output rows [y0, y1) alone: every split of the rows, the padded ones at
// the top and bottom included, gives those rows' columns of the whole matrix.
TEST_P(Im2colTest, OutputRowRangesAreSlicesOfTheWholeMatrix) {
  const math::Window2d w = Window();
  const auto image =
      testing::UniformVector(static_cast<size_t>(w.channels) * w.height * w.width, 4);
  const auto expected = ReferenceIm2col(image, w);
  const int out_h = w.output_height(), out_w = w.output_width();
  const int rows = w.channels * w.kernel_h * w.kernel_w;
  for (int y0 = 0; y0 < out_h; ++y0) {
    for (int y1 = y0 + 1; y1 <= out_h; ++y1) {
      const int n = (y1 - y0) * out_w;
      std::vector<float> columns(static_cast<size_t>(rows) * n, 42.f);
      math::Im2colRows(image.data(), w, y0, y1, columns.data());
      for (int r = 0; r < rows; ++r) {
        for (int s = 0; s < n; ++s) {
          ASSERT_EQ(columns[static_cast<size_t>(r) * n + s],
                    expected[static_cast<size_t>(r) * out_h * out_w + y0 * out_w + s])
              << "rows [" << y0 << ", " << y1 << "), matrix row " << r << " column " << s;
        }
      }
    }
  }
}

// Col2im is Im2col's adjoint: <Im2col(x), c> == <x, Col2im(c)> for all x, c.
// Summing each column entry into the image position it was read from is
// checked against the reference loops directly.
TEST_P(Im2colTest, Col2imSumsBackIntoTheImage) {
  const math::Window2d w = Window();
  const size_t image_size = static_cast<size_t>(w.channels) * w.height * w.width;
  const int out_h = w.output_height(), out_w = w.output_width();
  const auto columns = testing::UniformVector(
      static_cast<size_t>(w.channels) * w.kernel_h * w.kernel_w * out_h * out_w, 3);
  std::vector<float> expected(image_size, 0.f);
  size_t index = 0;
  for (int c = 0; c < w.channels; ++c) {
    for (int ky = 0; ky < w.kernel_h; ++ky) {
      for (int kx = 0; kx < w.kernel_w; ++kx) {
        for (int oy = 0; oy < out_h; ++oy) {
          for (int ox = 0; ox < out_w; ++ox, ++index) {
            const int y = oy * w.stride_h - w.pad_h + ky * w.dilation_h;
            const int x = ox * w.stride_w - w.pad_w + kx * w.dilation_w;
            if (y >= 0 && y < w.height && x >= 0 && x < w.width) {
              expected[(c * w.height + y) * w.width + x] += columns[index];
            }
          }
        }
      }
    }
  }
  std::vector<float> image(image_size, 42.f);  // overwritten, not added to
  math::Col2im(columns.data(), w, image.data());
  ASSERT_EQ(image.size(), expected.size());
  for (size_t i = 0; i < image.size(); ++i) {
    EXPECT_NEAR(image[i], expected[i], 1e-5f) << "at " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Windows, Im2colTest,
    ::testing::Values(Geometry{1, 28, 28, 5, 5, 0, 0, 1, 1, 1, 1},   // LeNet conv1
                      Geometry{3, 12, 12, 5, 5, 0, 0, 1, 1, 1, 1},   // LeNet conv2 shape
                      Geometry{2, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1},     // same padding
                      Geometry{2, 11, 10, 3, 2, 2, 1, 2, 3, 1, 1},   // strides, padding
                      Geometry{1, 9, 9, 3, 3, 2, 2, 1, 1, 2, 2},     // dilation
                      Geometry{2, 5, 4, 4, 4, 3, 3, 2, 2, 1, 1},     // rows all padding
                      Geometry{1, 3, 20, 1, 1, 0, 0, 1, 1, 1, 1},    // 1x1, long rows
                      Geometry{1, 4, 19, 2, 3, 1, 2, 1, 1, 1, 1}));  // odd widths

// A column matrix big enough is filled by several threads where the caller
// runs alone (a batch of one): ResNet's 7x7 stride-2 conv1 on a 224 image,
// 147 rows of 12,544, in three uneven parts.
TEST(Im2colSpreadTest, RowsFilledOnSeveralThreadsMatchReferenceLoops) {
  const testing::ScopedThreads threads_guard;
  SetNumThreads(3);
  const math::Window2d w{3, 224, 224, 7, 7, 3, 3, 2, 2, 1, 1};
  const auto image =
      testing::UniformVector(static_cast<size_t>(w.channels) * w.height * w.width, 4);
  const auto expected = ReferenceIm2col(image, w);
  std::vector<float> columns(expected.size(), 42.f);
  math::Im2col(image.data(), w, columns.data());
  EXPECT_EQ(columns, expected);
}

// Vectors long enough to be split over the pool give the same values as the
// plain loops (the split must not change any element).
class ElementwiseTest : public ::testing::Test {
 protected:
  void SetUp() override { SetNumThreads(2); }
  const testing::ScopedThreads threads_guard_;  // constructed before SetUp runs
  static constexpr int kLong = 300001;          // several parts, ragged end
};

TEST_F(ElementwiseTest, LongVectorsMatchPlainLoops) {
  const auto x = testing::UniformVector(kLong, 4);
  const auto y0 = testing::UniformVector(kLong, 5);
  std::vector<float> y = y0;
  math::Axpy(kLong, 0.5f, x.data(), y.data());
  for (int i = 0; i < kLong; ++i) ASSERT_FLOAT_EQ(y[i], y0[i] + 0.5f * x[i]) << i;
  y = y0;
  math::Axpby(kLong, 0.5f, x.data(), -2.f, y.data());
  for (int i = 0; i < kLong; ++i) ASSERT_EQ(y[i], 0.5f * x[i] + -2.f * y0[i]) << i;
  y = y0;
  math::Scale(kLong, 3.f, y.data());
  for (int i = 0; i < kLong; ++i) ASSERT_FLOAT_EQ(y[i], 3.f * y0[i]) << i;
  math::Set(kLong, 0.f, y.data());
  for (int i = 0; i < kLong; ++i) ASSERT_EQ(y[i], 0.f) << i;
  math::Set(kLong, 7.f, y.data());
  for (int i = 0; i < kLong; ++i) ASSERT_EQ(y[i], 7.f) << i;
  math::Copy(kLong, x.data(), y.data());
  EXPECT_EQ(y, x);
}

TEST_F(ElementwiseTest, AxpbyWithBetaZeroNeverReadsY) {
  const auto x = testing::UniformVector(kLong, 6);
  std::vector<float> y(kLong, std::numeric_limits<float>::quiet_NaN());
  math::Axpby(kLong, 2.f, x.data(), 0.f, y.data());
  for (int i = 0; i < kLong; ++i) ASSERT_EQ(y[i], 2.f * x[i]) << i;
}

TEST_F(ElementwiseTest, MomentumStepIsTheTwoStepUpdate) {
  const auto diff0 = testing::UniformVector(kLong, 7);
  const auto history0 = testing::UniformVector(kLong, 8);
  std::vector<float> diff = diff0, history = history0;
  math::MomentumStep(kLong, 0.01f, 0.9f, diff.data(), history.data());
  for (int i = 0; i < kLong; ++i) {
    const float expected = 0.01f * diff0[i] + 0.9f * history0[i];
    ASSERT_EQ(history[i], expected) << i;
    ASSERT_EQ(diff[i], expected) << i;
  }
}

// The fused step against its three passes (decay, momentum, update); the
// decay's product may be fused into its sum by BLAS, so within a rounding.
TEST_F(ElementwiseTest, SgdStepIsDecayMomentumAndUpdate) {
  const auto data0 = testing::UniformVector(kLong, 11);
  const auto diff0 = testing::UniformVector(kLong, 12);
  const auto history0 = testing::UniformVector(kLong, 13);
  std::vector<float> data = data0, diff = diff0, history = history0;
  math::SgdStep(kLong, 5e-4f, 0.01f, 0.9f, data.data(), diff.data(), history.data());
  std::vector<float> data3 = data0, diff3 = diff0, history3 = history0;
  math::Axpy(kLong, 5e-4f, data3.data(), diff3.data());
  math::MomentumStep(kLong, 0.01f, 0.9f, diff3.data(), history3.data());
  math::Axpy(kLong, -1.f, diff3.data(), data3.data());
  for (int i = 0; i < kLong; ++i) {
    ASSERT_NEAR(history[i], history3[i], 1e-7f) << i;
    ASSERT_EQ(diff[i], history[i]) << i;
    ASSERT_EQ(data[i], data0[i] - history[i]) << i;
  }
}

// The ReLU's backward against the plain product dy * (x > 0 ? 1 : slope), to the
// bit: zeros of both signs, a negative slope, a ragged end, and in place.
TEST(MathTest, ReluBackwardIsTheFactorTimesTheGradient) {
  for (float slope : {0.f, 0.1f}) {
    for (float coeff : {1.f, -0.5f}) {
      for (int n : {0, 3, 4, 13}) {
        auto x = testing::UniformVector(n, 11), dy = testing::UniformVector(n, 12);
        if (n > 2) x[1] = 0.f, x[2] = -0.f;
        std::vector<float> dx(n);
        math::ReluBackward(n, slope, coeff, dy.data(), x.data(), dx.data());
        for (int i = 0; i < n; ++i) {
          const float expected = coeff * (dy[i] * (x[i] > 0.f ? 1.f : slope));
          ASSERT_EQ(std::memcmp(&dx[i], &expected, sizeof(float)), 0) << n << " " << i;
        }
        math::ReluBackward(n, slope, coeff, dy.data(), x.data(), dy.data());
        EXPECT_EQ(dy, dx) << n;
      }
    }
  }
}

// The lane sums against plain long double loops, on lengths with a ragged end.
TEST(LaneSumTest, MatchPlainSums) {
  for (int n : {0, 1, 7, 8, 9, 676, 1001}) {
    const auto x = testing::UniformVector(n, 9), y = testing::UniformVector(n, 10);
    long double sum = 0, dot = 0;
    for (int i = 0; i < n; ++i) {
      sum += x[i];
      dot += static_cast<long double>(x[i]) * y[i];
    }
    EXPECT_NEAR(math::SumDouble(n, x.data()), static_cast<double>(sum), 1e-9) << n;
    EXPECT_NEAR(math::DotDouble(n, x.data(), y.data()), static_cast<double>(dot), 1e-9) << n;
  }
}

}  // namespace
}  // namespace strata

namespace strata {
namespace {

void CheckSigmoidAndTanh();

// Sigmoid and Tanh against the functions in double over a dense sweep of
// [-100, 100] (past exp's clamp) and tiny values; odd lengths cover the
// padded tail. Every vector width the CPU has (4, 8, 16 floats).
TEST(MathTest, SigmoidAndTanhAreWithinAFewUlps) {
  const math::Isa best = math::GemmIsa();
  for (math::Isa isa : {math::Isa::kGeneric, math::Isa::kAvx2, math::Isa::kAvx512}) {
    if (!math::CpuSupports(isa)) continue;
    SCOPED_TRACE(math::IsaName(isa));
    math::SetGemmIsa(isa);
    CheckSigmoidAndTanh();
  }
  math::SetGemmIsa(best);
}

void CheckSigmoidAndTanh() {
  std::vector<float> x;
  for (float v = -100.f; v <= 100.f; v += 0.0137f) x.push_back(v);
  for (float v : {0.f, -0.f, 1e-30f, -1e-8f, 3e-5f, 0.0624f, 0.0626f, -0.0625f}) x.push_back(v);
  x.push_back(0.5f);  // 14,607 values: not a multiple of 4
  std::vector<float> s(x.size()), t(x.size());
  math::Sigmoid(static_cast<int>(x.size()), x.data(), s.data());
  math::Tanh(static_cast<int>(x.size()), x.data(), t.data());
  for (size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    const double sigmoid = 1.0 / (1.0 + std::exp(-v)), tanh = std::tanh(v);
    ASSERT_NEAR(s[i], sigmoid, 3e-7 * sigmoid + 1e-37) << "sigmoid(" << v << ")";
    ASSERT_NEAR(t[i], tanh, std::max(2e-7, 2e-6 * std::fabs(tanh))) << "tanh(" << v << ")";
    ASSERT_EQ(std::signbit(t[i]), std::signbit(x[i])) << "tanh(" << v << ")";
  }
  // In place, as the recurrent layers call them.
  std::vector<float> y = x;
  math::Tanh(static_cast<int>(y.size()), y.data(), y.data());
  EXPECT_EQ(y, t);
}

}  // namespace
}  // namespace strata
