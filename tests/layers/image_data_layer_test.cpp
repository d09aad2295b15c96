// ImageData against hand-made files: labels and pixels as listed, a seeded
// shuffle that is a permutation each pass, resume mid-pass, and every bad
// list or file named with the list's line. (Caffe's own batches on real
// photos are in tests/io/caffe_images_test.cpp.)
#include "strata/layers/image_data_layer.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "strata/errors.hpp"
#include "strata/pgm.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

class ImageDataLayerTest : public ::testing::Test {
 protected:
  // Five 3x4 grey images, image i filled with 10 * i, labelled i.
  void SetUp() override {
    dir_ = testing::MakeTempDir("image_data");
    std::string list;
    for (int i = 0; i < 5; ++i) {
      GrayImage image;
      image.height = 3;
      image.width = 4;
      image.pixels.assign(12, static_cast<uint8_t>(10 * i));
      WritePgmFile(image, dir_ + "/img " + std::to_string(i) + ".pgm");  // a space in the name
      list += "img " + std::to_string(i) + ".pgm " + std::to_string(i) + "\n";
    }
    testing::WriteTextFile(dir_ + "/list.txt", list);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Layer> Make(const std::string& list, const std::string& extra = "") {
    return testing::MakeLayer(R"(name: "d" type: "ImageData" top: "data" top: "label"
      image_data_param { source: ")" +
                              list + R"(" root_folder: ")" + dir_ + R"(/" batch_size: 2
                         is_color: false )" +
                              extra + " }");
  }

  // The labels of the next `batches` batches, checking each pixel matches its label.
  std::vector<int> Labels(Layer* layer, int batches) {
    std::vector<int> labels;
    for (int b = 0; b < batches; ++b) {
      layer->Forward({}, {&data_, &label_});
      for (int i = 0; i < 2; ++i) {
        const int value = static_cast<int>(label_.data()[i]);
        EXPECT_EQ(data_.data()[i * 12 + 5], 10.f * value);
        labels.push_back(value);
      }
    }
    return labels;
  }

  std::string dir_;
  Blob data_, label_;
};

TEST_F(ImageDataLayerTest, ReadsTheListInOrderAndWraps) {
  auto layer = Make(dir_ + "/list.txt");
  layer->SetUp({}, {&data_, &label_});
  EXPECT_EQ(data_.shape(), (std::vector<int>{2, 1, 3, 4}));
  EXPECT_EQ(Labels(layer.get(), 4), (std::vector<int>{0, 1, 2, 3, 4, 0, 1, 2}));
}

TEST_F(ImageDataLayerTest, ShuffleIsASeededPermutationEachPassAndResumes) {
  auto layer = Make(dir_ + "/list.txt", "shuffle: true");
  layer->Seed(7);
  layer->SetUp({}, {&data_, &label_});
  const std::vector<int> labels = Labels(layer.get(), 10);  // four passes
  std::vector<std::vector<int>> passes;
  for (int pass = 0; pass < 4; ++pass) {
    std::vector<int> order(labels.begin() + 5 * pass, labels.begin() + 5 * pass + 5);
    EXPECT_EQ(std::set<int>(order.begin(), order.end()).size(), 5u) << "pass " << pass;
    passes.push_back(order);
  }
  EXPECT_FALSE(passes[0] == passes[1] && passes[1] == passes[2] && passes[2] == passes[3]);
  // The same seed, the same sequence; a state saved mid-pass continues it.
  auto again = Make(dir_ + "/list.txt", "shuffle: true");
  again->Seed(7);
  again->SetUp({}, {&data_, &label_});
  EXPECT_EQ(Labels(again.get(), 3), std::vector<int>(labels.begin(), labels.begin() + 6));
  LayerState state;
  again->SaveState(&state);
  auto resumed = Make(dir_ + "/list.txt", "shuffle: true");
  resumed->Seed(99);  // the state, not the seed, decides
  resumed->SetUp({}, {&data_, &label_});
  resumed->RestoreState(state);
  EXPECT_EQ(Labels(resumed.get(), 7), std::vector<int>(labels.begin() + 6, labels.end()));
}

TEST_F(ImageDataLayerTest, BadListsAndFilesNameTheListLine) {
  struct Case {
    const char* name;
    std::string list;
    std::string fragment;
  };
  testing::WriteTextFile(dir_ + "/empty.pgm", "");
  testing::WriteTextFile(dir_ + "/text.pgm", "not an image");
  const std::vector<Case> cases = {
      {"no_label", "img 0.pgm 0\nimg1.pgm\n", "no_label.txt:2: 'img1.pgm' has no label"},
      {"bad_label", "img 0.pgm zero\n", "bad_label.txt:1: label 'zero' is not an integer"},
      {"missing", "img 0.pgm 0\nnothere.pgm 1\n",
       "missing.txt:2: " + dir_ + "/nothere.pgm: cannot open"},
      {"zero_bytes", "empty.pgm 0\n",
       "zero_bytes.txt:1: " + dir_ + "/empty.pgm: the image is empty"},
      {"undecodable", "img 0.pgm 0\ntext.pgm 1\n",
       "undecodable.txt:2: " + dir_ + "/text.pgm: cannot decode"},
      {"empty_list", "\n\n", "empty_list.txt: the image list is empty"},
  };
  for (const auto& c : cases) {
    const std::string list = testing::WriteTextFile(dir_ + "/" + c.name + ".txt", c.list);
    auto layer = Make(list);
    try {
      layer->SetUp({}, {&data_, &label_});
      layer->Forward({}, {&data_, &label_});
      FAIL() << c.name << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(c.fragment), std::string::npos)
          << c.name << ": " << e.what();
    }
  }
  // A crop larger than the images; images of different sizes without a crop.
  auto crop = testing::MakeLayer(R"(name: "d" type: "ImageData" top: "data" top: "label"
    image_data_param { source: ")" +
                                 dir_ + R"(/list.txt" root_folder: ")" + dir_ + R"(/" }
    transform_param { crop_size: 8 })");
  EXPECT_THROW(crop->SetUp({}, {&data_, &label_}), ShapeError);
  GrayImage wide;
  wide.height = 3;
  wide.width = 6;
  wide.pixels.assign(18, 1);
  WritePgmFile(wide, dir_ + "/wide.pgm");
  auto mixed = Make(testing::WriteTextFile(dir_ + "/mixed.txt", "img 0.pgm 0\nwide.pgm 1\n"));
  mixed->SetUp({}, {&data_, &label_});
  try {
    mixed->Forward({}, {&data_, &label_});
    FAIL() << "images of two sizes were batched";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("mixed.txt:2: wide.pgm is 3x6 but the first image is 3x4"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace strata
