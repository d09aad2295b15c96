// The image tools on Caffe's photos and databases (tests/fixtures/caffe/
// images): what they write must be what Caffe's tools wrote, or give the
// same batches.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "blob.pb.h"
#include "strata/db.hpp"
#include "strata/hdf5.hpp"
#include "strata/image.hpp"
#include "strata/image_mean.hpp"
#include "strata/io.hpp"
#include "strata/net.hpp"
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
    if (!std::filesystem::exists(kImages))
      GTEST_FAIL() << kImages << " is missing: the repository holds it";
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
  const ToolResult r =
      RunTool("compute_image_mean", Copy("lmdb_raw64") + " " + dir_ + "/mean.binaryproto");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("mean_value channel [2]: "), std::string::npos) << r.out;
  EXPECT_EQ(testing::Slurp(dir_ + "/mean.binaryproto"),
            testing::Slurp(kImages + "/mean64.binaryproto"))
      << "not byte for byte Caffe's mean64.binaryproto";
  // The encoded grey LevelDB: decoded natively, one channel.
  const ToolResult gray =
      RunTool("compute_image_mean", "--backend=leveldb " + Copy("leveldb_gray"));
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
      {"leveldb_gray",
       "--gray --encoded --encode_type=png --resize_height=48 --resize_width=40 --backend=leveldb",
       DbBackend::kLevelDb, true},
  };
  for (const auto& c : cases) {
    const std::string ours = dir_ + "/ours_" + c.name;
    const ToolResult r = RunTool(
        "convert_imageset", c.flags + " " + kImages + "/images/ " + kImages + "/list.txt " + ours);
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
      {"coffee.jpg 0\nnothere.jpg 1\n",
       "missing.txt:2: " + dir_ + "/photos/nothere.jpg: cannot open"},
      {"coffee.jpg 0\nempty.jpg 1\n",
       "empty.txt:2: " + dir_ + "/photos/empty.jpg: the image is empty"},
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

// One photo's top classes: (label, probability) in rank order.
using TopK = std::vector<std::pair<std::string, double>>;

// Caffe's cpp_classification printed "== name" then "0.9982 - \"label\"" lines.
std::map<std::string, TopK> ReadCaffeTop5(const std::string& path) {
  std::map<std::string, TopK> result;
  std::ifstream in(path);
  std::string line, name;
  const std::regex row(R"re(^([0-9.]+) - "(.*)"$)re");
  while (std::getline(in, line)) {
    std::smatch m;
    if (line.rfind("== ", 0) == 0) {
      name = line.substr(3);
    } else if (std::regex_match(line, m, row)) {
      result[name].emplace_back(m[2], std::stod(m[1]));
    }
  }
  return result;
}

// classify prints the path, then "  0.9982  3  \"label\"" lines.
std::map<std::string, TopK> ReadClassifyOutput(const std::string& out) {
  std::map<std::string, TopK> result;
  std::istringstream in(out);
  std::string line, name;
  const std::regex row(R"re(^  ([0-9.]+)  \d+  "(.*)"$)re");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, row)) {
      result[name].emplace_back(m[2], std::stod(m[1]));
    } else {
      name = std::filesystem::path(line).filename().string();
    }
  }
  return result;
}

TEST_F(ImageToolsTest, ClassifyGivesCaffesTop5OnEachPhoto) {
  const std::map<std::string, TopK> caffe = ReadCaffeTop5(kImages + "/classify/caffe_top5.txt");
  ASSERT_EQ(caffe.size(), 8u);
  std::string files;
  for (const auto& [name, top] : caffe) files += " " + kImages + "/images/" + name;
  const std::string net = "--model=" + kImages + "/classify/deploy.prototxt --weights=" + kImages +
                          "/classify/tiny.caffemodel --labels=" + kImages +
                          "/classify/labels.txt --scale=1";
  // Batches of 3 leave a short last batch; the answers must not depend on it.
  for (const std::string flags : {"--batch_size=3", "--batch_size=8"}) {
    const ToolResult r = RunTool("classify", net + " --mean_file=" + kImages +
                                                 "/classify/mean.binaryproto " + flags + files);
    ASSERT_EQ(r.code, 0) << r.err;
    const std::map<std::string, TopK> ours = ReadClassifyOutput(r.out);
    ASSERT_EQ(ours.size(), caffe.size()) << r.out;
    for (const auto& [name, top] : caffe) {
      ASSERT_EQ(ours.count(name), 1u) << name << " missing in\n" << r.out;
      const TopK& mine = ours.at(name);
      ASSERT_EQ(mine.size(), top.size()) << name;
      for (size_t i = 0; i < top.size(); ++i) {
        EXPECT_EQ(mine[i].first, top[i].first) << name << " rank " << i;
        // Both print four decimals.
        EXPECT_NEAR(mine[i].second, top[i].second, 1.0001e-4) << name << " rank " << i;
      }
    }
  }
}

TEST_F(ImageToolsTest, ClassifyMeanValueEqualsTheMeanFilesChannelMeans) {
  BlobProto mean;
  ReadProtoFromBinaryFile(kImages + "/classify/mean.binaryproto", &mean);
  const std::vector<double> means = ChannelMeans(mean, "mean");
  ASSERT_EQ(means.size(), 3u);
  char values[128];
  std::snprintf(values, sizeof(values), "%.9g,%.9g,%.9g", static_cast<float>(means[0]),
                static_cast<float>(means[1]), static_cast<float>(means[2]));
  const std::string net = "--model=" + kImages + "/classify/deploy.prototxt --weights=" + kImages +
                          "/classify/tiny.caffemodel --labels=" + kImages +
                          "/classify/labels.txt --scale=1 --top_k=6 " + kImages +
                          "/images/camera.png";
  const ToolResult by_file =
      RunTool("classify", "--mean_file=" + kImages + "/classify/mean.binaryproto " + net);
  const ToolResult by_value =
      RunTool("classify", std::string("--mean_value=") + values + " " + net);
  ASSERT_EQ(by_file.code, 0) << by_file.err;
  EXPECT_EQ(by_file.out, by_value.out);
  const ToolResult none = RunTool("classify", net);
  ASSERT_EQ(none.code, 0) << none.err;
  EXPECT_NE(none.out, by_file.out) << "the mean made no difference";
}

TEST_F(ImageToolsTest, ClassifyRefusesBadPhotosAndMeans) {
  const std::string net = "--model=" + kImages + "/classify/deploy.prototxt --weights=" + kImages +
                          "/classify/tiny.caffemodel --labels=" + kImages + "/classify/labels.txt ";
  const std::string photo = kImages + "/images/rocket.jpg";
  testing::WriteTextFile(dir_ + "/empty.jpg", "");
  std::string jpeg = testing::Slurp(photo);
  testing::WriteTextFile(dir_ + "/cut.jpg", jpeg.substr(0, 20));
  BlobProto gray_mean;
  for (int d : {1, 1, 4, 4}) gray_mean.mutable_shape()->add_dim(d);
  for (int i = 0; i < 16; ++i) gray_mean.add_data(1.f);
  WriteProtoToBinaryFile(gray_mean, dir_ + "/gray_mean.binaryproto");

  struct Case {
    std::string args;
    int code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {dir_ + "/empty.jpg", 1, "empty.jpg: the image is empty (0 bytes)"},
      {photo + " " + dir_ + "/cut.jpg", 1, "cut.jpg: cannot decode the image (20 bytes"},
      {"--mean_file=" + dir_ + "/gray_mean.binaryproto " + photo, 1,
       "gray_mean.binaryproto: the mean image has 1 channels, the net's input 3"},
      {"--mean_value=1,2 " + photo, 2,
       "--mean_value has 2 values; give one or one per channel (3)"},
      {"--mean_value=1,x,3 " + photo, 2, "--mean_value: 'x' is not a finite number"},
      {"--mean_value=1 --mean_file=m " + photo, 2,
       "give one of --mean_file, --mean_value and --mean"},
  };
  for (const Case& c : cases) {
    const ToolResult r = RunTool("classify", net + c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(r.out.find("cut.jpg"), std::string::npos) << "printed before the batch failed";
  }
}

// The classify fixture's tiny net fed by a Data layer on Caffe's 64x64 LMDB.
std::string FeatureNet(const std::string& db, const std::string& mean) {
  return "name: 'features'\n"
         "layer { name: 'data' type: 'Data' top: 'data' top: 'label'\n"
         "  data_param { source: '" +
         db +
         "' backend: LMDB batch_size: 3 }\n"
         "  transform_param { mean_file: '" +
         mean +
         "' } }\n"
         "layer { name: 'conv1' type: 'Convolution' bottom: 'data' top: 'conv1'\n"
         "  convolution_param { num_output: 8 kernel_size: 5 stride: 2 } }\n"
         "layer { name: 'relu1' type: 'ReLU' bottom: 'conv1' top: 'conv1' }\n"
         "layer { name: 'pool1' type: 'Pooling' bottom: 'conv1' top: 'pool1'\n"
         "  pooling_param { pool: MAX kernel_size: 3 stride: 2 } }\n"
         "layer { name: 'ip1' type: 'InnerProduct' bottom: 'pool1' top: 'ip1'\n"
         "  inner_product_param { num_output: 6 } }\n"
         "layer { name: 'prob' type: 'Softmax' bottom: 'ip1' top: 'prob' }\n";
}

TEST_F(ImageToolsTest, ExtractFeaturesWritesEachImagesBlobValuesInCaffesLayout) {
  const std::string model = testing::WriteTextFile(
      dir_ + "/features.prototxt", FeatureNet(Copy("lmdb_raw64"), kImages + "/mean64.binaryproto"));
  const std::string weights = kImages + "/classify/tiny.caffemodel";
  // 3 passes of 3 read 9 records of the 8: the ninth is the first again.
  ToolResult r = RunTool("extract_features", weights + " " + model + " pool1,prob " + dir_ +
                                                 "/pool1_db," + dir_ + "/prob_db 3 leveldb");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("Wrote the features of 9 images (prob, 6 values each)"), std::string::npos)
      << r.out;
  r = RunTool("extract_features",
              "--backend=hdf5 " + weights + " " + model + " prob " + dir_ + "/prob.h5 3");
  ASSERT_EQ(r.code, 0) << r.err;

  // The same net run here gives the values the tool wrote, image by image.
  NetOptions options;
  options.keep_blobs = {"pool1", "prob"};
  Net net(model, TEST, options);
  net.CopyTrainedLayersFrom(weights);
  std::vector<float> pool1, prob;
  for (int pass = 0; pass < 3; ++pass) {
    net.Forward();
    const Blob* p = net.blob_by_name("pool1");
    pool1.insert(pool1.end(), p->data(), p->data() + p->count());
    const Blob* q = net.blob_by_name("prob");
    prob.insert(prob.end(), q->data(), q->data() + q->count());
  }
  const auto check_db = [&](const std::string& path, const std::vector<float>& expected,
                            int channels, int height, int width) {
    auto reader = OpenDbReader(path, DbBackend::kLevelDb);
    ASSERT_EQ(reader->size(), 9u) << path;
    ASSERT_TRUE(reader->First());
    const size_t dim = static_cast<size_t>(channels) * height * width;
    for (size_t i = 0; i < 9; ++i, reader->Next()) {
      char key[16];
      std::snprintf(key, sizeof(key), "%010zu", i);
      EXPECT_EQ(reader->key(), key);
      Datum datum;
      ASSERT_TRUE(datum.ParseFromString(reader->value()));
      EXPECT_EQ(datum.channels(), channels);
      EXPECT_EQ(datum.height(), height);
      EXPECT_EQ(datum.width(), width);
      ASSERT_EQ(static_cast<size_t>(datum.float_data_size()), dim);
      for (size_t d = 0; d < dim; ++d) {
        ASSERT_EQ(datum.float_data(d), expected[i * dim + d]) << path << " image " << i;
      }
    }
  };
  check_db(dir_ + "/pool1_db", pool1, 8, 15, 15);
  check_db(dir_ + "/prob_db", prob, 6, 1, 1);
  EXPECT_EQ(std::vector<float>(prob.begin(), prob.begin() + 6),
            std::vector<float>(prob.begin() + 48, prob.begin() + 54))
      << "the ninth is the first";

  Hdf5File h5(dir_ + "/prob.h5", Hdf5File::Mode::kRead);
  EXPECT_EQ(h5.DatasetShape("data"), (std::vector<int>{9, 6}));
  Blob values;
  h5.Read("data", &values);
  EXPECT_EQ(std::vector<float>(values.data(), values.data() + values.count()), prob);
}

TEST_F(ImageToolsTest, ExtractFeaturesRefusesBadRequestsAndLeavesNothing) {
  const std::string model = testing::WriteTextFile(
      dir_ + "/features.prototxt", FeatureNet(Copy("lmdb_raw64"), kImages + "/mean64.binaryproto"));
  const std::string weights = kImages + "/classify/tiny.caffemodel ";
  testing::WriteTextFile(dir_ + "/taken", "mine");
  struct Case {
    std::string args;
    int code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {weights + model + " prob,ip1 " + dir_ + "/one 1", 2,
       "give one output for each blob (2 blobs, 1 outputs)"},
      {weights + model + " prob " + dir_ + "/out 0", 2,
       "NUM_MINI_BATCHES must be a positive integer, not '0'"},
      {weights + model + " prob " + dir_ + "/out 1 sqlite", 2,
       "must be lmdb, leveldb or hdf5, not 'sqlite'"},
      {weights + model + " prob " + dir_ + "/out 1 lmdb GPU", 2, "Strata runs on the CPU"},
      {weights + model + " fc7 " + dir_ + "/out 1", 1, "no blob named 'fc7' in the TEST net"},
      {weights + model + " prob " + dir_ + "/taken 1", 1,
       "taken: already exists; extract_features does not overwrite"},
      {weights + kImages + "/classify/deploy.prototxt prob " + dir_ + "/out 1", 1,
       "the net has Input blobs, which nothing would fill"},
  };
  for (const Case& c : cases) {
    const ToolResult r = RunTool("extract_features", c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
  }
  EXPECT_EQ(testing::Slurp(dir_ + "/taken"), "mine");
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    EXPECT_TRUE(name == "taken" || name == "features.prototxt" || name == "lmdb_raw64")
        << name << " left behind";
  }
}

}  // namespace
}  // namespace strata
