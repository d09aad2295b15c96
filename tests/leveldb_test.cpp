// LevelDB, Caffe's default backend: what LevelDbWriter writes, LevelDbReader
// reads back in key order (wrapping), and bad folders are named.
#include "strata/leveldb.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "strata/errors.hpp"
#include "support/test_util.hpp"
#include "support/tool_runner.hpp"

namespace strata {
namespace {

TEST(LevelDbTest, WrittenRecordsReadBackInKeyOrderAndWrap) {
  const std::string dir = testing::MakeTempDir("leveldb");
  {
    auto writer = CreateDbWriter(dir + "/db", DbBackend::kLevelDb);
    for (int i = 2499; i >= 0; --i) {  // written out of order, read sorted
      char key[16];
      std::snprintf(key, sizeof(key), "%08d", i);
      writer->Put(key, "value " + std::to_string(i));
    }
  }
  auto reader = OpenDbReader(dir + "/db", DbBackend::kLevelDb);
  ASSERT_EQ(reader->size(), 2500u);
  ASSERT_TRUE(reader->First());
  for (int i = 0; i < 2501; ++i) {
    const int expected = i % 2500;
    char key[16];
    std::snprintf(key, sizeof(key), "%08d", expected);
    ASSERT_EQ(reader->key(), key);
    ASSERT_EQ(reader->value(), "value " + std::to_string(expected));
    reader->Next();
  }
  EXPECT_THROW(LevelDbWriter(dir + "/db"), IoError);  // never over an existing folder
  std::filesystem::remove_all(dir);
}

TEST(LevelDbTest, BadFoldersAreNamed) {
  const std::string dir = testing::MakeTempDir("leveldb_bad");
  const std::string file = testing::WriteTextFile(dir + "/a_file", "not a database");
  for (const std::string& path : {file, dir + "/missing", dir}) {
    try {
      LevelDbReader reader(path);
      FAIL() << path << " opened";
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find(path + ": not a LevelDB folder"), std::string::npos)
          << e.what();
    }
  }
  // A damaged table file is an error, not skipped data (paranoid checks).
  {
    LevelDbWriter writer(dir + "/db");
    for (int i = 0; i < 100; ++i) writer.Put("k" + std::to_string(i), std::string(1000, 'v'));
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir + "/db")) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 4 &&
        (name.substr(name.size() - 4) == ".ldb" || name.substr(name.size() - 4) == ".log")) {
      std::string bytes = testing::Slurp(entry.path().string());
      for (size_t i = bytes.size() / 4; i < bytes.size() / 2; ++i)
        bytes[i] = static_cast<char>(i * 7);
      testing::WriteTextFile(entry.path().string(), bytes);
    }
  }
  bool refused = false;
  try {
    LevelDbReader reader(dir + "/db");
    for (size_t i = 0; i < reader.size() + 1; ++i) reader.Next();
  } catch (const IoError& e) {
    refused = true;
    EXPECT_NE(std::string(e.what()).find(dir + "/db: "), std::string::npos) << e.what();
  }
  EXPECT_TRUE(refused) << "the damaged database read without an error";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace strata
