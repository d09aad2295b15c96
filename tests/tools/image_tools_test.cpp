// The image tools on Caffe's photos and databases (../shared/fixtures/caffe/
// images): what they write must be what Caffe's tools wrote, or give the
// same batches.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/test_util.hpp"
#include "support/tool_runner.hpp"

namespace strata {
namespace {

using testing::RunTool;
using testing::ToolResult;

const std::string kImages = testing::kCaffeFixtures + "/images";

class ImageToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kImages)) GTEST_SKIP() << kImages << " is absent";
    dir_ = testing::MakeTempDir("image_tools");
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  // A writable copy of a fixture database (LevelDB takes a lock file).
  std::string Copy(const std::string& name) {
    std::filesystem::copy(kImages + "/" + name, dir_ + "/" + name,
                          std::filesystem::copy_options::recursive);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_ + "/" + name)) {
      std::filesystem::permissions(entry.path(), std::filesystem::perms::owner_write,
                                   std::filesystem::perm_options::add);
    }
    return dir_ + "/" + name;
  }
  std::string dir_;
};

TEST_F(ImageToolsTest, ComputeImageMeanWritesCaffesMeanFile) {
  const ToolResult r = RunTool("compute_image_mean", Copy("lmdb_raw64") + " " + dir_ + "/mean.binaryproto");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("mean_value channel [2]: "), std::string::npos) << r.out;
  EXPECT_EQ(testing::Slurp(dir_ + "/mean.binaryproto"), testing::Slurp(kImages + "/mean64.binaryproto"))
      << "not byte for byte Caffe's mean64.binaryproto";
  // The encoded grey LevelDB: decoded natively, one channel.
  const ToolResult gray = RunTool("compute_image_mean", "--backend=leveldb " + Copy("leveldb_gray"));
  ASSERT_EQ(gray.code, 0) << gray.err;
  EXPECT_NE(gray.out.find("of 8 records of 1x48x40"), std::string::npos) << gray.out;
}

TEST_F(ImageToolsTest, ComputeImageMeanRefusesBadInput) {
  const std::string db = Copy("lmdb_raw64");
  testing::WriteTextFile(dir_ + "/exists.binaryproto", "mine");
  ToolResult r = RunTool("compute_image_mean", db + " " + dir_ + "/exists.binaryproto");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("exists.binaryproto: already exists"), std::string::npos) << r.err;
  EXPECT_EQ(testing::Slurp(dir_ + "/exists.binaryproto"), "mine");
  r = RunTool("compute_image_mean", "--backend=leveldb " + dir_ + "/exists.binaryproto");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("not a LevelDB folder"), std::string::npos) << r.err;
  // Records of different sizes (the encoded photos) have no mean image.
  r = RunTool("compute_image_mean", Copy("lmdb_encoded"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("lmdb_encoded: record '"), std::string::npos) << r.err;
  EXPECT_EQ(RunTool("compute_image_mean", "").code, 2);
}

}  // namespace
}  // namespace strata
