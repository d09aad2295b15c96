#include "strata/conv_algorithm.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "strata/errors.hpp"
#include "strata/layer.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

// Puts the process-wide override back when the test ends.
class ScopedOverride {
 public:
  explicit ScopedOverride(ConvAlgorithm a) : saved_(ConvAlgorithmOverride()) {
    SetConvAlgorithmOverride(a);
  }
  ~ScopedOverride() { SetConvAlgorithmOverride(saved_); }

 private:
  ConvAlgorithm saved_;
};

ConvProblem Problem(int in, int out, int kernel, int size, int stride = 1) {
  ConvProblem p;
  p.group_window = math::Window2d{in, size, size, kernel, kernel, 0, 0, stride, stride, 1, 1};
  p.group_out_channels = out;
  p.out_spatial = p.group_window.output_height() * p.group_window.output_width();
  return p;
}

TEST(ConvAlgorithmTest, ChoosesByShape) {
  const ScopedOverride none(ConvAlgorithm::kAuto);
  // LeNet's conv1 (small weights, 24x24 outputs) and conv2 (5x5, 20 -> 50).
  EXPECT_EQ(ChooseConvAlgorithm(Problem(1, 20, 5, 28)), ConvAlgorithm::kPacked);
  EXPECT_EQ(ChooseConvAlgorithm(Problem(20, 50, 5, 12)), ConvAlgorithm::kWinograd);
  // AlexNet's conv1: 11x11 stride 4, 55x55 outputs.
  EXPECT_EQ(ChooseConvAlgorithm(Problem(3, 96, 11, 227, 4)), ConvAlgorithm::kIm2colGemm);
  // Large weights: 3x3, 256 -> 384.
  EXPECT_EQ(ChooseConvAlgorithm(Problem(256, 384, 3, 13)), ConvAlgorithm::kIm2colGemm);
  // Winograd is never chosen for a deconvolution or with engine CAFFE.
  ConvProblem p = Problem(20, 50, 5, 12);
  p.deconvolution = true;
  EXPECT_NE(ChooseConvAlgorithm(p), ConvAlgorithm::kWinograd);
  p.deconvolution = false;
  p.caffe_engine = true;
  EXPECT_NE(ChooseConvAlgorithm(p), ConvAlgorithm::kWinograd);
}

TEST(ConvAlgorithmTest, OverrideAppliesWhereItCan) {
  {
    const ScopedOverride forced(ConvAlgorithm::kIm2colGemm);
    EXPECT_EQ(ChooseConvAlgorithm(Problem(20, 50, 5, 12)), ConvAlgorithm::kIm2colGemm);
    EXPECT_EQ(ChooseConvAlgorithm(Problem(1, 20, 5, 28)), ConvAlgorithm::kIm2colGemm);
  }
  {
    const ScopedOverride forced(ConvAlgorithm::kWinograd);
    EXPECT_EQ(ChooseConvAlgorithm(Problem(1, 20, 5, 28)), ConvAlgorithm::kWinograd);
    // A 3x3 convolution cannot run Winograd F(4x4, 5x5): the usual choice.
    EXPECT_EQ(ChooseConvAlgorithm(Problem(16, 16, 3, 12)), ConvAlgorithm::kPacked);
  }
}

TEST(ConvAlgorithmTest, NamesRoundTripAndUnknownOnesAreRefused) {
  for (ConvAlgorithm a : {ConvAlgorithm::kAuto, ConvAlgorithm::kIm2colGemm, ConvAlgorithm::kPacked,
                          ConvAlgorithm::kWinograd}) {
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
    const ScopedOverride forced(a);
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

}  // namespace
}  // namespace strata
