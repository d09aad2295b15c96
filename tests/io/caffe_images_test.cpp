// Caffe's data layers on Caffe's image databases and files (tests/fixtures/caffe/
// images, see its README): Strata's Data layer must give the very batches
// Caffe's gave (TEST phase, the whole set as one batch), exactly where only
// decoding and cropping are involved and within 1e-5 after mean and scale.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "blob.pb.h"
#include "strata/db.hpp"
#include "strata/errors.hpp"
#include "strata/hdf5.hpp"
#include "strata/io.hpp"
#include "strata/lmdb.hpp"
#include "strata/net.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

const std::string kImages = testing::kCaffeFixtures + "/images";

struct ImageCase {
  const char* name;  // net_<name>.prototxt and out_<name>.h5
  float tolerance;   // 0: decoding and cropping only
};

class CaffeImagesTest : public ::testing::TestWithParam<ImageCase> {};

// The fixture net with its database copied to a writable folder (LevelDB
// takes a lock file) and its HDF5Output left out; the net's `data` and
// `label` are compared instead.
NetParameter FixtureNet(const std::string& name, const std::string& dir) {
  NetParameter param;
  ReadProtoFromTextFile(kImages + "/net_" + name + ".prototxt", &param);
  LayerParameter data = param.layer(0);
  if (data.type() == "ImageData") {  // a list and a folder, read in place
    ImageDataParameter* p = data.mutable_image_data_param();
    p->set_source(kImages + "/" + p->source());
    p->set_root_folder(kImages + "/" + p->root_folder());
    param.clear_layer();
    *param.add_layer() = data;
    param.mutable_state()->set_phase(TEST);
    return param;
  }
  const std::string source = data.data_param().source();
  std::filesystem::copy(kImages + "/" + source, dir + "/" + source,
                        std::filesystem::copy_options::recursive);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    std::filesystem::permissions(entry.path(), std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
  }
  data.mutable_data_param()->set_source(dir + "/" + source);
  if (data.transform_param().has_mean_file()) {
    data.mutable_transform_param()->set_mean_file(kImages + "/" +
                                                  data.transform_param().mean_file());
  }
  param.clear_layer();
  *param.add_layer() = data;
  param.mutable_state()->set_phase(TEST);
  return param;
}

TEST_P(CaffeImagesTest, DataLayerGivesCaffesBatch) {
  if (!std::filesystem::exists(kImages))
    GTEST_FAIL() << kImages << " is missing: the repository holds it";
  const ImageCase& c = GetParam();
  const std::string dir = testing::MakeTempDir(std::string("caffe_images_") + c.name);
  Net net(FixtureNet(c.name, dir));
  net.Forward();
  Hdf5File expected_file(kImages + "/out_" + c.name + ".h5", Hdf5File::Mode::kRead);
  for (const char* blob_name : {"data", "label"}) {
    Blob expected;
    expected_file.Read(blob_name, &expected);
    const Blob& got = *net.blob_by_name(blob_name);
    // Caffe's HDF5Output wrote the labels as (N,1,1,1).
    if (std::string(blob_name) == "data") {
      ASSERT_EQ(got.shape(), expected.shape()) << c.name;
    }
    ASSERT_EQ(got.count(), expected.count()) << c.name << " " << blob_name;
    double worst = 0;
    for (int i = 0; i < got.count(); ++i) {
      worst = std::max(worst, static_cast<double>(std::fabs(got.data()[i] - expected.data()[i])));
    }
    std::cout << "[ images   ] " << c.name << " " << blob_name << " " << got.shape_string()
              << ": max |difference| " << worst << "\n";
    EXPECT_LE(worst, c.tolerance) << c.name << " " << blob_name;
  }
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, CaffeImagesTest,
    ::testing::Values(ImageCase{"encoded", 1e-5f},    // JPEG and PNG in LMDB, force_color, crop 96
                      ImageCase{"raw64", 1e-5f},      // raw BGR Datums, crop 56, mean file, scale
                      ImageCase{"gray", 0.f},         // grey PNG in LevelDB, as decoded
                      ImageCase{"force_color", 0.f},  // the same, decoded as colour, mean value
                      ImageCase{"imagedata",
                                0.f},  // ImageData: colour, 80x96, crop 64, mean values
                      ImageCase{"imagedata_gray", 1e-5f}),  // ImageData: grey, 50x50, scale
    [](const ::testing::TestParamInfo<ImageCase>& info) { return std::string(info.param.name); });

// Caffe aborts here (Check failed: channels == img_channels); Strata names the record.
TEST(CaffeImagesErrorsTest, GreyAmongColourWithoutForceColorNamesTheRecord) {
  if (!std::filesystem::exists(kImages))
    GTEST_FAIL() << kImages << " is missing: the repository holds it";
  const std::string dir = testing::MakeTempDir("caffe_images_mixed");
  NetParameter param = FixtureNet("encoded", dir);
  param.mutable_layer(0)->mutable_transform_param()->clear_force_color();
  Net net(param);
  try {
    net.Forward();
    FAIL() << "a grey record among colour ones was accepted";
  } catch (const DataError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("lmdb_encoded: record '"), std::string::npos) << message;
    EXPECT_NE(message.find("force_color"), std::string::npos) << message;
  }
  std::filesystem::remove_all(dir);
}

// Bad input: an image smaller than crop_size, a damaged JPEG among the records.
TEST(CaffeImagesErrorsTest, SmallAndDamagedImagesNameTheRecord) {
  if (!std::filesystem::exists(kImages))
    GTEST_FAIL() << kImages << " is missing: the repository holds it";
  const std::string dir = testing::MakeTempDir("caffe_images_bad");
  NetParameter param = FixtureNet("encoded", dir);
  param.mutable_layer(0)->mutable_transform_param()->set_crop_size(5000);
  try {
    Net net(param);
    FAIL() << "a crop larger than the images was accepted";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("lmdb_encoded: record '"), std::string::npos) << e.what();
  }
  // The same records, every second one's JPEG/PNG bytes cut after 64 bytes.
  const std::string damaged = dir + "/damaged";
  {
    auto reader = OpenDbReader(dir + "/lmdb_encoded", DbBackend::kLmdb);
    LmdbWriter writer(damaged);
    reader->First();
    for (size_t i = 0; i < reader->size(); ++i, reader->Next()) {
      Datum datum;
      ASSERT_TRUE(datum.ParseFromString(reader->value()));
      if (i % 2 == 1) datum.set_data(datum.data().substr(0, 64));
      writer.Put(reader->key(), datum.SerializeAsString());
    }
  }
  std::filesystem::create_directories(dir + "/again");
  param = FixtureNet("encoded", dir + "/again");
  param.mutable_layer(0)->mutable_data_param()->set_source(damaged);
  Net net(param);
  try {
    net.Forward();
    FAIL() << "damaged images were decoded";
  } catch (const DataError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("damaged: record '"), std::string::npos) << message;
    EXPECT_NE(message.find("cannot decode the image"), std::string::npos) << message;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace strata
