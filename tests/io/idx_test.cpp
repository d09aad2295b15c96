#include "strata/idx.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "strata/errors.hpp"
#include "support/test_util.hpp"
#include "support/tool_runner.hpp"

namespace strata {
namespace {

using testing::IdxBytes;

TEST(IdxTest, ParsesHeaderAndValues) {
  const IdxArray array = ParseIdx(IdxBytes({2, 3}, {1, 2, 3, 4, 5, 255}), "x");
  EXPECT_EQ(array.dims, (std::vector<int>{2, 3}));
  EXPECT_EQ(array.values.back(), 255);
}

TEST(IdxTest, ReadsGzippedFile) {
  const std::string dir = testing::MakeTempDir("idx");
  const std::string path = dir + "/labels.gz";
  testing::WriteGzippedIdx(path, {4}, {3, 1, 4, 1});
  const IdxArray array = ReadIdxFile(path);
  EXPECT_EQ(array.dims, (std::vector<int>{4}));
  EXPECT_EQ(array.values, (std::vector<uint8_t>{3, 1, 4, 1}));
}

TEST(IdxTest, RejectsTruncatedBadMagicAndWrongType) {
  std::string bytes = IdxBytes({2, 2}, {1, 2, 3, 4});
  EXPECT_THROW(ParseIdx(bytes.substr(0, bytes.size() - 1), "x"), IoError);
  EXPECT_THROW(ParseIdx(bytes.substr(0, 6), "x"), IoError);
  std::string bad_magic = bytes;
  bad_magic[0] = 1;
  EXPECT_THROW(ParseIdx(bad_magic, "x"), IoError);
  std::string floats = bytes;
  floats[2] = 0x0d;
  EXPECT_THROW(ParseIdx(floats, "x"), IoError);
}

TEST(IdxTest, MissingFileAndCorruptGzipNamePath) {
  const std::string dir = testing::MakeTempDir("idx_bad");
  EXPECT_THROW(ReadIdxFile(dir + "/none.gz"), IoError);
  const std::string path = testing::WriteTextFile(dir + "/bad.gz", "\x1f\x8b\x08garbage");
  try {
    ReadIdxFile(path);
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.gz"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace strata
