// The gradient checker must pass correct layers (stochastic ones included,
// thanks to reseeding) and fail wrong ones: a check that cannot fail proves nothing.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "strata/errors.hpp"
#include "strata/gradient_check.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

// y = x * r with r ~ U(0.5, 1.5) drawn afresh on every forward pass; dy/dx = r.
// `error` scales the reported gradient to plant a bug.
class NoisyScaleLayer : public Layer {
 public:
  explicit NoisyScaleLayer(float error = 1.f) : Layer(LayerParameter()), error_(error) {}
  const char* type() const override { return "NoisyScale"; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override {
    top[0]->ReshapeLike(*bottom[0]);
    noise_.ReshapeLike(*bottom[0]);
  }

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override {
    for (int i = 0; i < bottom[0]->count(); ++i) {
      noise_.mutable_data()[i] = rng().Uniform(0.5f, 1.5f);
      top[0]->mutable_data()[i] = bottom[0]->data()[i] * noise_.data()[i];
    }
  }
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>&,
                   const std::vector<Blob*>& bottom) override {
    for (int i = 0; i < bottom[0]->count(); ++i) {
      bottom[0]->mutable_diff()[i] = error_ * top[0]->diff()[i] * noise_.data()[i];
    }
  }

 private:
  float error_;
  Blob noise_;
};

TEST(GradientCheckerTest, PassesStochasticLayerByReseeding) {
  NoisyScaleLayer layer;
  auto x = testing::GaussianBlob({4, 5}, 1);
  Blob y;
  layer.SetUp({x.get()}, {&y});
  const auto report = CheckLayerGradient(&layer, {x.get()}, {&y}, {});
  EXPECT_TRUE(report.passed());
  EXPECT_EQ(report.checked, 20);
}

TEST(GradientCheckerTest, FailsWrongGradient) {
  NoisyScaleLayer layer(1.05f);
  auto x = testing::GaussianBlob({4, 5}, 1);
  Blob y;
  layer.SetUp({x.get()}, {&y});
  const auto report = CheckLayerGradient(&layer, {x.get()}, {&y}, {});
  EXPECT_FALSE(report.passed());
  EXPECT_FALSE(report.mismatches.empty());
  EXPECT_EQ(report.mismatches[0].blob, "bottom 0");
}

TEST(GradientCheckerTest, KinkRangeSkipsElements) {
  NoisyScaleLayer layer;
  auto x = testing::BlobOf({3}, {0.001f, 1.f, -0.002f});
  Blob y;
  layer.SetUp({x.get()}, {&y});
  GradientCheckOptions options;
  options.kink_range = 0.01f;
  const auto report = CheckLayerGradient(&layer, {x.get()}, {&y}, {}, options);
  EXPECT_EQ(report.skipped, 2);
  EXPECT_EQ(report.checked, 1);
}

TEST(GradientCheckerTest, DetectedKinksForgiveReluAtZeroButNotAWrongGradient) {
  // Through a ReLU: elements within a step of 0 sit on the kink.
  auto relu = testing::MakeLayer("name: 'r' type: 'ReLU'");
  auto x = testing::BlobOf({4}, {0.004f, 1.f, -0.003f, -2.f});
  Blob y;
  relu->SetUp({x.get()}, {&y});
  GradientCheckOptions strict;
  EXPECT_FALSE(CheckLayerGradient(relu.get(), {x.get()}, {&y}, {}, strict).passed());
  GradientCheckOptions forgiving;
  forgiving.skip_detected_kinks = true;
  const auto report = CheckLayerGradient(relu.get(), {x.get()}, {&y}, {}, forgiving);
  EXPECT_TRUE(report.passed());
  EXPECT_EQ(report.skipped, 2);
  EXPECT_EQ(report.checked, 2);

  // A smooth function with a wrong gradient is not a kink.
  NoisyScaleLayer wrong(1.05f);
  auto z = testing::GaussianBlob({4, 5}, 1);
  Blob out;
  wrong.SetUp({z.get()}, {&out});
  forgiving.rounding_floor = true;
  const auto bad = CheckLayerGradient(&wrong, {z.get()}, {&out}, {}, forgiving);
  EXPECT_FALSE(bad.passed());
  EXPECT_EQ(bad.skipped, 0);
}

TEST(GradientCheckerTest, MaxChecksSpreadsOverTheBlob) {
  NoisyScaleLayer layer;
  auto x = testing::GaussianBlob({10, 10}, 1);
  Blob y;
  layer.SetUp({x.get()}, {&y});
  GradientCheckOptions options;
  options.max_checks_per_blob = 7;
  const auto report = CheckLayerGradient(&layer, {x.get()}, {&y}, {}, options);
  EXPECT_TRUE(report.passed());
  EXPECT_EQ(report.checked, 7);
}

// Every comparison must fail on NaN (a NaN compares false with everything, so a
// check written as "ratio > 1 fails" passes it).
TEST(GradientCheckerTest, NaNGradientsInputsAndThresholdsFail) {
  NoisyScaleLayer nan_gradient(std::numeric_limits<float>::quiet_NaN());
  auto x = testing::GaussianBlob({2, 3}, 1);
  Blob y;
  nan_gradient.SetUp({x.get()}, {&y});
  auto report = CheckLayerGradient(&nan_gradient, {x.get()}, {&y}, {});
  EXPECT_FALSE(report.passed());
  EXPECT_EQ(report.mismatches.size(), 6u);
  EXPECT_TRUE(std::isinf(report.max_error_ratio));

  // A NaN input makes both gradients NaN; with kink skipping on as in the tool.
  NoisyScaleLayer layer;
  auto nan_input = testing::BlobOf({3}, {1.f, std::nanf(""), 2.f});
  layer.SetUp({nan_input.get()}, {&y});
  GradientCheckOptions forgiving;
  forgiving.skip_detected_kinks = true;
  forgiving.rounding_floor = true;
  report = CheckLayerGradient(&layer, {nan_input.get()}, {&y}, {}, forgiving);
  EXPECT_FALSE(report.passed());

  for (float bad : {std::nanf(""), 0.f, -1.f, std::numeric_limits<float>::infinity()}) {
    GradientCheckOptions options;
    options.threshold = bad;
    EXPECT_THROW(CheckLayerGradient(&layer, {x.get()}, {&y}, {}, options), ConfigError) << bad;
    options = {};
    options.stepsize = bad;
    EXPECT_THROW(CheckLayerGradient(&layer, {x.get()}, {&y}, {}, options), ConfigError) << bad;
  }
}

}  // namespace
}  // namespace strata
