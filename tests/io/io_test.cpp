#include "strata/io.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "net.pb.h"
#include "solver.pb.h"
#include "strata/errors.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

class IoTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("io"); }
  std::string dir_;
};

TEST_F(IoTest, SyntaxErrorGivesFileLineColumn) {
  const std::string path = testing::WriteTextFile(
      dir_ + "/bad.prototxt", "name: \"x\"\nlayer {\n  name: \"a\"\n  type \"ReLU\"\n}\n");
  NetParameter net;
  try {
    ReadProtoFromTextFile(path, &net);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path + ":4:8: ", 0), 0u) << e.what();
  }
}

TEST_F(IoTest, UnknownFieldGivesLocation) {
  const std::string path =
      testing::WriteTextFile(dir_ + "/bad.prototxt", "layer {\n  nmae: \"a\"\n}\n");
  NetParameter net;
  try {
    ReadProtoFromTextFile(path, &net);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(":2:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nmae"), std::string::npos) << e.what();
  }
}

TEST_F(IoTest, MissingFileIsIoErrorNamingPath) {
  NetParameter net;
  try {
    ReadProtoFromTextFile(dir_ + "/missing.prototxt", &net);
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.prototxt"), std::string::npos);
  }
}

TEST_F(IoTest, RecordsLayerPositions) {
  const std::string path = testing::WriteTextFile(
      dir_ + "/net.prototxt", "name: \"n\"\nlayer { name: \"a\" }\n\n  layer {\n name: \"b\" }\n");
  NetParameter net;
  NetSource source;
  ReadNetParameterFromTextFile(path, &net, &source);
  ASSERT_EQ(source.layer_positions.size(), 2u);
  EXPECT_EQ(source.layer_positions[0], std::make_pair(2, 1));
  EXPECT_EQ(source.layer_positions[1], std::make_pair(4, 3));
  EXPECT_EQ(source.Where(1), path + ":4:3: ");
}

TEST_F(IoTest, BinaryRoundTripIsAtomic) {
  SolverState state;
  state.set_iter(42);
  const std::string path = dir_ + "/state.solverstate";
  WriteProtoToBinaryFile(state, path);
  SolverState read;
  ReadProtoFromBinaryFile(path, &read);
  EXPECT_EQ(read.iter(), 42);
  // Nothing but the target is left behind.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST_F(IoTest, GarbageBinaryIsIoError) {
  const std::string path = testing::WriteTextFile(dir_ + "/w.caffemodel", "\xff\xff\xff garbage");
  NetParameter net;
  EXPECT_THROW(ReadProtoFromBinaryFile(path, &net), IoError);
}

TEST_F(IoTest, UnwritableTargetIsIoError) {
  SolverState state;
  EXPECT_THROW(WriteProtoToBinaryFile(state, dir_ + "/no/such/folder/x"), IoError);
}

}  // namespace
}  // namespace strata
