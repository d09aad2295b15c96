#include "strata/layer_registry.hpp"

#include <gtest/gtest.h>

#include "strata/errors.hpp"
#include "strata/layer.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

// Every built-in type. The test binary links libstrata like any user would;
// a layer dropped by the static linker shows up here.
const char* kBuiltinTypes[] = {
    "AbsVal",       "Accuracy",
    "ArgMax",       "BNLL",
    "BatchNorm",    "BatchReindex",
    "Bias",         "Clip",
    "Concat",       "ContrastiveLoss",
    "Convolution",  "Crop",
    "Data",         "Deconvolution",
    "Dropout",      "DummyData",
    "ELU",          "Eltwise",
    "Embed",        "EuclideanLoss",
    "Exp",          "Filter",
    "Flatten",      "GELU",
    "HDF5Data",     "HDF5Output",
    "HingeLoss",    "Im2col",
    "ImageData",    "InfogainLoss",
    "InnerProduct", "Input",
    "LRN",          "LSTM",
    "LSTMUnit",     "LayerNorm",
    "Log",          "MVN",
    "MemoryData",   "MultinomialLogisticLoss",
    "PReLU",        "Parameter",
    "Pooling",      "Power",
    "RNN",          "ReLU",
    "Reduction",    "Reshape",
    "SPP",          "Scale",
    "Sigmoid",      "SigmoidCrossEntropyLoss",
    "Silence",      "Slice",
    "Softmax",      "SoftmaxWithLoss",
    "Split",        "Swish",
    "TanH",         "Threshold",
    "Tile",
};

TEST(LayerRegistry, HasAllBuiltinLayers) {
  for (const char* type : kBuiltinTypes) {
    EXPECT_TRUE(LayerRegistry::Has(type)) << type << " is not registered";
    auto layer = LayerRegistry::Create(
        testing::ParseLayer(std::string("name: \"x\" type: \"") + type + "\""));
    EXPECT_STREQ(layer->type(), type);
  }
  EXPECT_EQ(LayerRegistry::Types().size(), sizeof(kBuiltinTypes) / sizeof(kBuiltinTypes[0]));
}

TEST(LayerRegistry, UnknownTypeNamesKnownTypes) {
  try {
    LayerRegistry::Create(testing::ParseLayer(R"(name: "x" type: "Convolutoin")"));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("Convolutoin"), std::string::npos) << message;
    EXPECT_NE(message.find("InnerProduct"), std::string::npos) << message;
  }
}

TEST(LayerRegistry, CaffeTypesStrataLacksAreNamedNotGuessed) {
  // window_data_param parses (Caffe's R-CNN nets load), the layer is refused.
  const LayerParameter param = testing::ParseLayer(R"(name: "data" type: "WindowData"
      window_data_param { source: "window_file.txt" batch_size: 128 fg_threshold: 0.5
        bg_threshold: 0.5 fg_fraction: 0.25 context_pad: 16 crop_mode: "warp"
        cache_images: true root_folder: "/images/" scale: 1 crop_size: 227 mirror: true
        mean_file: "mean.binaryproto" })");
  EXPECT_EQ(param.window_data_param().context_pad(), 16u);
  EXPECT_EQ(param.window_data_param().root_folder(), "/images/");
  try {
    LayerRegistry::Create(param);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'WindowData' is Caffe's but not implemented in Strata"),
              std::string::npos)
        << message;
    EXPECT_EQ(message.find("did you mean"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace strata
