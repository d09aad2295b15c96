#include "strata/layers/rnn_layer.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "strata/errors.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::GaussianBlob;
using testing::MakeLayer;

std::unique_ptr<Blob> Cont(const std::vector<std::vector<float>>& rows) {
  return testing::BlobFromRows(rows);
}

std::unique_ptr<Layer> Rnn(int hidden, bool expose = false) {
  return MakeLayer(R"(name: "rnn" type: "RNN" recurrent_param { num_output: )" +
                   std::to_string(hidden) + (expose ? " expose_hidden: true" : "") + R"(
      weight_filler { type: "uniform" min: -0.5 max: 0.5 }
      bias_filler { type: "uniform" min: -0.2 max: 0.2 } })");
}

// One stream, one input, one unit, three steps with a reset at the third.
TEST(RNNLayerTest, ForwardMatchesHandComputedSteps) {
  auto layer = Rnn(1);
  Blob x({3, 1, 1});
  const float xs[3] = {0.5f, -1.f, 2.f};
  std::copy_n(xs, 3, x.mutable_data());
  auto cont = Cont({{0}, {1}, {0}});
  Blob o;
  layer->SetUp({&x, cont.get()}, {&o});
  ASSERT_EQ(layer->blobs().size(), 5u);  // W_xh, b_h, W_hh, W_ho, b_o
  const float w_xh = 0.7f, b_h = 0.1f, w_hh = -0.4f, w_ho = 0.9f, b_o = -0.2f;
  const float values[5] = {w_xh, b_h, w_hh, w_ho, b_o};
  for (int p = 0; p < 5; ++p) layer->blobs()[p]->mutable_data()[0] = values[p];
  layer->Forward({&x, cont.get()}, {&o});
  float h = 0;
  for (int t = 0; t < 3; ++t) {
    h = std::tanh(w_xh * xs[t] + b_h + w_hh * cont->data()[t] * h);
    EXPECT_NEAR(o.data()[t], std::tanh(w_ho * h + b_o), 1e-6) << "step " << t;
  }
}

TEST(RNNLayerTest, GradientsThroughTimeWithAResetMidBatch) {
  auto layer = Rnn(3);
  auto x = GaussianBlob({4, 2, 3}, 17);
  auto cont = Cont({{0, 0}, {1, 1}, {1, 0}, {1, 1}});
  Blob o;
  testing::ExpectGradientsMatch(layer.get(), {x.get(), cont.get()}, {&o}, {0});
}

TEST(RNNLayerTest, GradientsWithStaticInputAndExposedState) {
  auto layer = Rnn(2, true);
  auto x = GaussianBlob({3, 2, 2}, 18);
  auto x_static = GaussianBlob({2, 4}, 19);
  auto cont = Cont({{1, 0}, {1, 1}, {0, 1}});
  auto h0 = GaussianBlob({1, 2, 2}, 20);
  Blob o, h_t;
  testing::ExpectGradientsMatch(layer.get(), {x.get(), cont.get(), x_static.get(), h0.get()},
                                {&o, &h_t}, {0, 2, 3});
  EXPECT_EQ(layer->blobs().size(), 6u);
}

TEST(RNNLayerTest, RefusesBadInput) {
  auto x = GaussianBlob({3, 2, 4}, 1);
  Blob o;
  {
    auto layer = Rnn(2);
    auto cont = Cont({{0, 0, 0}, {1, 1, 1}, {1, 1, 1}});
    EXPECT_THROW(layer->SetUp({x.get(), cont.get()}, {&o}), ShapeError);
  }
  {
    auto layer = Rnn(2);
    auto cont = Cont({{0, 0}, {1, 1}, {2, 1}});
    layer->SetUp({x.get(), cont.get()}, {&o});
    EXPECT_THROW(layer->Forward({x.get(), cont.get()}, {&o}), DataError);
  }
  {
    auto layer = Rnn(2, true);
    auto cont = Cont({{0, 0}, {1, 1}, {1, 1}});
    Blob h0({2, 2}), h_t;
    EXPECT_THROW(layer->SetUp({x.get(), cont.get(), &h0}, {&o, &h_t}), ShapeError);
  }
}

}  // namespace
}  // namespace strata
