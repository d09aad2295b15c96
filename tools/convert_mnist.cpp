// convert_mnist: IDX image and label files -> HDF5 for the HDF5Data layer.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <filesystem>
#include <cstdio>
#include <iostream>

#include "strata/errors.hpp"
#include "strata/hdf5.hpp"
#include "strata/idx.hpp"
#include "strata/io.hpp"
#include "strata/lmdb.hpp"
#include "blob.pb.h"
#include "tool_main.hpp"

DEFINE_string(images, "", "IDX image file (e.g. train-images-idx3-ubyte.gz). Required.");
DEFINE_string(labels, "", "IDX label file (e.g. train-labels-idx1-ubyte.gz). Required.");
DEFINE_string(output, "",
              "Where to write: an HDF5 file (e.g. data/train.h5) or, with --format=lmdb, an LMDB "
              "folder (e.g. data/train_lmdb). Required.");
DEFINE_string(format, "hdf5", "hdf5 (for HDF5Data) or lmdb (Caffe's layout, for Data).");
DEFINE_string(list_file, "",
              "List file for hdf5_data_param.source naming the output (default: OUTPUT.txt).");

int main(int argc, char** argv) {
  return strata::tools::RunTool(
      "convert_mnist",
      "converts MNIST-format (IDX) files to HDF5 or LMDB.\n"
      "Usage: convert_mnist --images=IMAGES.gz --labels=LABELS.gz --output=OUT.h5\n"
      "       convert_mnist --format=lmdb --images=IMAGES.gz --labels=LABELS.gz --output=OUT_lmdb\n"
      "HDF5: datasets 'data' (N x 1 x H x W float32, pixels / 256, so in [0, 1)) and\n"
      "'label' (N float32), and a list file naming OUT.h5 for hdf5_data_param.source.\n"
      "LMDB: Caffe's layout (keys %08d, Datum records of uint8 pixels and a label), as\n"
      "Caffe's convert_mnist_data writes it; scale with transform_param { scale: 0.00390625 }.\n"
      "Gzipped and plain IDX files are both read.",
      argc, argv, [](int argc, char**) {
        if (argc > 1) throw strata::tools::UsageError{"unexpected argument"};
        if (FLAGS_images.empty() || FLAGS_labels.empty() || FLAGS_output.empty()) {
          throw strata::tools::UsageError{"--images, --labels and --output are required"};
        }
        const strata::IdxArray images = strata::ReadIdxFile(FLAGS_images);
        const strata::IdxArray labels = strata::ReadIdxFile(FLAGS_labels);
        if (images.dims.size() != 3) {
          throw strata::IoError(FLAGS_images + ": expected 3 dimensions (N x H x W), got " +
                                std::to_string(images.dims.size()));
        }
        if (labels.dims.size() != 1 || labels.dims[0] != images.dims[0]) {
          throw strata::IoError(FLAGS_labels + ": expected " + std::to_string(images.dims[0]) +
                                " labels to match the images");
        }
        const int n = images.dims[0], h = images.dims[1], w = images.dims[2];
        if (FLAGS_format != "hdf5" && FLAGS_format != "lmdb") {
          throw strata::tools::UsageError{"--format must be hdf5 or lmdb, not '" + FLAGS_format + "'"};
        }
        // Nothing of the user's is deleted or overwritten: the output must not
        // exist. It is built under a temporary name beside it and renamed when
        // complete, so an interrupted run leaves no half-written output.
        strata::tools::NewOutput output(FLAGS_output, "convert_mnist", "--output");
        const std::string& temp = output.temp();
        if (FLAGS_format == "lmdb") {
          {
            strata::LmdbWriter writer(temp);
            strata::Datum datum;
            datum.set_channels(1);
            datum.set_height(h);
            datum.set_width(w);
            const size_t pixels = static_cast<size_t>(h) * w;
            char key[16];
            std::string value;
            for (int i = 0; i < n; ++i) {
              datum.set_data(images.values.data() + i * pixels, pixels);
              datum.set_label(labels.values[i]);
              std::snprintf(key, sizeof(key), "%08d", i);
              datum.SerializeToString(&value);
              writer.Put(key, value);
            }
          }
          output.Commit();
          std::cout << "Wrote " << n << " examples of " << h << "x" << w << " to LMDB "
                    << FLAGS_output << "\n";
          return 0;
        }
        const std::string list = FLAGS_list_file.empty() ? FLAGS_output + ".txt" : FLAGS_list_file;
        const std::string list_text = std::filesystem::path(FLAGS_output).filename().string() + "\n";
        // A list file is rewritten only when it already says exactly this.
        if (std::filesystem::exists(list) && strata::ReadFileToString(list) != list_text) {
          throw strata::IoError(list + ": exists with other contents; convert_mnist does not "
                                       "overwrite it (give --list_file=... or remove it)");
        }
        std::vector<float> data(images.values.size());
        for (size_t i = 0; i < data.size(); ++i) data[i] = images.values[i] / 256.f;
        std::vector<float> label(labels.values.begin(), labels.values.end());

        {
          strata::Hdf5File file(temp, strata::Hdf5File::Mode::kTruncate);
          file.Write("data", {n, 1, h, w}, data.data());
          file.Write("label", {n}, label.data());
          file.Flush();
        }
        output.Commit();
        strata::WriteFileAtomically(list, list_text);
        std::cout << "Wrote " << n << " examples of " << h << "x" << w << " to " << FLAGS_output
                  << " (list file " << list << ")\n";
        return 0;
      });
}
