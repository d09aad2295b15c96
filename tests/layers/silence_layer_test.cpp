#include "strata/layers/silence_layer.hpp"

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

TEST(SilenceLayerTest, ForwardDoesNothingBackwardZeroes) {
  auto layer = MakeLayer(R"(name: "s" type: "Silence")");
  auto x = GaussianBlob({3}, 1);
  layer->SetUp({x.get()}, {});
  EXPECT_EQ(layer->Forward({x.get()}, {}), 0.f);
  x->mutable_diff()[0] = 5;
  layer->Backward({}, {true}, {x.get()});
  EXPECT_EQ(x->diff()[0], 0.f);
}

TEST(SilenceLayerTest, RejectsTops) {
  auto x = GaussianBlob({3}, 1);
  Blob y;
  EXPECT_THROW(MakeLayer(R"(name: "s" type: "Silence")")->SetUp({x.get()}, {&y}), ConfigError);
}

}  // namespace
}  // namespace strata
