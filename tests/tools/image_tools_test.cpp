// The image tools on Caffe's photos and databases (../shared/fixtures/caffe/
// images): what they write must be what Caffe's tools wrote, or give the
// same batches.
#include <gtest/gtest.h>

#include <filesystem>

#include "blob.pb.h"
#include "strata/db.hpp"
#include "strata/image.hpp"
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

// Strata's convert_imageset with the flags Caffe's fixtures were made with
// gives the same records: keys, labels, shapes and bytes (file bytes kept for
// --encoded, raw pixels after resizing), and for the re-encoded grey PNGs the
// same decoded pixels.
TEST_F(ImageToolsTest, ConvertImagesetWritesCaffesRecords) {
  struct Case {
    const char* name;
    std::string flags;
    DbBackend backend;
    bool compare_pixels;  // re-encoded: compare what decodes, not the bytes
  };
  const std::vector<Case> cases = {
      {"lmdb_encoded", "--encoded --shuffle=false", DbBackend::kLmdb, false},
      {"lmdb_raw64", "--resize_height=64 --resize_width=64", DbBackend::kLmdb, false},
      {"leveldb_gray", "--gray --encoded --encode_type=png --resize_height=48 --resize_width=40 --backend=leveldb",
       DbBackend::kLevelDb, true},
  };
  for (const auto& c : cases) {
    const std::string ours = dir_ + "/ours_" + c.name;
    const ToolResult r = RunTool("convert_imageset", c.flags + " " + kImages + "/images/ " + kImages +
                                                         "/list.txt " + ours);
    ASSERT_EQ(r.code, 0) << c.name << ": " << r.err;
    auto mine = OpenDbReader(ours, c.backend);
    auto caffes = OpenDbReader(Copy(c.name), c.backend);
    ASSERT_EQ(mine->size(), caffes->size()) << c.name;
    mine->First();
    caffes->First();
    for (size_t i = 0; i < mine->size(); ++i, mine->Next(), caffes->Next()) {
      EXPECT_EQ(mine->key(), caffes->key()) << c.name;
      Datum a, b;
      ASSERT_TRUE(a.ParseFromString(mine->value()));
      ASSERT_TRUE(b.ParseFromString(caffes->value()));
      EXPECT_EQ(a.label(), b.label()) << c.name << " " << mine->key();
      EXPECT_EQ(a.encoded(), b.encoded()) << c.name << " " << mine->key();
      EXPECT_EQ(a.channels(), b.channels()) << c.name;
      EXPECT_EQ(a.height(), b.height()) << c.name;
      EXPECT_EQ(a.width(), b.width()) << c.name;
      if (c.compare_pixels) {
        EXPECT_EQ(DecodeImage(a.data(), ImageColor::kNative, "ours").pixels,
                  DecodeImage(b.data(), ImageColor::kNative, "Caffe's").pixels)
            << c.name << " " << mine->key();
      } else {
        EXPECT_TRUE(a.data() == b.data()) << c.name << " " << mine->key() << ": the bytes differ";
      }
    }
  }
}

TEST_F(ImageToolsTest, ConvertImagesetRefusesBadInputAndLeavesNothing) {
  const std::string list = kImages + "/list.txt";
  std::filesystem::create_directories(dir_ + "/exists");
  std::filesystem::create_directories(dir_ + "/photos");
  testing::WriteTextFile(dir_ + "/exists/keep.txt", "mine");
  ToolResult r = RunTool("convert_imageset", kImages + "/images/ " + list + " " + dir_ + "/exists");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("exists: already exists"), std::string::npos) << r.err;
  EXPECT_EQ(testing::Slurp(dir_ + "/exists/keep.txt"), "mine");
  // A missing file, an empty one and a list line without a label, each named.
  testing::WriteTextFile(dir_ + "/photos/empty.jpg", "");
  std::filesystem::copy_file(kImages + "/images/coffee.jpg", dir_ + "/photos/coffee.jpg");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"coffee.jpg 0\nnothere.jpg 1\n", "missing.txt:2: " + dir_ + "/photos/nothere.jpg: cannot open"},
      {"coffee.jpg 0\nempty.jpg 1\n", "empty.txt:2: " + dir_ + "/photos/empty.jpg: the image is empty"},
      {"coffee.jpg\n", "nolabel.txt:1: 'coffee.jpg' has no label"},
  };
  const char* names[] = {"missing", "empty", "nolabel"};
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string bad = testing::WriteTextFile(dir_ + "/" + names[i] + ".txt", cases[i].first);
    r = RunTool("convert_imageset", dir_ + "/photos/ " + bad + " " + dir_ + "/db_" + names[i]);
    EXPECT_EQ(r.code, 1) << names[i];
    EXPECT_NE(r.err.find(cases[i].second), std::string::npos) << names[i] << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/db_" + names[i])) << names[i];
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << "left: " << entry.path();
  }
  EXPECT_EQ(RunTool("convert_imageset", "--resize_width=5 a/ b c").code, 2);
}

}  // namespace
}  // namespace strata
