#include "strata/layers/argmax_layer.hpp"

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

TEST(ArgMaxLayerTest, TopKIndicesAndValues) {
  auto layer = MakeLayer(R"(name: "a" type: "ArgMax" argmax_param { top_k: 2 out_max_val: true })");
  auto x = BlobOf({2, 3}, {0.1f, 0.7f, 0.2f, 5, 1, 3});
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  EXPECT_EQ(y.shape(), (std::vector<int>{2, 2, 2, 1}));
  EXPECT_EQ(Values(y), (std::vector<float>{1, 2, 0.7f, 0.2f, 0, 2, 5, 3}));
}

TEST(ArgMaxLayerTest, AlongAnAxis) {
  auto layer = MakeLayer(R"(name: "a" type: "ArgMax" argmax_param { axis: 0 })");
  auto x = BlobOf({2, 3}, {0.1f, 0.7f, 0.2f, 5, 0, 3});
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  EXPECT_EQ(y.shape(), (std::vector<int>{1, 3}));
  EXPECT_EQ(Values(y), (std::vector<float>{1, 0, 1}));
}

TEST(ArgMaxLayerTest, RejectsTopKBeyondValues) {
  auto x = GaussianBlob({2, 3}, 1);
  Blob y;
  EXPECT_THROW(
      MakeLayer(R"(name: "a" type: "ArgMax" argmax_param { top_k: 4 })")->SetUp({x.get()}, {&y}),
      ConfigError);
  EXPECT_FALSE(MakeLayer(R"(name: "a" type: "ArgMax")")->AllowForceBackward(0));
}

}  // namespace
}  // namespace strata
