// The everyday tools around a trained net: classify, summary, draw_net and
// gradcheck, run as a user runs them (exit codes, output, one-line errors).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <regex>

#include "strata/hdf5.hpp"
#include "strata/pgm.hpp"
#include "support/test_util.hpp"
#include "support/tool_runner.hpp"

namespace strata {
namespace {

using testing::RunTool;
using testing::ToolResult;

const std::string& kFixtures = testing::kCaffeFixtures;
const std::string kLabels = "models/fashion_mnist/labels.txt";

class InferenceToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kFixtures)) {
      GTEST_FAIL() << kFixtures << " is missing (run from the repository root, which holds it)";
    }
    dir_ = testing::MakeTempDir("inference_tools");
  }
  // Reference image `i` back as 8-bit pixels, and Caffe's most probable class for it.
  static GrayImage Image(int i, int* caffe_class) {
    Hdf5File file(kFixtures + "/lenet_fashion_reference.h5", Hdf5File::Mode::kRead);
    Blob data, prob;
    file.Read("data", &data);
    file.Read("prob", &prob);
    GrayImage image;
    image.height = image.width = 28;
    for (int p = 0; p < 784; ++p) {
      image.pixels.push_back(static_cast<uint8_t>(std::lround(data.data()[i * 784 + p] * 256)));
    }
    const float* row = prob.data() + i * 10;
    *caffe_class = static_cast<int>(std::max_element(row, row + 10) - row);
    return image;
  }
  std::string LeNet() const {
    return "--model=" + kFixtures + "/lenet_deploy.prototxt --weights=" + kFixtures +
           "/lenet_fashion_iter_10000.caffemodel";
  }
  std::string dir_;
};

const char* kClassNames[] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                             "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

TEST_F(InferenceToolsTest, ClassifyNamesCaffesClassForPgmAndIdxImages) {
  std::string files;
  std::vector<int> expected;
  std::vector<uint8_t> idx_pixels;
  for (int i = 0; i < 3; ++i) {
    int cls;
    const GrayImage image = Image(i, &cls);
    expected.push_back(cls);
    const std::string path = dir_ + "/image" + std::to_string(i) + ".pgm";
    WritePgmFile(image, path);
    files += " " + path;
    idx_pixels.insert(idx_pixels.end(), image.pixels.begin(), image.pixels.end());
  }
  testing::WriteGzippedIdx(dir_ + "/images.gz", {3, 28, 28}, idx_pixels);
  const ToolResult r = RunTool("classify", LeNet() + " --labels=" + kLabels + " --top_k=2" + files +
                                               " " + dir_ + "/images.gz");
  ASSERT_EQ(r.code, 0) << r.err;
  for (int i = 0; i < 3; ++i) {
    // "<file>\n  0.9989  9  \"Ankle boot\"\n" - the first line under each name is the top class.
    for (const std::string& name : {dir_ + "/image" + std::to_string(i) + ".pgm",
                                    dir_ + "/images.gz[" + std::to_string(i) + "]"}) {
      const std::regex top1(std::regex_replace(name, std::regex(R"([\[\]\.\/])"), R"(\$&)") +
                            R"re(\n  ([0-9.]+)  (\d+)  "([^"]+)"\n  [0-9.]+  \d+  ")re");
      std::smatch m;
      ASSERT_TRUE(std::regex_search(r.out, m, top1)) << name << " in\n" << r.out;
      EXPECT_EQ(std::stoi(m[2]), expected[i]) << name;
      EXPECT_EQ(m[3], kClassNames[expected[i]]) << name;
      EXPECT_GT(std::stod(m[1]), 0.1);
      EXPECT_LE(std::stod(m[1]), 1.0);
    }
  }
}

TEST_F(InferenceToolsTest, ClassifyReadsPlainPgmToo) {
  int cls;
  const GrayImage image = Image(5, &cls);
  std::string text = "P2\n# a comment\n28 28\n255\n";
  for (uint8_t p : image.pixels) text += std::to_string(p) + " ";
  const std::string path = testing::WriteTextFile(dir_ + "/plain.pgm", text);
  const ToolResult r = RunTool("classify", LeNet() + " --labels=" + kLabels + " --top_k=1 " + path);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(std::string("\"") + kClassNames[cls] + "\""), std::string::npos) << r.out;
}

TEST_F(InferenceToolsTest, ClassifyErrorsNameTheFileAndTheMismatch) {
  int cls;
  GrayImage small = Image(0, &cls);
  small.height = small.width = 10;
  small.pixels.resize(100);
  WritePgmFile(small, dir_ + "/small.pgm");
  WritePgmFile(Image(0, &cls), dir_ + "/ok.pgm");
  testing::WriteTextFile(dir_ + "/nine.txt", "a\nb\nc\nd\ne\nf\ng\nh\ni\n");
  testing::WriteTextFile(dir_ + "/notes.txt", "not an image");
  testing::WriteTextFile(dir_ + "/truncated.pgm", "P5\n28 28\n255\nabc");

  // An image of another size is resized to the input, as Caffe's cpp_classification does.
  ToolResult r = RunTool("classify", LeNet() + " --labels=" + kLabels + " " + dir_ + "/small.pgm");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("small.pgm\n  "), std::string::npos) << r.out;

  r = RunTool("classify", LeNet() + " --labels=" + dir_ + "/nine.txt " + dir_ + "/ok.pgm");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("has 9 class names but the net's output has 10 classes"), std::string::npos)
      << r.err;

  r = RunTool("classify", LeNet() + " --labels=" + kLabels + " " + dir_ + "/truncated.pgm");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("truncated.pgm: PGM data is truncated"), std::string::npos) << r.err;

  r = RunTool("classify", LeNet() + " --labels=" + kLabels + " " + dir_ + "/notes.txt");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("notes.txt"), std::string::npos) << r.err;

  r = RunTool("classify", LeNet() + " " + dir_ + "/ok.pgm");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--labels is required"), std::string::npos) << r.err;
  for (const ToolResult& each : {r})
    EXPECT_EQ(std::count(each.err.begin(), each.err.end(), '\n'), 1);
}

TEST_F(InferenceToolsTest, SummaryCountsParametersAndFlopsOfLeNet) {
  const ToolResult r = RunTool("summary", "--model=" + kFixtures + "/lenet_deploy.prototxt");
  ASSERT_EQ(r.code, 0) << r.err;
  // conv1: 20 x (1*5*5) + 20 = 520 parameters; 64 images x 20 x 24 x 24 outputs x (2*25 + 1).
  EXPECT_TRUE(std::regex_search(
      r.out, std::regex(R"(conv1\s+Convolution\s+\(64,20,24,24\)\s+520\s+37\.60 MFLOP)")))
      << r.out;
  // ip1: 800 x 500 + 500; 2 * 64 * 800 * 500 + 64 * 500.
  EXPECT_TRUE(std::regex_search(
      r.out, std::regex(R"(ip1\s+InnerProduct\s+\(64,500\)\s+400500\s+51\.23 MFLOP)")))
      << r.out;
  EXPECT_NE(r.out.find("learnable parameters: 431080"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("layers: 9"), std::string::npos) << r.out;
}

TEST_F(InferenceToolsTest, DrawNetWritesDotWithEveryLayerAndBlob) {
  const std::string model = "--model=" + kFixtures + "/lenet_train_test.prototxt";
  ToolResult r = RunTool("draw_net", model + " --out=" + dir_ + "/all.dot");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string all = testing::Slurp(dir_ + "/all.dot");
  EXPECT_EQ(all.rfind("digraph \"LeNet\" {", 0), 0u) << all;
  // Both phases' data layers feed the one "data" node that conv1 reads.
  EXPECT_NE(all.find("\"layer mnist#0\" -> \"blob data#0\""), std::string::npos) << all;
  EXPECT_NE(all.find("\"layer mnist#1\" -> \"blob data#0\""), std::string::npos) << all;
  EXPECT_NE(all.find("\"blob data#0\" -> \"layer conv1#2\""), std::string::npos) << all;
  // relu1 runs in place: it reads ip1's first version and writes a second.
  EXPECT_NE(all.find("\"blob ip1#0\" -> \"layer relu1#7\""), std::string::npos) << all;
  EXPECT_NE(all.find("\"layer relu1#7\" -> \"blob ip1#1\""), std::string::npos) << all;
  EXPECT_NE(all.find("20 outputs, kernel 5, stride 1, pad 0"), std::string::npos) << all;
  EXPECT_EQ(std::count(all.begin(), all.end(), '{'), std::count(all.begin(), all.end(), '}'));

  r = RunTool("draw_net", model + " --phase=TRAIN");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.find("Accuracy"), std::string::npos) << "accuracy is TEST-only";
  EXPECT_NE(r.out.find("SoftmaxWithLoss"), std::string::npos);

  r = RunTool("draw_net", model + " --rankdir=UP");
  EXPECT_EQ(r.code, 2);
  r = RunTool("draw_net", "--model=" + dir_ + "/missing.prototxt");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("missing.prototxt"), std::string::npos) << r.err;
}

TEST_F(InferenceToolsTest, GradcheckPassesEveryLayerOfTheCoverageNet) {
  const std::string model = "--model=" + kFixtures + "/coverage_train.prototxt";
  ToolResult r = RunTool("gradcheck", model);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("40 layer(s) checked, 0 failed"), std::string::npos) << r.out;
  for (const char* row : {"conv2 ", "deconv1 ", "lrn2 ", "mvn1 ", "bn1 ", "ip2 "}) {
    EXPECT_TRUE(std::regex_search(r.out, std::regex(std::string("\n") + row + R"(.*PASS)"))) << row;
  }

  // One layer, and a tolerance nothing can meet: FAIL rows and exit 1.
  r = RunTool("gradcheck",
              model + " --layer=conv2 --threshold=1e-12 --skip_kinks=false --rounding_floor=false");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\nconv2\s+Convolution.*FAIL)"))) << r.out;
  EXPECT_NE(r.out.find("1 layer(s) checked, 1 failed"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("gradient check failed for conv2"), std::string::npos) << r.err;

  r = RunTool("gradcheck", model + " --layer=nope");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no layer named 'nope'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace strata
