#include "strata/layers/convolution_layer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <string>
#include <thread>

#include "strata/errors.hpp"
#include "strata/packed_gemm.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::BlobOf;
using testing::GaussianBlob;
using testing::MakeLayer;

// A direct (slow, obviously right) convolution for comparison.
std::vector<float> DirectConvolution(const Blob& x, const Blob& w, const Blob* b, int pad,
                                     int stride, int dilation, int group, int out_h, int out_w) {
  const int n = x.shape(0), c = x.shape(1), h = x.shape(2), wd = x.shape(3);
  const int o = w.shape(0), kh = w.shape(2), kw = w.shape(3);
  const int cg = c / group, og = o / group;
  std::vector<float> y(static_cast<size_t>(n) * o * out_h * out_w, 0.f);
  for (int in = 0; in < n; ++in)
    for (int oc = 0; oc < o; ++oc)
      for (int oy = 0; oy < out_h; ++oy)
        for (int ox = 0; ox < out_w; ++ox) {
          double sum = b ? b->data()[oc] : 0.0;
          const int g = oc / og;
          for (int ic = 0; ic < cg; ++ic)
            for (int ky = 0; ky < kh; ++ky)
              for (int kx = 0; kx < kw; ++kx) {
                const int iy = oy * stride - pad + ky * dilation;
                const int ix = ox * stride - pad + kx * dilation;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                sum += static_cast<double>(x.data()[((in * c + g * cg + ic) * h + iy) * wd + ix]) *
                       w.data()[((oc * cg + ic) * kh + ky) * kw + kx];
              }
          y[((in * o + oc) * out_h + oy) * out_w + ox] = static_cast<float>(sum);
        }
  return y;
}

TEST(ConvolutionLayerTest, ForwardMatchesHandComputed) {
  // 1 image, 1 channel 3x3, one 2x2 kernel of ones, bias 0.5.
  auto layer = MakeLayer(R"(name: "c" type: "Convolution"
    convolution_param { num_output: 1 kernel_size: 2 bias_filler { type: "constant" value: 0.5 }
                        weight_filler { type: "constant" value: 1 } })");
  auto x = BlobOf({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  ASSERT_EQ(y.shape(), (std::vector<int>{1, 1, 2, 2}));
  EXPECT_EQ(std::vector<float>(y.data(), y.data() + 4),
            (std::vector<float>{12.5, 16.5, 24.5, 28.5}));
}

TEST(ConvolutionLayerTest, PadStrideDilationGroupMatchDirectConvolution) {
  auto layer = MakeLayer(R"(name: "c" type: "Convolution"
    convolution_param { num_output: 4 kernel_size: 3 pad: 2 stride: 2 dilation: 2 group: 2
                        weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } })");
  auto x = GaussianBlob({2, 6, 7, 6}, 1);
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  // (7 + 4 - 5) / 2 + 1 = 4; (6 + 4 - 5) / 2 + 1 = 3
  ASSERT_EQ(y.shape(), (std::vector<int>{2, 4, 4, 3}));
  EXPECT_EQ(layer->blobs()[0]->shape(), (std::vector<int>{4, 3, 3, 3}));
  const auto expected =
      DirectConvolution(*x, *layer->blobs()[0], layer->blobs()[1].get(), 2, 2, 2, 2, 4, 3);
  for (int i = 0; i < y.count(); ++i) EXPECT_NEAR(y.data()[i], expected[i], 1e-4) << i;
}

TEST(ConvolutionLayerTest, RectangularKernelAndSeparatePads) {
  auto layer = MakeLayer(R"(name: "c" type: "Convolution"
    convolution_param { num_output: 2 kernel_h: 3 kernel_w: 1 pad_h: 1 pad_w: 0 stride_h: 1 stride_w: 2
                        weight_filler { type: "gaussian" } })");
  auto x = GaussianBlob({1, 2, 5, 5}, 2);
  Blob y;
  layer->SetUp({x.get()}, {&y});
  EXPECT_EQ(y.shape(), (std::vector<int>{1, 2, 5, 3}));
}

TEST(ConvolutionLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "c" type: "Convolution"
    convolution_param { num_output: 3 kernel_size: 3 pad: 1 stride: 2
                        weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } })");
  auto x = GaussianBlob({2, 2, 5, 4}, 3);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(ConvolutionLayerTest, GradientCheckGroupsDilationTwoBottoms) {
  auto layer = MakeLayer(R"(name: "c" type: "Convolution"
    convolution_param { num_output: 4 kernel_size: 2 dilation: 2 group: 2
                        weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } })");
  auto a = GaussianBlob({1, 4, 4, 4}, 4), b = GaussianBlob({1, 4, 4, 4}, 5);
  Blob ya, yb;
  testing::ExpectGradientsMatch(layer.get(), {a.get(), b.get()}, {&ya, &yb});
}

// Images with 256 or more output pixels run one product each, straight into
// the output; smaller ones are unfolded side by side in chunks; plain windows
// (stride 1, no padding, output rows a multiple of 8 wide) are read from the
// image without unfolding where the CPU has vector kernels. Each path,
// forward against the direct loops and backward against numerical gradients.
TEST(ConvolutionLayerTest, WideImagesOneByOneAndSmallOnesInChunks) {
  struct Case {
    std::vector<int> shape;
    int pad, out, group;
  };
  // 16x16 = 256 output pixels, plain window: one product per image, read in
  // place; 5x5, padded: all 7 images unfolded in one chunk; 8x8 in two groups,
  // plain window: read in place per group.
  for (const Case& c : {Case{{3, 2, 18, 18}, 0, 16, 1}, Case{{7, 3, 5, 5}, 1, 5, 1},
                        Case{{5, 4, 10, 10}, 0, 8, 2}}) {
    auto layer = MakeLayer(R"(name: "c" type: "Convolution"
      convolution_param { num_output: 4 kernel_size: 3 pad: )" +
                           std::to_string(c.pad) + " group: " + std::to_string(c.group) + R"(
                          weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } })");
    auto x = GaussianBlob(c.shape, 6);
    Blob y;
    layer->SetUp({x.get()}, {&y});
    layer->Forward({x.get()}, {&y});
    const auto expected = DirectConvolution(*x, *layer->blobs()[0], layer->blobs()[1].get(), c.pad,
                                            1, 1, c.group, c.out, c.out);
    for (int i = 0; i < y.count(); ++i) ASSERT_NEAR(y.data()[i], expected[i], 1e-4) << i;
    testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
  }
}

// Large convolutions (weights over 64K values, or images over 1024 output
// pixels) run their forward and input-gradient products on OpenBLAS through a
// chunk matrix instead of the packed kernels.
TEST(ConvolutionLayerTest, LargeConvolutionsRunOnOpenBlas) {
  // 34x34 outputs, one image per product: forward and numerical gradients.
  {
    auto layer = MakeLayer(R"(name: "c" type: "Convolution"
      convolution_param { num_output: 2 kernel_size: 3
                          weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } })");
    auto x = GaussianBlob({2, 1, 36, 36}, 8);
    Blob y;
    layer->SetUp({x.get()}, {&y});
    layer->Forward({x.get()}, {&y});
    const auto expected =
        DirectConvolution(*x, *layer->blobs()[0], layer->blobs()[1].get(), 0, 1, 1, 1, 34, 34);
    for (int i = 0; i < y.count(); ++i) ASSERT_NEAR(y.data()[i], expected[i], 1e-4) << i;
    testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
  }
  // 32 x 2304 weights, 3x3 outputs: five images in one chunk. The input
  // gradient against the direct adjoint (too many weights for a numerical check).
  auto layer = MakeLayer(R"(name: "c" type: "Convolution"
    convolution_param { num_output: 32 kernel_size: 3 pad: 1
                        weight_filler { type: "gaussian" std: 0.1 } bias_filler { type: "gaussian" } })");
  auto x = GaussianBlob({5, 256, 3, 3}, 9);
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  const Blob& w = *layer->blobs()[0];
  const auto expected = DirectConvolution(*x, w, layer->blobs()[1].get(), 1, 1, 1, 1, 3, 3);
  for (int i = 0; i < y.count(); ++i) ASSERT_NEAR(y.data()[i], expected[i], 1e-3) << i;
  auto dy = GaussianBlob(y.shape(), 10);
  std::copy_n(dy->data(), y.count(), y.mutable_diff());
  layer->Backward({&y}, {true}, {x.get()});
  for (int n = 0; n < 5; ++n)
    for (int c = 0; c < 256; ++c)
      for (int iy = 0; iy < 3; ++iy)
        for (int ix = 0; ix < 3; ++ix) {
          double sum = 0;
          for (int o = 0; o < 32; ++o)
            for (int ky = 0; ky < 3; ++ky)
              for (int kx = 0; kx < 3; ++kx) {
                const int oy = iy + 1 - ky, ox = ix + 1 - kx;  // pad 1, stride 1
                if (oy < 0 || oy >= 3 || ox < 0 || ox >= 3) continue;
                sum += static_cast<double>(dy->data()[((n * 32 + o) * 3 + oy) * 3 + ox]) *
                       w.data()[((o * 256 + c) * 3 + ky) * 3 + kx];
              }
          const int at = ((n * 256 + c) * 3 + iy) * 3 + ix;
          ASSERT_NEAR(x->diff()[at], sum, 1e-3) << at;
        }
}

// The kernels are chosen on every pass: a layer set up with the vector
// kernels and run with the portable ones (math::SetGemmIsa) gives the same
// forward and gradients (a plain window: read in place by the vector kernels,
// unfolded by the portable ones).
TEST(ConvolutionLayerTest, KernelSetChangedAfterSetUp) {
  const testing::ScopedGemmIsa isa_guard;
  const math::Isa saved = isa_guard.saved();
  auto layer = MakeLayer(R"(name: "c" type: "Convolution"
    convolution_param { num_output: 5 kernel_size: 3
                        weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } })");
  auto x = GaussianBlob({3, 2, 10, 10}, 11);  // 8x8 outputs
  Blob y;
  layer->SetUp({x.get()}, {&y});
  auto dy = GaussianBlob(y.shape(), 12);
  std::vector<std::vector<float>> outputs, weight_grads, input_grads;
  for (math::Isa isa : {saved, math::Isa::kGeneric}) {
    math::SetGemmIsa(isa);
    layer->Forward({x.get()}, {&y});
    std::copy_n(dy->data(), y.count(), y.mutable_diff());
    Blob& w = *layer->blobs()[0];
    std::fill_n(w.mutable_diff(), w.count(), 0.f);
    layer->Backward({&y}, {true}, {x.get()});
    outputs.emplace_back(y.data(), y.data() + y.count());
    weight_grads.emplace_back(w.diff(), w.diff() + w.count());
    input_grads.emplace_back(x->diff(), x->diff() + x->count());
  }
  for (size_t i = 0; i < outputs[0].size(); ++i)
    ASSERT_NEAR(outputs[0][i], outputs[1][i], 1e-4) << i;
  for (size_t i = 0; i < weight_grads[0].size(); ++i) {
    ASSERT_NEAR(weight_grads[0][i], weight_grads[1][i], 1e-3) << i;
  }
  for (size_t i = 0; i < input_grads[0].size(); ++i) {
    ASSERT_NEAR(input_grads[0][i], input_grads[1][i], 1e-4) << i;
  }
}

// A TEST-phase layer packs its weights once; weights written since (through
// mutable_data) are packed again before the next forward.
TEST(ConvolutionLayerTest, TestPhaseUsesWeightsWrittenSinceTheLastForward) {
  for (const char* window : {"kernel_size: 1", "kernel_size: 3 stride: 2 pad: 1"}) {
    SCOPED_TRACE(window);
    auto layer = MakeLayer(std::string(R"(name: "c" type: "Convolution" phase: TEST
      convolution_param { num_output: 16 bias_term: false weight_filler { type: "gaussian" } )") +
                           window + " }");
    auto x = GaussianBlob({2, 8, 6, 6}, 21);
    Blob y;
    layer->SetUp({x.get()}, {&y});
    layer->Forward({x.get()}, {&y});
    const std::vector<float> first(y.data(), y.data() + y.count());
    layer->Forward({x.get()}, {&y});
    EXPECT_EQ(std::vector<float>(y.data(), y.data() + y.count()), first);
    Blob& w = *layer->blobs()[0];
    float* weights = w.mutable_data();
    for (int i = 0; i < w.count(); ++i) weights[i] *= -2.f;
    layer->Forward({x.get()}, {&y});
    for (int i = 0; i < y.count(); ++i) ASSERT_FLOAT_EQ(y.data()[i], -2.f * first[i]) << i;
  }
}

// Forward then backward of `layer` with output gradient `dy`: the output,
// the input gradient, and each parameter's gradient (zeroed first).
std::vector<std::vector<float>> ForwardBackwardResults(Layer* layer, Blob* x, Blob* y,
                                                       const Blob& dy) {
  layer->Forward({x}, {y});
  std::copy_n(dy.data(), y->count(), y->mutable_diff());
  for (auto& blob : layer->blobs()) std::fill_n(blob->mutable_diff(), blob->count(), 0.f);
  layer->Backward({y}, {true}, {x});
  std::vector<std::vector<float>> results;
  results.emplace_back(y->data(), y->data() + y->count());
  results.emplace_back(x->diff(), x->diff() + x->count());
  for (const auto& blob : layer->blobs()) {
    results.emplace_back(blob->diff(), blob->diff() + blob->count());
  }
  return results;
}

// Every result of `actual` within 2e-4 (relative, past 1) of `expected`'s.
void ExpectSameResults(const std::vector<std::vector<float>>& actual,
                       const std::vector<std::vector<float>>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t r = 0; r < expected.size(); ++r) {
    ASSERT_EQ(actual[r].size(), expected[r].size());
    for (size_t i = 0; i < expected[r].size(); ++i) {
      ASSERT_NEAR(actual[r][i], expected[r][i], 2e-4 * (1 + std::fabs(expected[r][i])))
          << "result " << r << " element " << i;
    }
  }
}

// 5x5 and 3x3 stride-1 convolutions with enough channels run on Winograd's
// F(4x4, 5x5) and F(6x6, 3x3) (math::Winograd; tests/winograd_test.cpp
// checks its sums); engine CAFFE keeps Caffe's im2col + GEMM. The two agree,
// with groups and padding, and the Winograd layer passes the numerical
// gradient check.
TEST(ConvolutionLayerTest, WinogradAgreesWithCaffeEngine) {
  const auto make = [](const std::string& engine) {
    return MakeLayer(R"(name: "c" type: "Convolution"
      convolution_param { num_output: 48 kernel_size: 5 pad: 1 group: 2 )" +
                     engine + R"(
                          weight_filler { type: "gaussian" std: 0.1 } bias_filler { type: "gaussian" } })");
  };
  auto winograd = make(""), caffe = make("engine: CAFFE");
  auto x = GaussianBlob({3, 16, 9, 10}, 13);  // 7x8 outputs: clipped edge tiles
  Blob y_winograd, y_caffe;
  winograd->SetUp({x.get()}, {&y_winograd});
  caffe->SetUp({x.get()}, {&y_caffe});
  auto* conv_winograd = dynamic_cast<ConvolutionLayer*>(winograd.get());
  auto* conv_caffe = dynamic_cast<ConvolutionLayer*>(caffe.get());
  ASSERT_TRUE(conv_winograd && conv_caffe);
  EXPECT_EQ(conv_winograd->algorithm(), ConvAlgorithm::kWinograd);
  EXPECT_NE(conv_caffe->algorithm(), ConvAlgorithm::kWinograd);
  for (size_t i = 0; i < 2; ++i) caffe->blobs()[i]->CopyFrom(*winograd->blobs()[i]);
  auto dy = GaussianBlob(y_winograd.shape(), 14);
  const auto winograd_results = ForwardBackwardResults(winograd.get(), x.get(), &y_winograd, *dy);
  const auto caffe_results = ForwardBackwardResults(caffe.get(), x.get(), &y_caffe, *dy);
  const auto expected =
      DirectConvolution(*x, *caffe->blobs()[0], caffe->blobs()[1].get(), 1, 1, 1, 2, 7, 8);
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_NEAR(winograd_results[0][i], expected[i], 1e-4) << i;
  }
  ExpectSameResults(winograd_results, caffe_results);
}

TEST(ConvolutionLayerTest, GradientCheckWinograd) {
  // Small shapes, where the choice would not take Winograd: forced.
  const testing::ScopedConvAlgorithm forced(ConvAlgorithm::kWinograd);
  for (const int kernel : {5, 3}) {
    SCOPED_TRACE(kernel);
    auto layer = MakeLayer(R"(name: "c" type: "Convolution"
      convolution_param { num_output: 16 pad: 2 kernel_size: )" +
                           std::to_string(kernel) + R"(
                          weight_filler { type: "gaussian" std: 0.1 } bias_filler { type: "gaussian" } })");
    auto x = GaussianBlob({2, 8, 6, 7}, 15);
    Blob y;
    // The output is linear in each input and weight, so a long step adds no
    // truncation error, and it keeps the transforms' rounding (about 2e-6 of
    // each output, 20x a direct sum's) from swamping the difference quotient.
    GradientCheckOptions options;
    options.stepsize = 0.5f;
    testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y}, {}, options);
    EXPECT_EQ(dynamic_cast<ConvolutionLayer*>(layer.get())->algorithm(), ConvAlgorithm::kWinograd);
  }
}

TEST(ConvolutionLayerTest, ThreeByThreeWinogradAgreesWithCaffeEngine) {
  const auto make = [](const std::string& engine) {
    return MakeLayer(R"(name: "c" type: "Convolution"
      convolution_param { num_output: 40 kernel_size: 3 pad: 1 bias_term: false )" +
                     engine + R"( weight_filler { type: "gaussian" std: 0.1 } })");
  };
  auto winograd = make(""), caffe = make("engine: CAFFE");
  auto x = GaussianBlob({2, 36, 13, 12}, 16);  // 13x12 outputs: clipped edge tiles
  Blob y_winograd, y_caffe;
  winograd->SetUp({x.get()}, {&y_winograd});
  caffe->SetUp({x.get()}, {&y_caffe});
  EXPECT_EQ(dynamic_cast<ConvolutionLayer*>(winograd.get())->algorithm(), ConvAlgorithm::kWinograd);
  caffe->blobs()[0]->CopyFrom(*winograd->blobs()[0]);
  auto dy = GaussianBlob(y_winograd.shape(), 17);
  ExpectSameResults(ForwardBackwardResults(winograd.get(), x.get(), &y_winograd, *dy),
                    ForwardBackwardResults(caffe.get(), x.get(), &y_caffe, *dy));
}

TEST(ConvolutionLayerTest, RejectsBadGeometry) {
  auto x = GaussianBlob({1, 3, 4, 4}, 1);
  Blob y;
  auto too_big = MakeLayer(
      R"(name: "c" type: "Convolution" convolution_param { num_output: 2 kernel_size: 5 })");
  EXPECT_THROW(too_big->SetUp({x.get()}, {&y}), ShapeError);
  auto bad_group = MakeLayer(
      R"(name: "c" type: "Convolution" convolution_param { num_output: 2 kernel_size: 1 group: 2 })");
  EXPECT_THROW(bad_group->SetUp({x.get()}, {&y}), ConfigError);
  auto no_output =
      MakeLayer(R"(name: "c" type: "Convolution" convolution_param { kernel_size: 1 })");
  EXPECT_THROW(no_output->SetUp({x.get()}, {&y}), ConfigError);
  auto no_kernel =
      MakeLayer(R"(name: "c" type: "Convolution" convolution_param { num_output: 1 })");
  EXPECT_THROW(no_kernel->SetUp({x.get()}, {&y}), ConfigError);
  auto zero_stride = MakeLayer(
      R"(name: "c" type: "Convolution" convolution_param { num_output: 1 kernel_size: 1 stride: 0 })");
  EXPECT_THROW(zero_stride->SetUp({x.get()}, {&y}), ConfigError);
  auto three_d = GaussianBlob({1, 3, 4}, 1);
  auto ok = MakeLayer(
      R"(name: "c" type: "Convolution" convolution_param { num_output: 1 kernel_size: 1 })");
  EXPECT_THROW(ok->SetUp({three_d.get()}, {&y}), ShapeError);
}

TEST(ConvolutionLayerTest, RejectsChannelChangeAfterSetUp) {
  auto layer = MakeLayer(
      R"(name: "c" type: "Convolution" convolution_param { num_output: 1 kernel_size: 1 })");
  auto x = GaussianBlob({1, 3, 4, 4}, 1);
  Blob y;
  layer->SetUp({x.get()}, {&y});
  x->Reshape({1, 2, 4, 4});
  EXPECT_THROW(layer->Reshape({x.get()}, {&y}), ShapeError);
}

// A pool busy with another thread's region (a data layer decoding on it)
// runs this thread's parts one after another on this thread. The per-part
// parameter gradients must still be kept apart: the same bits either way.
TEST(ConvolutionLayerTest, GradientsDoNotDependOnWhetherThePoolIsBusy) {
  const testing::ScopedThreads threads_guard;
  SetNumThreads(2);
  auto layer = MakeLayer(R"(name: "c" type: "Convolution"
    convolution_param { num_output: 4 kernel_size: 3
                        weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } })");
  auto x = GaussianBlob({6, 2, 9, 9}, 41);
  Blob y;
  layer->SetUp({x.get()}, {&y});
  auto dy = GaussianBlob(y.shape(), 42);
  const auto gradients = [&] {
    Blob& w = *layer->blobs()[0];
    Blob& b = *layer->blobs()[1];
    std::fill_n(w.mutable_diff(), w.count(), 0.f);
    std::fill_n(b.mutable_diff(), b.count(), 0.f);
    layer->Forward({x.get()}, {&y});
    std::copy_n(dy->data(), y.count(), y.mutable_diff());
    layer->Backward({&y}, {true}, {x.get()});
    std::vector<float> all(w.diff(), w.diff() + w.count());
    all.insert(all.end(), b.diff(), b.diff() + b.count());
    return all;
  };
  const std::vector<float> free_pool = gradients();
  std::atomic<bool> holding{false}, release{false};
  std::thread holder([&] {
    ParallelFor(2, 1, [&](int part, int, int) {
      if (part != 0) return;
      holding = true;
      while (!release) std::this_thread::yield();
    });
  });
  while (!holding) std::this_thread::yield();
  const std::vector<float> busy_pool = gradients();
  release = true;
  holder.join();
  EXPECT_EQ(busy_pool, free_pool);
}

}  // namespace
}  // namespace strata
