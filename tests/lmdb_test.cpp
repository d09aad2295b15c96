// LMDB databases are read with liblmdb, which trusts every page number and
// offset in the file. A damaged database must give an IoError naming it,
// never a crash: LmdbReader checks the tree before liblmdb maps it.
#include "strata/lmdb.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <random>

#include "strata/errors.hpp"
#include "support/test_util.hpp"
#include "support/tool_runner.hpp"

namespace strata {
namespace {

class LmdbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("lmdb");
    LmdbWriter writer(dir_ + "/good");
    std::mt19937 rng(7);
    // Small values stay in the leaf pages; every tenth is large enough for
    // overflow pages; 600 records give a tree of depth 2.
    for (int i = 0; i < 600; ++i) {
      char key[16];
      std::snprintf(key, sizeof(key), "%08d", i);
      std::string value(i % 10 == 0 ? 9000 : 200, '\0');
      for (char& c : value) c = static_cast<char>(rng());
      writer.Put(key, value);
    }
    writer.Close();
    good_ = testing::Slurp(dir_ + "/good/data.mdb");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `bytes` as a database folder and reads every record through it.
  // Returns "" when it reads, else the error; a crash ends the test binary.
  std::string ReadAll(const std::string& bytes) {
    const std::string db = dir_ + "/bad" + std::to_string(count_++);
    std::filesystem::create_directories(db);
    testing::WriteTextFile(db + "/data.mdb", bytes);
    try {
      LmdbReader reader(db);
      const size_t n = reader.size();
      if (!reader.First()) return "empty";
      size_t total = reader.key().size() + reader.value().size();
      for (size_t i = 1; i < n + 3; ++i) {
        reader.Next();
        total += reader.key().size() + reader.value().size();
      }
      EXPECT_GT(total, 0u);
    } catch (const IoError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(db), std::string::npos) << message;
      std::filesystem::remove_all(db);
      return message;
    }
    std::filesystem::remove_all(db);
    return "";
  }

  static void Put64(std::string* bytes, size_t offset, uint64_t value) {
    std::memcpy(&(*bytes)[offset], &value, sizeof(value));
  }

  std::string dir_, good_;
  int count_ = 0;
};

TEST_F(LmdbTest, IntactDatabaseReads) { EXPECT_EQ(ReadAll(good_), ""); }

TEST_F(LmdbTest, TargetedDamageIsNamed) {
  const size_t page = 4096;
  std::string truncated = good_.substr(0, good_.size() / 2);
  EXPECT_NE(ReadAll(truncated).find("damaged"), std::string::npos);
  // Both meta pages claim a last page far past the end of the file.
  std::string far = good_;
  Put64(&far, 136, 1u << 30);
  Put64(&far, page + 136, 1u << 30);
  EXPECT_NE(ReadAll(far).find("damaged"), std::string::npos);
  // Both meta pages point the root at a page past the end of the file.
  std::string root = good_;
  Put64(&root, 88 + 40, 99999);
  Put64(&root, page + 88 + 40, 99999);
  EXPECT_NE(ReadAll(root).find("damaged"), std::string::npos);
  // Every tree page's first node pointer aimed past the page.
  std::string nodes = good_;
  for (size_t p = 2; p < nodes.size() / page; ++p) {
    if (nodes[p * page + 10] & 0x03) nodes[p * page + 16] = static_cast<char>(0xff);
  }
  EXPECT_NE(ReadAll(nodes).find("damaged"), std::string::npos);
}

// Random damage, biased towards the bytes liblmdb follows (page headers and
// node pointers): every outcome is a clean read or an IoError.
TEST_F(LmdbTest, RandomDamageNeverCrashes) {
  std::mt19937 rng(2026);
  const size_t pages = good_.size() / 4096;
  int refused = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string bytes = good_;
    const int hits = 1 + static_cast<int>(rng() % 8);
    for (int h = 0; h < hits; ++h) {
      const size_t page = rng() % pages;
      const size_t within = rng() % 4 == 0 ? rng() % 4096 : rng() % 64;
      bytes[page * 4096 + within] = static_cast<char>(rng());
    }
    if (!ReadAll(bytes).empty()) ++refused;
  }
  std::cout << "[ damage   ] " << refused << " of 300 damaged copies refused, the rest read\n";
  EXPECT_GT(refused, 100);
}

}  // namespace
}  // namespace strata
