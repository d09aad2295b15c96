// The photo-folder workflow on a small MNIST-like set: IDX files become PNG
// files in class folders and a list (convert_mnist --format=png), the files an
// LMDB of encoded records (convert_imageset --encoded). A net trained from the
// raw LMDB, from the encoded LMDB (Data decodes) and from the files
// (ImageData) sees the same pixels in the same order, so all three end with
// the same weights, bit for bit.
#include <gtest/gtest.h>

#include <filesystem>

#include "strata/errors.hpp"
#include "strata/io.hpp"
#include "strata/net.hpp"
#include "strata/random.hpp"
#include "strata/solver.hpp"
#include "support/test_util.hpp"
#include "support/tool_runner.hpp"

namespace strata {
namespace {

using testing::RunTool;
using testing::ToolResult;

constexpr int kImages = 96, kSide = 10;

// A data layer (given) feeding a small convnet with a softmax loss.
std::string Net(const std::string& data_layer) {
  return "name: 'workflow'\n" + data_layer +
         "layer { name: 'conv' type: 'Convolution' bottom: 'data' top: 'conv'\n"
         "  convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: 'xavier' } } }\n"
         "layer { name: 'relu' type: 'ReLU' bottom: 'conv' top: 'conv' }\n"
         "layer { name: 'ip' type: 'InnerProduct' bottom: 'conv' top: 'ip'\n"
         "  inner_product_param { num_output: 4 weight_filler { type: 'xavier' } } }\n"
         "layer { name: 'loss' type: 'SoftmaxWithLoss' bottom: 'ip' bottom: 'label' top: 'loss' "
         "}\n";
}

class ImageWorkflowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("image_workflow");
    // Class c brightens band c of the image; noise everywhere.
    Rng rng(3);
    std::vector<uint8_t> pixels, labels;
    for (int i = 0; i < kImages; ++i) {
      const int label = (i * 7) % 4;
      labels.push_back(static_cast<uint8_t>(label));
      for (int p = 0; p < kSide * kSide; ++p) {
        const bool band = (p / kSide) / 3 == label;
        pixels.push_back(static_cast<uint8_t>((band ? 150 : 20) + rng.engine()() % 100));
      }
    }
    testing::WriteGzippedIdx(dir_ + "/images.gz", {kImages, kSide, kSide}, pixels);
    testing::WriteGzippedIdx(dir_ + "/labels.gz", {kImages}, labels);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The learned weights after `iterations` steps of SGD on `net`.
  std::vector<float> Train(const std::string& net, int iterations) {
    SolverParameter param;
    ParseProtoFromText(
        "base_lr: 0.05 momentum: 0.9 weight_decay: 0.001 lr_policy: 'fixed' "
        "random_seed: 1701 max_iter: 100 display: 0 snapshot: 0",
        "solver", &param);
    ParseProtoFromText(net, "net", param.mutable_net_param());
    auto solver = CreateSolver(param);
    solver->Step(iterations);
    std::vector<float> weights;
    for (const Blob* blob : solver->net().learnable_params()) {
      weights.insert(weights.end(), blob->data(), blob->data() + blob->count());
    }
    return weights;
  }

  std::string dir_;
};

TEST_F(ImageWorkflowTest, RawLmdbEncodedLmdbAndImageDataTrainTheSameWeights) {
  const std::string idx = "--images=" + dir_ + "/images.gz --labels=" + dir_ + "/labels.gz ";
  ToolResult r = RunTool("convert_mnist", idx + "--format=lmdb --output=" + dir_ + "/raw_lmdb");
  ASSERT_EQ(r.code, 0) << r.err;
  r = RunTool("convert_mnist", idx + "--format=png --output=" + dir_ + "/png/train");
  ASSERT_EQ(r.code, 0) << r.err;
  // Class folders, and a list in the files' order naming them from the list's folder.
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/png/train/0/00000.png"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/png/train/3/00001.png"));
  const std::string list = testing::Slurp(dir_ + "/png/train.txt");
  EXPECT_EQ(list.substr(0, 39), "train/0/00000.png 0\ntrain/3/00001.png 3");
  r = RunTool("convert_imageset", "--encoded --gray " + dir_ + "/png/ " + dir_ + "/png/train.txt " +
                                      dir_ + "/png_lmdb");
  ASSERT_EQ(r.code, 0) << r.err;

  const std::string scale = "transform_param { scale: 0.00390625 } ";
  const std::vector<float> raw =
      Train(Net("layer { name: 'd' type: 'Data' top: 'data' top: 'label' " + scale +
                "data_param { source: '" + dir_ + "/raw_lmdb' backend: LMDB batch_size: 8 } }\n"),
            15);
  const std::vector<float> encoded =
      Train(Net("layer { name: 'd' type: 'Data' top: 'data' top: 'label' " + scale +
                "data_param { source: '" + dir_ + "/png_lmdb' backend: LMDB batch_size: 8 } }\n"),
            15);
  const std::vector<float> files =
      Train(Net("layer { name: 'd' type: 'ImageData' top: 'data' top: 'label' " + scale +
                "image_data_param { source: '" + dir_ + "/png/train.txt' root_folder: '" + dir_ +
                "/png/' batch_size: 8 is_color: false } }\n"),
            15);
  ASSERT_EQ(raw.size(), encoded.size());
  EXPECT_EQ(encoded, raw) << "the encoded LMDB trained other weights";
  EXPECT_EQ(files, raw) << "ImageData trained other weights";
  // Training moved them (15 steps read the 96 images once and a quarter).
  EXPECT_NE(
      Train(Net("layer { name: 'd' type: 'Data' top: 'data' top: 'label' " + scale +
                "data_param { source: '" + dir_ + "/raw_lmdb' backend: LMDB batch_size: 8 } }\n"),
            1),
      raw);
}

TEST_F(ImageWorkflowTest, PngConversionRefusesExistingOutputsAndLeavesNothing) {
  const std::string idx = "--images=" + dir_ + "/images.gz --labels=" + dir_ + "/labels.gz ";
  testing::WriteTextFile(dir_ + "/train.txt", "someone else's list\n");
  ToolResult r = RunTool("convert_mnist", idx + "--format=png --output=" + dir_ + "/train");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("train.txt: exists with other contents"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/train"));
  std::filesystem::create_directories(dir_ + "/taken");
  r = RunTool("convert_mnist", idx + "--format=png --output=" + dir_ + "/taken");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("taken: already exists; convert_mnist does not overwrite"),
            std::string::npos)
      << r.err;
  r = RunTool("convert_mnist", idx + "--format=jpeg --output=" + dir_ + "/x");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--format must be hdf5, lmdb or png, not 'jpeg'"), std::string::npos);
}

}  // namespace
}  // namespace strata
