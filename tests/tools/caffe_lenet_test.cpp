// Caffe's own LeNet files run unchanged through the tools, on Fashion-MNIST
// converted to LMDB by convert_mnist, and Caffe's trained weights give Caffe's
// test accuracy on the full test set. Needs tests/fixtures/caffe and
// Debian's dataset-fashion-mnist (skipped with a message otherwise).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "support/test_util.hpp"

namespace strata {
namespace {

const std::string& kFixtures = testing::kCaffeFixtures;
const std::string kDataset = "/usr/share/datasets/fashion-mnist";

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Tool(const std::string& name) {
  const char* build = std::getenv("STRATA_BUILD_DIR");
  return std::filesystem::absolute(std::string(build ? build : "build") + "/tools/" + name)
      .string();
}

// Runs `command` in `dir`; returns the exit code, stdout and stderr in files there.
int RunIn(const std::string& dir, const std::string& command) {
  const int status =
      std::system(("cd " + dir + " && " + command + " > out.txt 2> err.txt").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class CaffeLenetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists(kFixtures) || !std::filesystem::exists(kDataset)) return;
    dir_ = new std::string(testing::MakeTempDir("caffe_lenet"));
    std::filesystem::create_directories(*dir_ + "/examples/mnist");
    for (const auto& [split, name] :
         {std::pair<std::string, std::string>{"train", "train"}, {"t10k", "test"}}) {
      const std::string command = Tool("convert_mnist") + " --format=lmdb --images=" + kDataset +
                                  "/" + split + "-images-idx3-ubyte.gz --labels=" + kDataset + "/" +
                                  split + "-labels-idx1-ubyte.gz --output=examples/mnist/mnist_" +
                                  name + "_lmdb";
      ASSERT_EQ(RunIn(*dir_, command), 0) << Slurp(*dir_ + "/err.txt");
    }
    // Caffe's files, byte for byte, where Caffe's examples expect them.
    std::filesystem::copy_file(kFixtures + "/lenet_train_test.prototxt",
                               *dir_ + "/examples/mnist/lenet_train_test.prototxt");
    std::filesystem::copy_file(kFixtures + "/lenet_solver.prototxt",
                               *dir_ + "/examples/mnist/lenet_solver.prototxt");
    // The BatchNorm net names its LMDBs relative to the working folder.
    std::filesystem::copy_file(kFixtures + "/lenet_bn_train_test.prototxt",
                               *dir_ + "/lenet_bn_train_test.prototxt");
    std::filesystem::create_directory_symlink("examples/mnist/mnist_train_lmdb",
                                              *dir_ + "/fashion_mnist_train_lmdb");
    std::filesystem::create_directory_symlink("examples/mnist/mnist_test_lmdb",
                                              *dir_ + "/fashion_mnist_test_lmdb");
  }
  static void TearDownTestSuite() {
    if (dir_) std::filesystem::remove_all(*dir_);
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!dir_)
      GTEST_FAIL() << "needs " << kFixtures << " and " << kDataset << " (scripts/install_deps.sh)";
  }
  static std::string* dir_;
};
std::string* CaffeLenetTest::dir_ = nullptr;

TEST_F(CaffeLenetTest, CaffeWeightsGiveCaffeTestAccuracyOnTheFullTestSet) {
  const std::string command = Tool("test") +
                              " --model=examples/mnist/lenet_train_test.prototxt --weights=" +
                              std::filesystem::absolute(kFixtures).string() +
                              "/lenet_fashion_iter_10000.caffemodel --iterations=100";
  ASSERT_EQ(RunIn(*dir_, command), 0) << Slurp(*dir_ + "/err.txt");
  const std::string out = Slurp(*dir_ + "/out.txt");
  // Caffe: accuracy = 0.9006, loss = 0.299351 (batch 100, 100 iterations).
  EXPECT_NE(out.find("accuracy = 0.9006\n"), std::string::npos) << out;
  std::smatch loss;
  ASSERT_TRUE(std::regex_search(out, loss, std::regex(R"(loss = ([0-9.]+))"))) << out;
  EXPECT_NEAR(std::stod(loss[1]), 0.299351, 2e-6) << out;
}

TEST_F(CaffeLenetTest, BatchNormNetGivesCaffeTestAccuracy) {
  const std::string command = Tool("test") + " --model=lenet_bn_train_test.prototxt --weights=" +
                              std::filesystem::absolute(kFixtures).string() +
                              "/lenet_bn_fashion_iter_1000.caffemodel --iterations=100";
  ASSERT_EQ(RunIn(*dir_, command), 0) << Slurp(*dir_ + "/err.txt");
  const std::string out = Slurp(*dir_ + "/out.txt");
  // Caffe: accuracy = 0.8474, loss = 0.404834.
  EXPECT_NE(out.find("accuracy = 0.8474\n"), std::string::npos) << out;
  std::smatch loss;
  ASSERT_TRUE(std::regex_search(out, loss, std::regex(R"(loss = ([0-9.]+))"))) << out;
  EXPECT_NEAR(std::stod(loss[1]), 0.404834, 2e-6) << out;
}

TEST_F(CaffeLenetTest, CaffeSolverAndNetRunUnchanged) {
  // Only the iteration count is shortened, in a copy beside Caffe's solver.
  std::string solver = Slurp(*dir_ + "/examples/mnist/lenet_solver.prototxt");
  solver = std::regex_replace(solver, std::regex("max_iter: 10000"), "max_iter: 60");
  solver = std::regex_replace(solver, std::regex("display: 100"), "display: 20");
  testing::WriteTextFile(*dir_ + "/examples/mnist/short_solver.prototxt", solver);
  ASSERT_EQ(RunIn(*dir_, Tool("train") + " --solver=examples/mnist/short_solver.prototxt"), 0)
      << Slurp(*dir_ + "/err.txt");
  const std::string err = Slurp(*dir_ + "/err.txt");
  EXPECT_NE(err.find("Iteration 40 ("), std::string::npos) << err;
  const std::string out = Slurp(*dir_ + "/out.txt");
  EXPECT_NE(out.find("Snapshot: examples/mnist/lenet_iter_60.caffemodel"), std::string::npos)
      << out;
  std::smatch accuracy;
  ASSERT_TRUE(std::regex_search(out, accuracy, std::regex(R"(accuracy = ([0-9.]+))"))) << out;
  EXPECT_GT(std::stod(accuracy[1]), 0.5) << "60 iterations should get well past chance (0.1)";
}

}  // namespace
}  // namespace strata
