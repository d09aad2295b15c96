#include "strata/layers/parameter_layer.hpp"

#include <gtest/gtest.h>

#include <cmath>

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

TEST(ParameterLayerTest, TopIsTheLearnedBlob) {
  auto layer =
      MakeLayer(R"(name: "p" type: "Parameter" parameter_param { shape { dim: 2 dim: 3 } })");
  Blob y;
  layer->SetUp({}, {&y});
  EXPECT_EQ(y.shape(), (std::vector<int>{2, 3}));
  layer->blobs()[0]->mutable_data()[4] = 7;
  layer->Forward({}, {&y});
  EXPECT_EQ(y.data()[4], 7.f);
  // A consumer's gradient is added to the parameter's diff, pass after pass (iter_size).
  y.mutable_diff()[1] = 3;
  layer->Backward({&y}, {}, {});
  layer->Backward({&y}, {}, {});
  EXPECT_EQ(layer->blobs()[0]->diff()[1], 6.f);
}

TEST(ParameterLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "p" type: "Parameter" parameter_param { shape { dim: 3 } })");
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {}, {&y});
}

TEST(ParameterLayerTest, RejectsMissingShape) {
  Blob y;
  EXPECT_THROW(MakeLayer(R"(name: "p" type: "Parameter")")->SetUp({}, {&y}), ConfigError);
}

}  // namespace
}  // namespace strata
