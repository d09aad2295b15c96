#include "strata/layers/lstm_layer.hpp"

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

std::unique_ptr<Layer> Lstm(int hidden, bool expose = false) {
  return MakeLayer(R"(name: "lstm" type: "LSTM" recurrent_param { num_output: )" +
                   std::to_string(hidden) + (expose ? " expose_hidden: true" : "") + R"(
      weight_filler { type: "uniform" min: -0.5 max: 0.5 }
      bias_filler { type: "uniform" min: -0.2 max: 0.2 } })");
}

float Sigmoid(float x) { return 1.f / (1.f + std::exp(-x)); }

// One stream, one input, one hidden unit, two steps, the second a new
// sequence: each value worked out from the equations.
TEST(LSTMLayerTest, ForwardMatchesHandComputedSteps) {
  auto layer = Lstm(1);
  Blob x({2, 1, 1});
  x.mutable_data()[0] = 0.5f;
  x.mutable_data()[1] = -1.f;
  auto cont = Cont({{0}, {1}});
  Blob h;
  layer->SetUp({&x, cont.get()}, {&h});
  ASSERT_EQ(layer->blobs().size(), 3u);  // W_xc, b_c, W_hc
  const float w_x[4] = {0.1f, 0.2f, 0.3f, 0.4f}, b[4] = {0.01f, -0.02f, 0.03f, -0.04f};
  const float w_h[4] = {-0.3f, 0.5f, 0.2f, 0.6f};
  std::copy_n(w_x, 4, layer->blobs()[0]->mutable_data());
  std::copy_n(b, 4, layer->blobs()[1]->mutable_data());
  std::copy_n(w_h, 4, layer->blobs()[2]->mutable_data());
  layer->Forward({&x, cont.get()}, {&h});
  float c_prev = 0, h_prev = 0;
  for (int t = 0; t < 2; ++t) {
    const float keep = t == 0 ? 0.f : 1.f, xt = x.data()[t];
    float a[4];
    for (int k = 0; k < 4; ++k) a[k] = w_x[k] * xt + b[k] + w_h[k] * keep * h_prev;
    const float i = Sigmoid(a[0]), f = Sigmoid(a[1]), o = Sigmoid(a[2]), g = std::tanh(a[3]);
    const float c = keep * f * c_prev + i * g;
    const float expected = o * std::tanh(c);
    EXPECT_NEAR(h.data()[t], expected, 1e-6) << "step " << t;
    c_prev = c;
    h_prev = expected;
  }
}

TEST(LSTMLayerTest, GradientsThroughTimeWithAResetMidBatch) {
  auto layer = Lstm(3);
  auto x = GaussianBlob({4, 2, 3}, 7);
  // Stream 0 starts a new sequence at step 2.
  auto cont = Cont({{0, 0}, {1, 1}, {0, 1}, {1, 1}});
  Blob h;
  testing::ExpectGradientsMatch(layer.get(), {x.get(), cont.get()}, {&h}, {0});
}

TEST(LSTMLayerTest, GradientsWithStaticInput) {
  auto layer = Lstm(2);
  auto x = GaussianBlob({3, 2, 2}, 8);
  auto x_static = GaussianBlob({2, 3}, 9);
  auto cont = Cont({{0, 0}, {1, 1}, {1, 0}});
  Blob h;
  testing::ExpectGradientsMatch(layer.get(), {x.get(), cont.get(), x_static.get()}, {&h}, {0, 2});
  EXPECT_EQ(layer->blobs().size(), 4u);  // W_xc, b_c, W_xc_static, W_hc
  EXPECT_EQ(layer->blobs()[2]->shape(), (std::vector<int>{8, 3}));
}

TEST(LSTMLayerTest, GradientsWithExposedStates) {
  auto layer = Lstm(3, true);
  auto x = GaussianBlob({3, 2, 2}, 10);
  auto cont = Cont({{1, 1}, {1, 0}, {1, 1}});  // both continue from h_0, c_0
  auto h0 = GaussianBlob({1, 2, 3}, 11), c0 = GaussianBlob({1, 2, 3}, 12);
  Blob h, h_t, c_t;
  testing::ExpectGradientsMatch(layer.get(), {x.get(), cont.get(), h0.get(), c0.get()},
                                {&h, &h_t, &c_t}, {0, 2, 3});
  // The final states are the last step's.
  layer->Forward({x.get(), cont.get(), h0.get(), c0.get()}, {&h, &h_t, &c_t});
  for (int i = 0; i < 6; ++i) EXPECT_EQ(h_t.data()[i], h.data()[12 + i]);
}

// Without expose_hidden the last pass's final states start the next one, as
// in Caffe: a batch cut in two gives the whole batch's outputs.
TEST(LSTMLayerTest, StateCarriesIntoTheNextBatch) {
  auto whole = Lstm(3);
  auto x = GaussianBlob({4, 2, 2}, 13);
  auto cont = Cont({{0, 0}, {1, 1}, {1, 0}, {1, 1}});
  Blob h;
  whole->SetUp({x.get(), cont.get()}, {&h});
  whole->Forward({x.get(), cont.get()}, {&h});
  auto halves = Lstm(3);
  Blob x_half({2, 2, 2}), h_half;
  auto cont_first = Cont({{0, 0}, {1, 1}}), cont_second = Cont({{1, 0}, {1, 1}});
  halves->SetUp({&x_half, cont_first.get()}, {&h_half});
  for (size_t b = 0; b < whole->blobs().size(); ++b)
    halves->blobs()[b]->CopyFrom(*whole->blobs()[b]);
  for (int part = 0; part < 2; ++part) {
    std::copy_n(x->data() + part * 8, 8, x_half.mutable_data());
    Blob* c = part == 0 ? cont_first.get() : cont_second.get();
    halves->Forward({&x_half, c}, {&h_half});
    for (int i = 0; i < 12; ++i) EXPECT_NEAR(h_half.data()[i], h.data()[part * 12 + i], 1e-6);
  }
}

// Variable-length sequences padded into one batch: stream 0 holds a sequence
// of 5 steps, stream 1 one of 2 steps, then padding, then one of 2 steps. Each
// sequence's outputs equal those of the sequence run alone.
TEST(LSTMLayerTest, PaddedSequencesOfDifferentLengths) {
  auto batch = Lstm(3);
  auto x = GaussianBlob({5, 2, 2}, 14);
  auto cont = Cont({{0, 0}, {1, 1}, {1, 0}, {1, 0}, {1, 1}});
  Blob h;
  batch->SetUp({x.get(), cont.get()}, {&h});
  batch->Forward({x.get(), cont.get()}, {&h});
  // (stream, first step, length)
  const int sequences[3][3] = {{0, 0, 5}, {1, 0, 2}, {1, 3, 2}};
  for (const auto& seq : sequences) {
    const int stream = seq[0], first = seq[1], length = seq[2];
    auto alone = Lstm(3);
    Blob x_alone({length, 1, 2}), h_alone;
    std::vector<std::vector<float>> rows(length, std::vector<float>{1.f});
    rows[0][0] = 0.f;
    auto cont_alone = Cont(rows);
    for (int t = 0; t < length; ++t) {
      std::copy_n(x->data() + ((first + t) * 2 + stream) * 2, 2, x_alone.mutable_data() + t * 2);
    }
    alone->SetUp({&x_alone, cont_alone.get()}, {&h_alone});
    for (size_t b = 0; b < batch->blobs().size(); ++b) {
      alone->blobs()[b]->CopyFrom(*batch->blobs()[b]);
    }
    alone->Forward({&x_alone, cont_alone.get()}, {&h_alone});
    for (int t = 0; t < length; ++t) {
      for (int j = 0; j < 3; ++j) {
        EXPECT_NEAR(h_alone.data()[t * 3 + j], h.data()[((first + t) * 2 + stream) * 3 + j], 1e-6)
            << "stream " << stream << " step " << first + t;
      }
    }
  }
}

TEST(LSTMLayerTest, RefusesBadInput) {
  auto x = GaussianBlob({3, 2, 4}, 1);
  Blob h;
  {  // cont with another T
    auto layer = Lstm(2);
    auto cont = Cont({{0, 0}, {1, 1}});
    EXPECT_THROW(layer->SetUp({x.get(), cont.get()}, {&h}), ShapeError);
  }
  {  // cont with another N
    auto layer = Lstm(2);
    auto cont = Cont({{0}, {1}, {1}});
    try {
      layer->SetUp({x.get(), cont.get()}, {&h});
      FAIL() << "expected ShapeError";
    } catch (const ShapeError& e) {
      EXPECT_NE(std::string(e.what()).find("cont has shape (3,1)"), std::string::npos) << e.what();
    }
  }
  {  // cont values other than 0 and 1
    auto layer = Lstm(2);
    auto cont = Cont({{0, 0}, {1, 0.5f}, {1, 1}});
    layer->SetUp({x.get(), cont.get()}, {&h});
    try {
      layer->Forward({x.get(), cont.get()}, {&h});
      FAIL() << "expected DataError";
    } catch (const DataError& e) {
      EXPECT_NE(std::string(e.what()).find("step 1, stream 1"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("'lstm'"), std::string::npos) << e.what();
    }
  }
  {  // h_0 of the wrong shape
    auto layer = Lstm(2, true);
    auto cont = Cont({{0, 0}, {1, 1}, {1, 1}});
    Blob h0({1, 2, 3}), c0({1, 2, 2}), h_t, c_t;
    EXPECT_THROW(layer->SetUp({x.get(), cont.get(), &h0, &c0}, {&h, &h_t, &c_t}), ShapeError);
  }
  {  // expose_hidden without the extra bottoms and tops
    auto layer = Lstm(2, true);
    auto cont = Cont({{0, 0}, {1, 1}, {1, 1}});
    try {
      layer->SetUp({x.get(), cont.get()}, {&h});
      FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("with expose_hidden takes bottoms x, cont, [x_static,] "
                                           "the initial h, c"),
                std::string::npos)
          << e.what();
    }
  }
  {  // no num_output
    EXPECT_THROW(
        {
          auto layer = MakeLayer(R"(name: "l" type: "LSTM" recurrent_param { })");
          auto cont = Cont({{0, 0}, {1, 1}, {1, 1}});
          layer->SetUp({x.get(), cont.get()}, {&h});
        },
        ConfigError);
  }
}

}  // namespace
}  // namespace strata
