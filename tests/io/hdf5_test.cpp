#include "strata/hdf5.hpp"

#include <gtest/gtest.h>

#include "strata/blob.hpp"
#include "strata/errors.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

TEST(Hdf5Test, WriteReadRoundTrip) {
  const std::string path = testing::MakeTempDir("hdf5") + "/x.h5";
  const std::vector<float> values{1, 2, 3, 4, 5, 6};
  {
    Hdf5File file(path, Hdf5File::Mode::kTruncate);
    file.Write("data", {2, 3}, values.data());
  }
  Hdf5File file(path, Hdf5File::Mode::kRead);
  EXPECT_TRUE(file.HasDataset("data"));
  EXPECT_FALSE(file.HasDataset("label"));
  EXPECT_EQ(file.DatasetShape("data"), (std::vector<int>{2, 3}));
  Blob blob;
  file.Read("data", &blob);
  EXPECT_EQ(blob.shape(), (std::vector<int>{2, 3}));
  EXPECT_EQ(std::vector<float>(blob.data(), blob.data() + 6), values);
  EXPECT_THROW(file.Read("label", &blob), IoError);
}

TEST(Hdf5Test, MissingOrGarbageFileIsIoError) {
  const std::string dir = testing::MakeTempDir("hdf5_bad");
  EXPECT_THROW(Hdf5File(dir + "/none.h5", Hdf5File::Mode::kRead), IoError);
  testing::WriteTextFile(dir + "/junk.h5", "junk");
  EXPECT_THROW(Hdf5File(dir + "/junk.h5", Hdf5File::Mode::kRead), IoError);
}

}  // namespace
}  // namespace strata
