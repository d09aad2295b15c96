// Every layer type, fed a batch of 0 (a Filter that selects nothing makes one
// in a normal run), either runs (empty tops, a loss of 0, parameters and
// running statistics unchanged and finite) or refuses with a strata::Error.
// A crash (an integer division by the batch size) or a NaN fails.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

struct EmptyCase {
  const char* type;
  std::string params;  // the layer's text after name and type
  std::vector<std::vector<int>> bottoms;
  int tops;
};

// Source layers, whose batch comes from their own parameters, are covered by
// the batch-size checks of their own tests and by SourceLayersWithBatchZero.
const std::set<std::string> kSources = {"Data",      "ImageData", "HDF5Data", "MemoryData",
                                        "DummyData", "Input",     "Parameter"};

std::vector<EmptyCase> Cases(const std::string& dir) {
  const std::string conv =
      "convolution_param { num_output: 2 kernel_size: 3 weight_filler { type: 'gaussian' } }";
  // A recurrent layer's batch is its streams, axis 1.
  const std::string recurrent =
      "recurrent_param { num_output: 2 weight_filler { type: 'gaussian' } }";
  return {
      {"AbsVal", "", {{0, 3}}, 1},
      {"Accuracy", "", {{0, 5}, {0}}, 1},
      {"ArgMax", "", {{0, 5}}, 1},
      {"BNLL", "", {{0, 3}}, 1},
      {"BatchNorm", "", {{0, 3, 2, 2}}, 1},
      {"BatchReindex", "", {{4, 3}, {0}}, 1},
      {"Bias", "", {{0, 3, 2}, {3}}, 1},
      {"Clip", "clip_param { min: -1 max: 1 }", {{0, 3}}, 1},
      {"Concat", "", {{0, 2}, {0, 3}}, 1},
      {"ContrastiveLoss", "", {{0, 2}, {0, 2}, {0}}, 1},
      {"Convolution", conv, {{0, 1, 5, 5}}, 1},
      {"Crop", "crop_param { axis: 2 }", {{0, 1, 5, 5}, {0, 1, 3, 3}}, 1},
      {"Deconvolution", conv, {{0, 1, 3, 3}}, 1},
      {"Dropout", "", {{0, 3}}, 1},
      {"ELU", "", {{0, 3}}, 1},
      {"Eltwise", "", {{0, 3}, {0, 3}}, 1},
      {"Embed",
       "embed_param { input_dim: 5 num_output: 3 weight_filler { type: 'gaussian' } }",
       {{0}},
       1},
      {"EuclideanLoss", "", {{0, 3}, {0, 3}}, 1},
      {"Exp", "", {{0, 3}}, 1},
      {"Filter", "", {{0, 3}, {0}}, 1},
      {"Flatten", "", {{0, 3, 2}}, 1},
      {"GELU", "", {{0, 3}}, 1},
      {"HDF5Output", "hdf5_output_param { file_name: '" + dir + "/out.h5' }", {{0, 3}, {0}}, 0},
      {"HingeLoss", "", {{0, 3}, {0}}, 1},
      {"Im2col", "convolution_param { kernel_size: 2 }", {{0, 1, 4, 4}}, 1},
      {"InfogainLoss", "", {{0, 3}, {0}, {1, 1, 3, 3}}, 1},
      {"InnerProduct",
       "inner_product_param { num_output: 2 weight_filler { type: 'gaussian' } }",
       {{0, 4}},
       1},
      {"LRN", "", {{0, 3, 2, 2}}, 1},
      {"LSTM", recurrent, {{3, 0, 4}, {3, 0}}, 1},
      {"LSTMUnit", "", {{1, 0, 2}, {1, 0, 8}, {1, 0}}, 2},
      {"LayerNorm", "", {{0, 4}}, 1},
      {"Log", "", {{0, 3}}, 1},
      {"MVN", "", {{0, 3, 2, 2}}, 1},
      {"MultinomialLogisticLoss", "", {{0, 3}, {0}}, 1},
      {"PReLU", "", {{0, 3, 2, 2}}, 1},
      {"Pooling", "pooling_param { pool: MAX kernel_size: 2 }", {{0, 1, 4, 4}}, 1},
      {"Power", "", {{0, 3}}, 1},
      {"RNN", recurrent, {{3, 0, 4}, {3, 0}}, 1},
      {"ReLU", "", {{0, 3}}, 1},
      {"Reduction", "", {{0, 3}}, 1},
      {"Reshape", "reshape_param { shape { dim: 0 dim: -1 } }", {{0, 3, 2}}, 1},
      {"SPP", "spp_param { pyramid_height: 2 }", {{0, 1, 4, 4}}, 1},
      {"Scale", "", {{0, 3, 2}, {3}}, 1},
      {"Sigmoid", "", {{0, 3}}, 1},
      {"SigmoidCrossEntropyLoss", "", {{0, 3}, {0, 3}}, 1},
      {"Silence", "", {{0, 3}}, 0},
      {"Slice", "slice_param { axis: 1 }", {{0, 4}}, 2},
      {"Softmax", "", {{0, 3}}, 1},
      {"SoftmaxWithLoss", "", {{0, 3}, {0}}, 1},
      {"Split", "", {{0, 3}}, 2},
      {"Swish", "", {{0, 3}}, 1},
      {"TanH", "", {{0, 3}}, 1},
      {"Threshold", "", {{0, 3}}, 1},
      {"Tile", "tile_param { axis: 1 tiles: 2 }", {{0, 3}}, 1},
  };
}

void ExpectFinite(const Blob& blob, const std::string& what) {
  for (int i = 0; i < blob.count(); ++i) {
    ASSERT_TRUE(std::isfinite(blob.data()[i])) << what << " [" << i << "] = " << blob.data()[i];
  }
}

// The layer's text, with its bottoms named (some layers read their count).
std::string LayerText(const EmptyCase& c) {
  std::string text = std::string("name: 'x' type: '") + c.type + "' " + c.params;
  for (size_t b = 0; b < c.bottoms.size(); ++b) text += " bottom: 'b" + std::to_string(b) + "'";
  for (int t = 0; t < c.tops; ++t) text += " top: 't" + std::to_string(t) + "'";
  return text;
}

// Runs one case in `phase`; returns the error message, or "" when it ran.
std::string RunEmpty(const EmptyCase& c, Phase phase) {
  LayerParameter param = testing::ParseLayer(LayerText(c));
  param.set_phase(phase);
  std::vector<std::unique_ptr<Blob>> bottoms, tops;
  for (const auto& shape : c.bottoms) bottoms.push_back(std::make_unique<Blob>(shape));
  for (int t = 0; t < c.tops; ++t) tops.push_back(std::make_unique<Blob>());
  // Index-valued bottoms (labels, a reindex, an infogain matrix) hold valid values.
  for (auto& b : bottoms) {
    for (int i = 0; i < b->count(); ++i) b->mutable_data()[i] = 0.f;
  }
  try {
    auto layer = LayerRegistry::Create(param);
    layer->SetUp(testing::Ptrs(bottoms), testing::Ptrs(tops));
    std::vector<std::vector<float>> params_before;
    for (const auto& p : layer->blobs())
      params_before.emplace_back(p->data(), p->data() + p->count());
    layer->Forward(testing::Ptrs(bottoms), testing::Ptrs(tops));
    for (size_t t = 0; t < tops.size(); ++t) {
      ExpectFinite(*tops[t], std::string(c.type) + " top " + std::to_string(t));
      // A loss over nothing is 0; anything else of an empty batch is empty.
      for (int i = 0; i < tops[t]->count(); ++i) tops[t]->mutable_diff()[i] = 1.f;
    }
    for (size_t p = 0; p < layer->blobs().size(); ++p) {
      const Blob& blob = *layer->blobs()[p];
      ExpectFinite(blob, std::string(c.type) + " param " + std::to_string(p));
      EXPECT_EQ(std::vector<float>(blob.data(), blob.data() + blob.count()), params_before[p])
          << c.type << ": an empty batch changed parameter blob " << p;
    }
    std::vector<bool> down(bottoms.size());
    const bool has_gradient = std::string(c.type) != "Accuracy" && std::string(c.type) != "ArgMax";
    for (size_t b = 0; b < bottoms.size(); ++b) {
      down[b] = has_gradient && layer->AllowForceBackward(static_cast<int>(b));
    }
    if (phase == TRAIN) layer->Backward(testing::Ptrs(tops), down, testing::Ptrs(bottoms));
    for (const auto& p : layer->blobs()) {
      for (int i = 0; i < p->count(); ++i) {
        EXPECT_TRUE(std::isfinite(p->diff()[i])) << c.type << " param diff " << i;
      }
    }
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(EmptyBatchTest, EveryLayerRunsOrRefusesAnEmptyBatch) {
  const std::string dir = testing::MakeTempDir("empty_batch");
  std::set<std::string> covered = kSources;
  for (const auto& c : Cases(dir)) {
    covered.insert(c.type);
    for (Phase phase : {TRAIN, TEST}) {
      const std::string error = RunEmpty(c, phase);
      std::cout << std::flush << "[ empty    ] " << c.type
                << (phase == TRAIN ? " TRAIN: " : " TEST: ")
                << (error.empty() ? "runs" : "refuses: " + error) << "\n";
    }
  }
  // A new layer type must be added to the table above.
  for (const auto& type : LayerRegistry::Types()) {
    EXPECT_TRUE(covered.count(type)) << type << " has no empty-batch case";
  }
  std::filesystem::remove_all(dir);
}

// Loss layers over an empty batch report 0 (Caffe normalizes by max(1, count)).
TEST(EmptyBatchTest, LossesOfNothingAreZero) {
  const std::string dir = testing::MakeTempDir("empty_loss");
  for (const auto& c : Cases(dir)) {
    const std::string type = c.type;
    if (type.find("Loss") == std::string::npos && type != "Accuracy") continue;
    std::vector<std::unique_ptr<Blob>> bottoms, tops;
    for (const auto& shape : c.bottoms) bottoms.push_back(std::make_unique<Blob>(shape));
    for (auto& b : bottoms) b->SetDiffToZero();
    for (auto& b : bottoms) {
      for (int i = 0; i < b->count(); ++i) b->mutable_data()[i] = 0.f;
    }
    tops.push_back(std::make_unique<Blob>());
    auto layer = testing::MakeLayer(LayerText(c));
    layer->SetUp(testing::Ptrs(bottoms), testing::Ptrs(tops));
    layer->Forward(testing::Ptrs(bottoms), testing::Ptrs(tops));
    ASSERT_EQ(tops[0]->count(), 1) << type;
    EXPECT_EQ(tops[0]->data()[0], 0.f) << type;
  }
  std::filesystem::remove_all(dir);
}

TEST(EmptyBatchTest, SourceLayersWithBatchZero) {
  std::vector<std::unique_ptr<Blob>> none, tops;
  tops.push_back(std::make_unique<Blob>());
  auto input =
      testing::MakeLayer("name: 'x' type: 'Input' input_param { shape { dim: 0 dim: 3 } }");
  input->SetUp(testing::Ptrs(none), testing::Ptrs(tops));
  EXPECT_EQ(tops[0]->count(), 0);
  auto dummy = testing::MakeLayer(
      "name: 'x' type: 'DummyData' dummy_data_param { shape { dim: 0 dim: 3 } }");
  dummy->SetUp(testing::Ptrs(none), testing::Ptrs(tops));
  dummy->Forward(testing::Ptrs(none), testing::Ptrs(tops));
  EXPECT_EQ(tops[0]->count(), 0);
  tops.push_back(std::make_unique<Blob>());
  auto memory = testing::MakeLayer(
      "name: 'x' type: 'MemoryData' memory_data_param { batch_size: 0 channels: 1 height: 1 width: "
      "1 }");
  EXPECT_THROW(memory->SetUp(testing::Ptrs(none), testing::Ptrs(tops)), Error);
}

}  // namespace
}  // namespace strata
