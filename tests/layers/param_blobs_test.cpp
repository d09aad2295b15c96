// Layer::SetUpParamBlobs, through the nine layers that own parameters: stored
// blobs of the right shapes are taken as they are, wrong ones are named.
#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "strata/layer.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

using testing::MakeLayer;

// The layer's text with `blobs` (BlobProto text) stored in it, set up on a
// 2 x 3 x 4 x 5 bottom (plus a second bottom when the type takes one).
void SetUpLayer(const std::string& layer, const std::string& blobs) {
  auto l = MakeLayer(layer + " " + blobs);
  Blob x({2, 3, 4, 5}), top;
  if (l->ExactNumBottomBlobs() == 0) {
    l->SetUp({}, {&top});  // Parameter
  } else {
    l->SetUp({&x}, {&top});
  }
}

std::string Shape(const std::vector<int>& dims, float value = 0.5f) {
  std::string text = "blobs { shape {";
  int count = 1;
  for (int d : dims) {
    text += " dim: " + std::to_string(d);
    count *= d;
  }
  text += " }";
  for (int i = 0; i < count; ++i) text += " data: " + std::to_string(value);
  return text + " }";
}

struct Case {
  std::string layer;
  std::vector<std::vector<int>> good;  // the blobs' shapes it needs
  std::string wrong_blob;              // named when the last blob's shape is off
};

TEST(ParamBlobsTest, StoredBlobsAreTakenOrNamed) {
  const std::vector<Case> cases = {
      {R"(name: "l" type: "InnerProduct" inner_product_param { num_output: 6 })",
       {{6, 60}, {6}},
       "bias"},
      {R"(name: "l" type: "Convolution" convolution_param { num_output: 2 kernel_size: 3 })",
       {{2, 3, 3, 3}, {2}},
       "bias"},
      {R"(name: "l" type: "Scale" scale_param { bias_term: true })", {{3}, {3}}, "bias"},
      {R"(name: "l" type: "Bias")", {{3}}, "bias"},
      {R"(name: "l" type: "PReLU")", {{3}}, "slopes"},
      {R"(name: "l" type: "LayerNorm")", {{3, 4, 5}, {3, 4, 5}}, "beta"},
      {R"(name: "l" type: "Embed" embed_param { num_output: 4 input_dim: 10 })",
       {{10, 4}, {4}},
       "bias"},
      {R"(name: "l" type: "Parameter" parameter_param { shape { dim: 2 dim: 2 } })",
       {{2, 2}},
       "parameter"},
  };
  for (const Case& c : cases) {
    std::string good;
    for (const auto& shape : c.good) good += Shape(shape) + " ";
    if (c.layer.find("Embed") != std::string::npos) {
      auto l = MakeLayer(c.layer + " " + good);
      Blob ids({2}), top;
      l->SetUp({&ids}, {&top});
      EXPECT_EQ(l->blobs()[0]->data()[0], 0.5f);
    } else {
      EXPECT_NO_THROW(SetUpLayer(c.layer, good)) << c.layer;
    }
    std::string wrong;
    for (size_t i = 0; i < c.good.size(); ++i) {
      std::vector<int> shape = c.good[i];
      if (i + 1 == c.good.size()) shape.back() += 1;
      wrong += Shape(shape) + " ";
    }
    try {
      if (c.layer.find("Embed") != std::string::npos) {
        auto l = MakeLayer(c.layer + " " + wrong);
        Blob ids({2}), top;
        l->SetUp({&ids}, {&top});
      } else {
        SetUpLayer(c.layer, wrong);
      }
      ADD_FAILURE() << c.layer << ": a stored blob of the wrong shape was taken";
    } catch (const ShapeError& e) {
      EXPECT_NE(std::string(e.what()).find("stored blob '" + c.wrong_blob + "' has shape"),
                std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find("but the layer needs"), std::string::npos) << e.what();
    }
  }
}

TEST(ParamBlobsTest, AWrongNumberOfStoredBlobsIsNamed) {
  try {
    SetUpLayer(R"(name: "l" type: "InnerProduct" inner_product_param { num_output: 6 })",
               Shape({6, 60}));
    FAIL() << "a weight without its bias was taken";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("the definition stores 1 parameter blobs, the layer "
                                         "needs 2"),
              std::string::npos)
        << e.what();
  }
}

TEST(ParamBlobsTest, BatchNormStatisticsMatchByCount) {
  // Caffe has stored the statistics as 1 x C x 1 x 1 as well as C.
  EXPECT_NO_THROW(SetUpLayer(R"(name: "l" type: "BatchNorm")",
                             Shape({1, 3, 1, 1}) + " " + Shape({3}) + " " + Shape({1}, 1.f)));
  EXPECT_THROW(SetUpLayer(R"(name: "l" type: "BatchNorm")",
                          Shape({4}) + " " + Shape({3}) + " " + Shape({1}, 1.f)),
               ShapeError);
}

}  // namespace
}  // namespace strata
