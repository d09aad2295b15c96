#include "strata/layers/inner_product_layer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "strata/errors.hpp"
#include "strata/packed_gemm.hpp"
#include "strata/thread_pool.hpp"
#include "support/gradient_checker.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::BlobOf;
using testing::GaussianBlob;
using testing::MakeLayer;

const char* kLayer = R"(
  name: "ip" type: "InnerProduct"
  inner_product_param {
    num_output: 3
    weight_filler { type: "gaussian" std: 0.5 }
    bias_filler { type: "uniform" min: -1 max: 1 }
  })";

TEST(InnerProductLayerTest, ForwardMatchesHandComputed) {
  auto layer = MakeLayer(R"(name: "ip" type: "InnerProduct"
                            inner_product_param { num_output: 2 })");
  auto x = BlobOf({2, 3}, {1, 2, 3, 4, 5, 6});
  Blob y;
  std::vector<Blob*> bottom{x.get()}, top{&y};
  layer->SetUp(bottom, top);
  ASSERT_EQ(layer->blobs().size(), 2u);
  ASSERT_EQ(layer->blobs()[0]->shape(), (std::vector<int>{2, 3}));
  const float w[] = {1, 0, -1, 0.5f, 0.5f, 0.5f};
  std::copy(w, w + 6, layer->blobs()[0]->mutable_data());
  layer->blobs()[1]->mutable_data()[0] = 10;
  layer->blobs()[1]->mutable_data()[1] = -1;
  layer->Forward(bottom, top);
  ASSERT_EQ(y.shape(), (std::vector<int>{2, 2}));
  // Row 0: [1-3+10, 0.5*6-1], row 1: [4-6+10, 0.5*15-1]
  EXPECT_FLOAT_EQ(y.data()[0], 8);
  EXPECT_FLOAT_EQ(y.data()[1], 2);
  EXPECT_FLOAT_EQ(y.data()[2], 8);
  EXPECT_FLOAT_EQ(y.data()[3], 6.5f);
}

// With vector kernels the forward reads W's rows in place (no OpenBLAS call)
// in parts of 32 outputs; the portable kernel set keeps OpenBLAS. Both give
// the same outputs, with and without a bias, for output counts that leave a
// ragged last part and ragged 4-column tiles, and on one thread or two.
TEST(InnerProductLayerTest, VectorForwardMatchesBlasForward) {
  const testing::ScopedThreads threads_guard;
  const testing::ScopedGemmIsa isa_guard;
  const math::Isa saved = isa_guard.saved();
  for (const char* bias : {"true", "false"}) {
    for (int outputs : {1, 7, 70}) {
      auto layer = MakeLayer(std::string(R"(name: "ip" type: "InnerProduct"
          inner_product_param { num_output: )") +
                             std::to_string(outputs) + " bias_term: " + bias + R"(
            weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } })");
      auto x = GaussianBlob({5, 3, 11}, 21);  // 33 inputs: a ragged vector depth
      Blob y;
      layer->SetUp({x.get()}, {&y});
      std::vector<std::vector<float>> results;
      for (int threads : {1, 2}) {
        SetNumThreads(threads);
        for (math::Isa isa : {saved, math::Isa::kGeneric}) {
          math::SetGemmIsa(isa);
          std::fill_n(y.mutable_data(), y.count(), std::nanf(""));
          layer->Forward({x.get()}, {&y});
          results.emplace_back(y.data(), y.data() + y.count());
        }
      }
      for (const auto& result : results) {
        for (size_t i = 0; i < result.size(); ++i) {
          ASSERT_NEAR(result[i], results[1][i], 1e-5)
              << "bias " << bias << " outputs " << outputs << " at " << i;
        }
      }
    }
  }
}

// A product large enough that the weight and input gradients run as two
// tasks, one per thread: the same bits as on one thread, and the sums a plain
// loop gives (the parameter gradients accumulate into what was there).
TEST(InnerProductLayerTest, LargeBackwardOnTwoThreadsMatchesOneAndPlainSums) {
  const testing::ScopedThreads threads_guard;
  auto layer = MakeLayer(R"(name: "ip" type: "InnerProduct"
      inner_product_param { num_output: 700
        weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } })");
  auto x = GaussianBlob({20, 3, 10, 10}, 31);  // m 20, k 300: 8.4 MFLOP a product
  Blob y;
  layer->SetUp({x.get()}, {&y});
  auto dy = GaussianBlob(y.shape(), 32);
  Blob& w = *layer->blobs()[0];
  Blob& b = *layer->blobs()[1];
  std::vector<std::vector<float>> runs;
  for (int threads : {1, 2}) {
    SetNumThreads(threads);
    layer->Forward({x.get()}, {&y});
    std::copy_n(dy->data(), y.count(), y.mutable_diff());
    std::fill_n(w.mutable_diff(), w.count(), 0.25f);
    std::fill_n(b.mutable_diff(), b.count(), -0.5f);
    layer->Backward({&y}, {true}, {x.get()});
    std::vector<float> run(w.diff(), w.diff() + w.count());
    run.insert(run.end(), b.diff(), b.diff() + b.count());
    run.insert(run.end(), x->diff(), x->diff() + x->count());
    runs.push_back(run);
  }
  ASSERT_EQ(runs[0], runs[1]);
  const int m = 20, n = 700, k = 300;
  const float* g = dy->data();
  for (int o = 0; o < n; o += 37) {
    for (int i = 0; i < k; i += 13) {
      double sum = 0.25;
      for (int r = 0; r < m; ++r) sum += static_cast<double>(g[r * n + o]) * x->data()[r * k + i];
      ASSERT_NEAR(runs[1][o * k + i], sum, 1e-4) << "dW " << o << "," << i;
    }
    double bias = -0.5;
    for (int r = 0; r < m; ++r) bias += g[r * n + o];
    ASSERT_NEAR(runs[1][n * k + o], bias, 1e-4) << "db " << o;
  }
  for (int r = 0; r < m; ++r) {
    for (int i = 0; i < k; i += 7) {
      double sum = 0;
      for (int o = 0; o < n; ++o) sum += static_cast<double>(g[r * n + o]) * w.data()[o * k + i];
      ASSERT_NEAR(runs[1][n * k + n + r * k + i], sum, 1e-3) << "dx " << r << "," << i;
    }
  }
}

TEST(InnerProductLayerTest, TransposeStoresWeightKByN) {
  auto layer = MakeLayer(R"(name: "ip" type: "InnerProduct"
                            inner_product_param { num_output: 2 transpose: true bias_term: false })");
  auto x = BlobOf({1, 3}, {1, 2, 3});
  Blob y;
  std::vector<Blob*> bottom{x.get()}, top{&y};
  layer->SetUp(bottom, top);
  ASSERT_EQ(layer->blobs().size(), 1u);
  ASSERT_EQ(layer->blobs()[0]->shape(), (std::vector<int>{3, 2}));
  const float w[] = {1, 0, 0, 1, 1, 1};  // K x N
  std::copy(w, w + 6, layer->blobs()[0]->mutable_data());
  layer->Forward(bottom, top);
  EXPECT_FLOAT_EQ(y.data()[0], 4);
  EXPECT_FLOAT_EQ(y.data()[1], 5);
}

TEST(InnerProductLayerTest, AxisFlattensTrailingDims) {
  auto layer = MakeLayer(R"(name: "ip" type: "InnerProduct"
                            inner_product_param { num_output: 4 axis: 2 })");
  auto x = GaussianBlob({2, 3, 5}, 1);
  Blob y;
  std::vector<Blob*> bottom{x.get()}, top{&y};
  layer->SetUp(bottom, top);
  EXPECT_EQ(y.shape(), (std::vector<int>{2, 3, 4}));
  EXPECT_EQ(layer->blobs()[0]->shape(), (std::vector<int>{4, 5}));
}

TEST(InnerProductLayerTest, GradientCheck) {
  auto layer = MakeLayer(kLayer);
  auto x = GaussianBlob({2, 3, 2}, 2);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(InnerProductLayerTest, GradientCheckTransposed) {
  auto layer = MakeLayer(R"(name: "ip" type: "InnerProduct"
    inner_product_param { num_output: 3 transpose: true
      weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } })");
  auto x = GaussianBlob({3, 4}, 3);
  Blob y;
  testing::ExpectGradientsMatch(layer.get(), {x.get()}, {&y});
}

TEST(InnerProductLayerTest, RejectsMissingNumOutput) {
  auto layer = MakeLayer(R"(name: "ip" type: "InnerProduct")");
  auto x = GaussianBlob({2, 3}, 1);
  Blob y;
  EXPECT_THROW(layer->SetUp({x.get()}, {&y}), ConfigError);
}

TEST(InnerProductLayerTest, RejectsInputSizeChangeWithShapesInMessage) {
  auto layer = MakeLayer(kLayer);
  auto x = GaussianBlob({2, 4}, 1);
  Blob y;
  layer->SetUp({x.get()}, {&y});
  x->Reshape({2, 5});
  try {
    layer->Reshape({x.get()}, {&y});
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("(2,5)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("(3,4)"), std::string::npos) << e.what();
  }
}

TEST(InnerProductLayerTest, RejectsBadAxis) {
  auto layer = MakeLayer(R"(name: "ip" type: "InnerProduct"
                            inner_product_param { num_output: 2 axis: 3 })");
  auto x = GaussianBlob({2, 3}, 1);
  Blob y;
  EXPECT_THROW(layer->SetUp({x.get()}, {&y}), ShapeError);
}

TEST(InnerProductLayerTest, RejectsUnknownFiller) {
  auto layer = MakeLayer(R"(name: "ip" type: "InnerProduct"
                            inner_product_param { num_output: 2 weight_filler { type: "zeros" } })");
  auto x = GaussianBlob({2, 3}, 1);
  Blob y;
  EXPECT_THROW(layer->SetUp({x.get()}, {&y}), ConfigError);
}

TEST(InnerProductLayerTest, RejectsParamItDoesNotRead) {
  auto layer = MakeLayer(R"(name: "ip" type: "InnerProduct"
                            inner_product_param { num_output: 2 } relu_param { negative_slope: 1 })");
  auto x = GaussianBlob({2, 3}, 1);
  Blob y;
  EXPECT_THROW(layer->SetUp({x.get()}, {&y}), ConfigError);
}

TEST(InnerProductLayerTest, RejectsWrongBlobCounts) {
  auto layer = MakeLayer(kLayer);
  auto a = GaussianBlob({2, 3}, 1), b = GaussianBlob({2, 3}, 2);
  Blob y;
  EXPECT_THROW(layer->SetUp({a.get(), b.get()}, {&y}), ConfigError);
}

}  // namespace
}  // namespace strata
