#include "strata/layers/embed_layer.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "strata/errors.hpp"
#include "strata/hdf5.hpp"
#include "strata/random.hpp"
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

TEST(EmbedLayerTest, ForwardLooksUpRows) {
  auto layer = MakeLayer(R"(name: "e" type: "Embed" embed_param { num_output: 2 input_dim: 3
    weight_filler { type: "constant" value: 0 } bias_filler { type: "constant" value: 0.5 } })");
  auto x = BlobOf({2}, {2, 0});
  Blob y;
  layer->SetUp({x.get()}, {&y});
  for (int i = 0; i < 6; ++i) layer->blobs()[0]->mutable_data()[i] = static_cast<float>(i);
  layer->Forward({x.get()}, {&y});
  EXPECT_EQ(y.shape(), (std::vector<int>{2, 2}));
  EXPECT_EQ(Values(y), (std::vector<float>{4.5f, 5.5f, 0.5f, 1.5f}));
}

TEST(EmbedLayerTest, GradientCheck) {
  auto layer = MakeLayer(R"(name: "e" type: "Embed" embed_param { num_output: 3 input_dim: 4
    weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } })");
  // Index 3 appears twice, index 2 never: its row's gradient must stay 0.
  auto x = BlobOf({2, 3}, {0, 3, 3, 1, 0, 1});
  Blob y;
  GradientCheckOptions options;
  options.params_only = true;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y}, {}, options);
  for (int j = 0; j < 3; ++j) EXPECT_EQ(layer->blobs()[0]->diff()[2 * 3 + j], 0.f);
}

TEST(EmbedLayerTest, RejectsOutOfRangeOrFractionalIndices) {
  auto layer = MakeLayer(R"(name: "e" type: "Embed" embed_param { num_output: 2 input_dim: 3 })");
  auto x = BlobOf({2}, {1, 3});
  Blob y;
  layer->SetUp({x.get()}, {&y});
  EXPECT_THROW(layer->Forward({x.get()}, {&y}), DataError);
  x->mutable_data()[1] = 0.5f;
  EXPECT_THROW(layer->Forward({x.get()}, {&y}), DataError);
  EXPECT_THROW(
      MakeLayer(R"(name: "e" type: "Embed" embed_param { num_output: 2 })")->SetUp({x.get()}, {&y}),
      ConfigError);
}

}  // namespace
}  // namespace strata
