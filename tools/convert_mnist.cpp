// convert_mnist: IDX image and label files -> HDF5 for the HDF5Data layer, an
// LMDB in Caffe's layout for the Data layer, or PNG files and a list.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "blob.pb.h"
#include "strata/errors.hpp"
#include "strata/hdf5.hpp"
#include "strata/idx.hpp"
#include "strata/image.hpp"
#include "strata/io.hpp"
#include "strata/lmdb.hpp"
#include "strata/thread_pool.hpp"
#include "tool_main.hpp"

DEFINE_string(images, "", "IDX image file (e.g. train-images-idx3-ubyte.gz). Required.");
DEFINE_string(labels, "", "IDX label file (e.g. train-labels-idx1-ubyte.gz). Required.");
DEFINE_string(output, "",
              "Where to write: an HDF5 file (e.g. data/train.h5) or, with --format=lmdb, an LMDB "
              "folder (e.g. data/train_lmdb), with --format=png a folder of class folders "
              "(e.g. data/png/train). Required.");
DEFINE_string(format, "hdf5",
              "hdf5 (for HDF5Data), lmdb (Caffe's layout, for Data) or png (files and a list, "
              "for ImageData and convert_imageset).");
DEFINE_string(list_file, "",
              "The list file (default: OUTPUT.txt): for hdf5, naming the output for "
              "hdf5_data_param.source; for png, 'path label' lines.");

namespace {

struct Mnist {
  strata::IdxArray images, labels;
  int n = 0, height = 0, width = 0;
  size_t pixels() const { return static_cast<size_t>(height) * width; }
};

void WriteLmdb(const Mnist& mnist, const std::string& path) {
  strata::LmdbWriter writer(path);
  strata::Datum datum;
  datum.set_channels(1);
  datum.set_height(mnist.height);
  datum.set_width(mnist.width);
  char key[16];
  std::string value;
  for (int i = 0; i < mnist.n; ++i) {
    datum.set_data(mnist.images.values.data() + i * mnist.pixels(), mnist.pixels());
    datum.set_label(mnist.labels.values[i]);
    std::snprintf(key, sizeof(key), "%08d", i);
    datum.SerializeToString(&value);
    writer.Put(key, value);
  }
}

void WriteHdf5(const Mnist& mnist, const std::string& path) {
  std::vector<float> data(mnist.images.values.size());
  for (size_t i = 0; i < data.size(); ++i) data[i] = mnist.images.values[i] / 256.f;
  std::vector<float> label(mnist.labels.values.begin(), mnist.labels.values.end());
  strata::Hdf5File file(path, strata::Hdf5File::Mode::kTruncate);
  file.Write("data", {mnist.n, 1, mnist.height, mnist.width}, data.data());
  file.Write("label", {mnist.n}, label.data());
  file.Flush();
}

// Image i is LABEL/%05d.png under the output folder.
std::string PngPath(const Mnist& mnist, int i) {
  char file[32];
  std::snprintf(file, sizeof(file), "/%d/%05d.png", mnist.labels.values[i], i);
  return file;
}

// The list's lines: paths start with the folder's own name `name`, since the
// list lies beside the folder.
std::string PngList(const Mnist& mnist, const std::string& name) {
  std::string list;
  for (int i = 0; i < mnist.n; ++i) {
    list += name + PngPath(mnist, i) + " " + std::to_string(mnist.labels.values[i]) + "\n";
  }
  return list;
}

void WritePng(const Mnist& mnist, const std::string& folder) {
  for (uint8_t label : std::set<uint8_t>(mnist.labels.values.begin(), mnist.labels.values.end())) {
    std::filesystem::create_directories(folder + "/" + std::to_string(label));
  }
  strata::ParallelChunks(mnist.n, 256, [&](int begin, int end) {
    strata::Image image;
    image.channels = 1;
    image.height = mnist.height;
    image.width = mnist.width;
    for (int i = begin; i < end; ++i) {
      const auto first = mnist.images.values.begin() + static_cast<long>(i * mnist.pixels());
      image.pixels.assign(first, first + static_cast<long>(mnist.pixels()));
      const std::string target = folder + PngPath(mnist, i);
      // Plain writes: the whole folder is renamed into place when complete.
      const std::string bytes = strata::EncodeImage(image, "png", target);
      std::ofstream file(target, std::ios::binary);
      file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      if (!file.flush()) throw strata::IoError(target + ": cannot write (disk full?)");
    }
  });
}

// A list file is rewritten only when it already says exactly this: checked
// before anything is written.
void CheckList(const std::string& list, const std::string& text) {
  if (std::filesystem::exists(list) && strata::ReadFileToString(list) != text) {
    throw strata::IoError(list +
                          ": exists with other contents; convert_mnist does not "
                          "overwrite it (give --list_file=... or remove it)");
  }
}

Mnist ReadMnist() {
  Mnist mnist;
  mnist.images = strata::ReadIdxFile(FLAGS_images);
  mnist.labels = strata::ReadIdxFile(FLAGS_labels);
  if (mnist.images.dims.size() != 3) {
    throw strata::IoError(FLAGS_images + ": expected 3 dimensions (N x H x W), got " +
                          std::to_string(mnist.images.dims.size()));
  }
  if (mnist.labels.dims.size() != 1 || mnist.labels.dims[0] != mnist.images.dims[0]) {
    throw strata::IoError(FLAGS_labels + ": expected " + std::to_string(mnist.images.dims[0]) +
                          " labels to match the images");
  }
  mnist.n = mnist.images.dims[0];
  mnist.height = mnist.images.dims[1];
  mnist.width = mnist.images.dims[2];
  return mnist;
}

}  // namespace

int main(int argc, char** argv) {
  return strata::tools::RunTool(
      "convert_mnist",
      "converts MNIST-format (IDX) files to HDF5, LMDB or PNG files.\n"
      "Usage: convert_mnist --images=IMAGES.gz --labels=LABELS.gz --output=OUT.h5\n"
      "       convert_mnist --format=lmdb --images=IMAGES.gz --labels=LABELS.gz --output=OUT_lmdb\n"
      "       convert_mnist --format=png --images=IMAGES.gz --labels=LABELS.gz --output=DIR/train\n"
      "HDF5: datasets 'data' (N x 1 x H x W float32, pixels / 256, so in [0, 1)) and\n"
      "'label' (N float32), and a list file naming OUT.h5 for hdf5_data_param.source.\n"
      "LMDB: Caffe's layout (keys %08d, Datum records of uint8 pixels and a label), as\n"
      "Caffe's convert_mnist_data writes it; scale with transform_param { scale: 0.00390625 }.\n"
      "PNG: grey files OUT/LABEL/%05d.png (the image's index) and OUT.txt with 'train/LABEL/\n"
      "00000.png LABEL' lines in the files' order, for ImageData (root_folder: DIR/) and\n"
      "convert_imageset DIR/ DIR/train.txt DB.\n"
      "Gzipped and plain IDX files are both read.",
      argc, argv, [](int argc, char**) {
        if (argc > 1) throw strata::tools::UsageError{"unexpected argument"};
        if (FLAGS_images.empty() || FLAGS_labels.empty() || FLAGS_output.empty()) {
          throw strata::tools::UsageError{"--images, --labels and --output are required"};
        }
        if (FLAGS_format != "hdf5" && FLAGS_format != "lmdb" && FLAGS_format != "png") {
          throw strata::tools::UsageError{"--format must be hdf5, lmdb or png, not '" +
                                          FLAGS_format + "'"};
        }
        const Mnist mnist = ReadMnist();
        const std::string list = FLAGS_list_file.empty() ? FLAGS_output + ".txt" : FLAGS_list_file;
        const std::string name = std::filesystem::path(FLAGS_output).filename().string();
        const std::string list_text = FLAGS_format == "png"    ? PngList(mnist, name)
                                      : FLAGS_format == "hdf5" ? name + "\n"
                                                               : std::string();
        // Nothing of the user's is deleted or overwritten: the output must not
        // exist. It is built under a temporary name beside it and renamed when
        // complete, so an interrupted run leaves no half-written output.
        strata::tools::NewOutput output(FLAGS_output, "convert_mnist", "--output");
        if (!list_text.empty()) CheckList(list, list_text);
        const std::string shape = std::to_string(mnist.height) + "x" + std::to_string(mnist.width);
        if (FLAGS_format == "lmdb") {
          WriteLmdb(mnist, output.temp());
          output.Commit();
          std::cout << "Wrote " << mnist.n << " examples of " << shape << " to LMDB "
                    << FLAGS_output << "\n";
        } else if (FLAGS_format == "png") {
          WritePng(mnist, output.temp());
          output.Commit();
          strata::WriteFileAtomically(list, list_text);
          std::cout << "Wrote " << mnist.n << " PNG files of " << shape << " under " << FLAGS_output
                    << " (list file " << list << ")\n";
        } else {
          WriteHdf5(mnist, output.temp());
          output.Commit();
          strata::WriteFileAtomically(list, list_text);
          std::cout << "Wrote " << mnist.n << " examples of " << shape << " to " << FLAGS_output
                    << " (list file " << list << ")\n";
        }
        return 0;
      });
}
