#include "strata/conv/conv_algorithm.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "strata/errors.hpp"
#include "strata/layer.hpp"
#include "strata/layers/base_convolution_layer.hpp"
#include "strata/thread_pool.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

ConvProblem Problem(int in, int out, int kernel, int size, int stride = 1) {
  ConvProblem p;
  p.shape.window = math::Window2d{in, size, size, kernel, kernel, 0, 0, stride, stride, 1, 1};
  p.shape.out_channels = out;
  p.shape.images = 1;
  return p;
}

TEST(ConvAlgorithmTest, ChoosesByShape) {
  const testing::ScopedConvAlgorithm none(ConvAlgorithm::kAuto);
  // LeNet's conv1 (small weights, 24x24 outputs) and conv2 (5x5, 20 -> 50).
  EXPECT_EQ(ChooseConvAlgorithm(Problem(1, 20, 5, 28)), ConvAlgorithm::kPacked);
  EXPECT_EQ(ChooseConvAlgorithm(Problem(20, 50, 5, 12)), ConvAlgorithm::kWinograd);
  // AlexNet's conv1 (11x11 stride 4, 55x55 outputs) and large weights (3x3
  // stride 2, 256 -> 384): OpenBLAS's, unless its kernels are behind Strata's.
  const ConvAlgorithm large =
      OpenBlasKernelsBehind() ? ConvAlgorithm::kPacked : ConvAlgorithm::kIm2colGemm;
  EXPECT_EQ(ChooseConvAlgorithm(Problem(3, 96, 11, 227, 4)), large);
  EXPECT_EQ(ChooseConvAlgorithm(Problem(256, 384, 3, 27, 2)), large);
  // 3x3 stride 1 with many channels: F(6x6, 3x3); with few, with outputs
  // that fill 6x6 tiles badly, or with transformed weights past 16 MB, the
  // direct product.
  EXPECT_EQ(ChooseConvAlgorithm(Problem(128, 192, 3, 13)), ConvAlgorithm::kWinograd);
  EXPECT_NE(ChooseConvAlgorithm(Problem(256, 384, 3, 13)), ConvAlgorithm::kWinograd);
  EXPECT_EQ(ChooseConvAlgorithm(Problem(64, 64, 3, 26)), ConvAlgorithm::kWinograd);
  EXPECT_NE(ChooseConvAlgorithm(Problem(3, 16, 3, 34)), ConvAlgorithm::kWinograd);
  EXPECT_NE(ChooseConvAlgorithm(Problem(16, 16, 3, 9)), ConvAlgorithm::kWinograd);
  // Winograd is never chosen for a deconvolution or with engine CAFFE.
  ConvProblem p = Problem(20, 50, 5, 12);
  p.deconvolution = true;
  EXPECT_NE(ChooseConvAlgorithm(p), ConvAlgorithm::kWinograd);
  p.deconvolution = false;
  p.caffe_engine = true;
  EXPECT_NE(ChooseConvAlgorithm(p), ConvAlgorithm::kWinograd);
}

TEST(ConvAlgorithmTest, OpenBlasIsBehindWhereItsCoreHasNarrowerKernels) {
  using math::Isa;
  EXPECT_TRUE(OpenBlasCoreBehind("Prescott", Isa::kAvx512));
  EXPECT_TRUE(OpenBlasCoreBehind("Sandybridge", Isa::kAvx2));
  EXPECT_FALSE(OpenBlasCoreBehind("SkylakeX", Isa::kAvx512));
  EXPECT_FALSE(OpenBlasCoreBehind("Zen", Isa::kAvx2));
  EXPECT_FALSE(OpenBlasCoreBehind("Haswell", Isa::kAvx2));
  // AVX2 kernels on a CPU where Strata runs AVX-512 ones.
  EXPECT_TRUE(OpenBlasCoreBehind("Haswell", Isa::kAvx512));
  EXPECT_TRUE(OpenBlasCoreBehind("Zen", Isa::kAvx512));
  // Strata's portable kernels are behind any OpenBLAS.
  EXPECT_FALSE(OpenBlasCoreBehind("Prescott", Isa::kGeneric));
}

// A TEST net packs its weights once, so their number no longer sends a
// convolution to OpenBLAS, which packs them on every call; a 1x1 one reads
// its input in place, and a window over a large image (AlexNet's conv1) is
// unfolded a block of output rows at a time, so neither does a large image.
// Where OpenBLAS's kernels are behind, every one runs on the packed kernels
// either way.
TEST(ConvAlgorithmTest, FixedWeightsGoToThePackedKernels) {
  const auto fixed = [](ConvProblem p) {
    p.fixed_weights = true;
    return p;
  };
  const ConvProblem wide = Problem(512, 512, 1, 14);  // MobileNet's conv8_pw
  const ConvProblem large = Problem(32, 64, 1, 112);  // its conv2_pw
  const ConvProblem strided = Problem(256, 384, 3, 27, 2);
  const ConvProblem alexnet = Problem(3, 96, 11, 227, 4);
  EXPECT_EQ(ChooseConvAlgorithmFor(wide, false), ConvAlgorithm::kIm2colGemm);
  EXPECT_EQ(ChooseConvAlgorithmFor(fixed(wide), false), ConvAlgorithm::kPointwise);
  EXPECT_EQ(ChooseConvAlgorithmFor(large, false), ConvAlgorithm::kIm2colGemm);
  EXPECT_EQ(ChooseConvAlgorithmFor(fixed(large), false), ConvAlgorithm::kPointwise);
  EXPECT_EQ(ChooseConvAlgorithmFor(strided, false), ConvAlgorithm::kIm2colGemm);
  EXPECT_EQ(ChooseConvAlgorithmFor(fixed(strided), false), ConvAlgorithm::kPacked);
  EXPECT_EQ(ChooseConvAlgorithmFor(alexnet, false), ConvAlgorithm::kIm2colGemm);
  EXPECT_EQ(ChooseConvAlgorithmFor(fixed(alexnet), false), ConvAlgorithm::kPacked);
  for (bool weights_fixed : {false, true}) {
    const auto p = [&](ConvProblem q) { return weights_fixed ? fixed(q) : q; };
    EXPECT_EQ(ChooseConvAlgorithmFor(p(wide), true), ConvAlgorithm::kPointwise);
    EXPECT_EQ(ChooseConvAlgorithmFor(p(large), true), ConvAlgorithm::kPointwise);
    EXPECT_EQ(ChooseConvAlgorithmFor(p(strided), true), ConvAlgorithm::kPacked);
    EXPECT_EQ(ChooseConvAlgorithmFor(p(alexnet), true), ConvAlgorithm::kPacked);
  }
}

// A layer in a TEST net asks for the choice with fixed weights, and computes
// what the same layer in a TRAIN net does.
TEST(ConvAlgorithmTest, ATestPhaseLayerChoosesWithFixedWeights) {
  const testing::ScopedConvAlgorithm none(ConvAlgorithm::kAuto);
  // 300 x 300 weights: past the packed kernels' limit in a TRAIN net.
  const std::string conv = R"(name: "c" type: "Convolution"
    convolution_param { num_output: 300 kernel_size: 1
      weight_filler { type: "gaussian" std: 0.05 } bias_filler { type: "gaussian" } })";
  auto x = testing::GaussianBlob({1, 300, 3, 5}, 58);
  auto train = testing::MakeLayer(conv);
  auto test = testing::MakeLayer(conv + " phase: TEST");
  Blob y_train, y_test;
  train->SetUp({x.get()}, {&y_train});
  test->SetUp({x.get()}, {&y_test});
  test->blobs()[0]->CopyFrom(*train->blobs()[0]);
  test->blobs()[1]->CopyFrom(*train->blobs()[1]);
  EXPECT_EQ(dynamic_cast<BaseConvolutionLayer&>(*test).algorithm(), ConvAlgorithm::kPointwise);
  EXPECT_EQ(dynamic_cast<BaseConvolutionLayer&>(*train).algorithm(),
            OpenBlasKernelsBehind() ? ConvAlgorithm::kPointwise : ConvAlgorithm::kIm2colGemm);
  train->Forward({x.get()}, {&y_train});
  test->Forward({x.get()}, {&y_test});
  ASSERT_EQ(y_test.shape(), y_train.shape());
  for (int i = 0; i < y_test.count(); ++i) {
    ASSERT_NEAR(y_test.data()[i], y_train.data()[i],
                1e-4 * std::max(1.f, std::abs(y_train.data()[i])))
        << i;
  }
}

TEST(ConvAlgorithmTest, OverrideAppliesWhereItCan) {
  {
    const testing::ScopedConvAlgorithm forced(ConvAlgorithm::kIm2colGemm);
    EXPECT_EQ(ChooseConvAlgorithm(Problem(20, 50, 5, 12)), ConvAlgorithm::kIm2colGemm);
    EXPECT_EQ(ChooseConvAlgorithm(Problem(1, 20, 5, 28)), ConvAlgorithm::kIm2colGemm);
  }
  {
    const testing::ScopedConvAlgorithm forced(ConvAlgorithm::kWinograd);
    EXPECT_EQ(ChooseConvAlgorithm(Problem(1, 20, 5, 28)), ConvAlgorithm::kWinograd);
    // A 3x3 convolution with stride 2 cannot run Winograd: the usual choice.
    EXPECT_EQ(ChooseConvAlgorithm(Problem(16, 16, 3, 12, 2)), ConvAlgorithm::kPacked);
  }
}

TEST(ConvAlgorithmTest, NamesRoundTripAndUnknownOnesAreRefused) {
  for (ConvAlgorithm a : {ConvAlgorithm::kAuto, ConvAlgorithm::kIm2colGemm, ConvAlgorithm::kPacked,
                          ConvAlgorithm::kWinograd, ConvAlgorithm::kDepthwise,
                          ConvAlgorithm::kPointwise, ConvAlgorithm::kBatchedGemm}) {
    EXPECT_EQ(ParseConvAlgorithm(ConvAlgorithmName(a)), a);
  }
  try {
    ParseConvAlgorithm("fft");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown convolution algorithm 'fft'"), std::string::npos);
  }
}

// Every algorithm a 5x5 convolution can run gives the same forward pass and
// gradients, to rounding, and the layer names the one it runs.
TEST(ConvAlgorithmTest, EveryAlgorithmComputesTheSameConvolution) {
  auto x = testing::GaussianBlob({2, 6, 12, 12}, 51);
  std::vector<std::vector<float>> results;
  for (ConvAlgorithm a :
       {ConvAlgorithm::kIm2colGemm, ConvAlgorithm::kPacked, ConvAlgorithm::kWinograd}) {
    const testing::ScopedConvAlgorithm forced(a);
    auto layer = testing::MakeLayer(R"(name: "c" type: "Convolution"
      convolution_param { num_output: 8 kernel_size: 5
        weight_filler { type: "gaussian" std: 0.1 } bias_filler { type: "gaussian" } })");
    Blob y;
    layer->SetUp({x.get()}, {&y});
    layer->Forward({x.get()}, {&y});
    EXPECT_EQ(layer->Algorithm().rfind(ConvAlgorithmName(a), 0), 0u) << layer->Algorithm();
    std::fill_n(y.mutable_diff(), y.count(), 0.5f);
    layer->Backward({&y}, {true}, {x.get()});
    std::vector<float> all(y.data(), y.data() + y.count());
    const Blob& w = *layer->blobs()[0];
    all.insert(all.end(), w.diff(), w.diff() + w.count());
    all.insert(all.end(), x->diff(), x->diff() + x->count());
    results.push_back(all);
  }
  for (size_t r = 1; r < results.size(); ++r) {
    ASSERT_EQ(results[r].size(), results[0].size());
    for (size_t i = 0; i < results[0].size(); ++i) {
      ASSERT_NEAR(results[r][i], results[0][i], 2e-3 * std::max(1.f, std::abs(results[0][i])))
          << "algorithm " << r << " at " << i;
    }
  }
}

// The packed algorithm reads a 1x1 stride-1 image as its own matrix, and with
// a batch of one spreads the columns over the threads: both against
// im2col + GEMM, at batch 1 and 3, for 1x1 (stride 1 and 2) and 3x3 windows
// whose output rows are not a multiple of 8 wide.
TEST(ConvAlgorithmTest, PointwiseAndSingleImagesMatchIm2col) {
  const testing::ScopedThreads threads;
  SetNumThreads(2);
  for (const char* conv : {"kernel_size: 1", "kernel_size: 1 stride: 2", "kernel_size: 3 pad: 1"}) {
    for (int batch : {1, 3}) {
      auto x = testing::GaussianBlob({batch, 5, 9, 7}, 61);
      std::vector<std::vector<float>> results;
      for (ConvAlgorithm a : {ConvAlgorithm::kIm2colGemm, ConvAlgorithm::kPacked}) {
        const testing::ScopedConvAlgorithm forced(a);
        auto layer = testing::MakeLayer(std::string(R"(name: "c" type: "Convolution"
          convolution_param { num_output: 37 )") +
                                        conv + R"(
            weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } })");
        layer->Seed(8);
        Blob y;
        layer->SetUp({x.get()}, {&y});
        layer->Forward({x.get()}, {&y});
        results.emplace_back(y.data(), y.data() + y.count());
      }
      for (size_t i = 0; i < results[0].size(); ++i) {
        ASSERT_NEAR(results[1][i], results[0][i], 1e-4f * std::max(1.f, std::abs(results[0][i])))
            << conv << ", batch " << batch << ", value " << i;
      }
    }
  }
}

// A single image whose output map holds at least two blocks of rows per
// thread is unfolded and multiplied a block at a time, the blocks spread over
// the threads: against im2col + GEMM for a stride-2 window (MobileNet's conv1
// on a narrow image), groups with padding wider than the kernel, and blocks
// that end short of the map.
TEST(ConvAlgorithmTest, ASingleImageInBlocksOfOutputRowsMatchesIm2col) {
  const testing::ScopedThreads threads;
  SetNumThreads(2);
  struct Case {
    std::vector<int> input;
    const char* conv;
  };
  for (const Case& c : {Case{{1, 3, 301, 41}, "num_output: 32 kernel_size: 3 stride: 2 pad: 1"},
                        Case{{1, 4, 150, 20}, "num_output: 6 kernel_size: 3 pad: 4 group: 2"},
                        Case{{1, 5, 97, 23}, "num_output: 37 kernel_h: 2 kernel_w: 3 pad: 1"}}) {
    auto x = testing::GaussianBlob(c.input, 64);
    std::vector<std::vector<float>> results;
    for (ConvAlgorithm a : {ConvAlgorithm::kIm2colGemm, ConvAlgorithm::kPacked}) {
      const testing::ScopedConvAlgorithm forced(a);
      auto layer = testing::MakeLayer(std::string(R"(name: "c" type: "Convolution"
        convolution_param { )") + c.conv +
                                      R"(
          weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } } phase: TEST)");
      layer->Seed(10);
      Blob y;
      layer->SetUp({x.get()}, {&y});
      layer->Forward({x.get()}, {&y});
      if (a == ConvAlgorithm::kPacked) {
        EXPECT_NE(layer->Algorithm().find("blocks of output rows"), std::string::npos)
            << c.conv << ": " << layer->Algorithm();
      }
      results.emplace_back(y.data(), y.data() + y.count());
    }
    for (size_t i = 0; i < results[0].size(); ++i) {
      ASSERT_NEAR(results[1][i], results[0][i], 1e-4f * std::max(1.f, std::abs(results[0][i])))
          << c.conv << ", value " << i;
    }
  }
}

// The packed algorithm's weight gradient gathers more images per product
// than a chunk holds where Strata's kernels take short sums (AVX-512, with
// OpenBLAS's kernels behind): 36 output pixels an image, 6 images a chunk,
// 7 a product. Where the machine takes the other paths, they are checked.
TEST(ConvAlgorithmTest, PackedWeightGradientOverGatheredImagesMatchesIm2col) {
  const testing::ScopedThreads threads;
  SetNumThreads(1);
  auto x = testing::GaussianBlob({9, 64, 6, 6}, 63);
  std::vector<std::vector<float>> results;
  for (ConvAlgorithm a : {ConvAlgorithm::kIm2colGemm, ConvAlgorithm::kPacked}) {
    const testing::ScopedConvAlgorithm forced(a);
    auto layer = testing::MakeLayer(R"(name: "c" type: "Convolution"
      convolution_param { num_output: 64 kernel_size: 3 pad: 1
        weight_filler { type: "gaussian" std: 0.1 } })");
    layer->Seed(9);
    Blob y;
    layer->SetUp({x.get()}, {&y});
    layer->Forward({x.get()}, {&y});
    for (int i = 0; i < y.count(); ++i) y.mutable_diff()[i] = std::sin(0.37f * i);
    layer->Backward({&y}, {true}, {x.get()});
    const Blob& w = *layer->blobs()[0];
    std::vector<float> all(w.diff(), w.diff() + w.count());
    all.insert(all.end(), x->diff(), x->diff() + x->count());
    results.push_back(all);
  }
  for (size_t i = 0; i < results[0].size(); ++i) {
    ASSERT_NEAR(results[1][i], results[0][i], 1e-3f * std::max(1.f, std::abs(results[0][i])))
        << "value " << i;
  }
}

// A deconvolution runs the strategies' products the other way round (its
// forward is their input gradient); each algorithm that applies gives the
// same results, to rounding.
TEST(ConvAlgorithmTest, EveryAlgorithmComputesTheSameDeconvolution) {
  auto x = testing::GaussianBlob({3, 4, 5, 6}, 52);
  std::vector<std::vector<float>> results;
  for (ConvAlgorithm a : {ConvAlgorithm::kIm2colGemm, ConvAlgorithm::kPacked}) {
    const testing::ScopedConvAlgorithm forced(a);
    auto layer = testing::MakeLayer(R"(name: "d" type: "Deconvolution"
      convolution_param { num_output: 6 kernel_size: 3 stride: 2 pad: 1 group: 2
        weight_filler { type: "gaussian" std: 0.1 } bias_filler { type: "gaussian" } })");
    Blob y;
    layer->SetUp({x.get()}, {&y});
    EXPECT_EQ(layer->Algorithm().rfind(ConvAlgorithmName(a), 0), 0u) << layer->Algorithm();
    layer->Forward({x.get()}, {&y});
    auto dy = testing::GaussianBlob(y.shape(), 53);
    std::copy_n(dy->data(), y.count(), y.mutable_diff());
    layer->Backward({&y}, {true}, {x.get()});
    std::vector<float> all(y.data(), y.data() + y.count());
    for (const auto& blob : layer->blobs())
      all.insert(all.end(), blob->diff(), blob->diff() + blob->count());
    all.insert(all.end(), x->diff(), x->diff() + x->count());
    results.push_back(all);
  }
  ASSERT_EQ(results[1].size(), results[0].size());
  for (size_t i = 0; i < results[0].size(); ++i) {
    ASSERT_NEAR(results[1][i], results[0][i], 1e-4 * std::max(1.f, std::abs(results[0][i]))) << i;
  }
}

// A layer reshaped to a shape where another algorithm wins switches to it,
// and computes the same as a layer set up at that shape.
TEST(ConvAlgorithmTest, TheChoiceFollowsTheShape) {
  const testing::ScopedConvAlgorithm none(ConvAlgorithm::kAuto);
  const char* param = R"(name: "c" type: "Convolution"
    convolution_param { num_output: 16 kernel_size: 2 weight_filler { type: "gaussian" } })";
  auto layer = testing::MakeLayer(param);
  auto* conv = dynamic_cast<BaseConvolutionLayer*>(layer.get());
  ASSERT_NE(conv, nullptr);
  auto small = testing::GaussianBlob({2, 16, 12, 12}, 54);
  Blob y;
  layer->SetUp({small.get()}, {&y});
  EXPECT_EQ(conv->algorithm(), ConvAlgorithm::kPacked);
  layer->Forward({small.get()}, {&y});
  // 40x40 inputs: 1,521 output positions, past the packed kernels' limit
  // (where OpenBLAS's kernels are not behind: on such a machine it stays).
  auto large = testing::GaussianBlob({2, 16, 40, 40}, 55);
  layer->Reshape({large.get()}, {&y});
  EXPECT_EQ(conv->algorithm(),
            OpenBlasKernelsBehind() ? ConvAlgorithm::kPacked : ConvAlgorithm::kIm2colGemm);
  layer->Forward({large.get()}, {&y});
  auto fresh = testing::MakeLayer(param);
  Blob expected;
  fresh->SetUp({large.get()}, {&expected});
  fresh->blobs()[0]->CopyFrom(*layer->blobs()[0]);
  fresh->blobs()[1]->CopyFrom(*layer->blobs()[1]);
  fresh->Forward({large.get()}, {&expected});
  ASSERT_EQ(y.shape(), expected.shape());
  for (int i = 0; i < y.count(); ++i) ASSERT_EQ(y.data()[i], expected.data()[i]) << i;
}

}  // namespace
}  // namespace strata
