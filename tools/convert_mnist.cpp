// convert_mnist: IDX image and label files -> HDF5 for the HDF5Data layer.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <filesystem>
#include <iostream>

#include "strata/errors.hpp"
#include "strata/hdf5.hpp"
#include "strata/idx.hpp"
#include "strata/io.hpp"
#include "tool_main.hpp"

DEFINE_string(images, "", "IDX image file (e.g. train-images-idx3-ubyte.gz). Required.");
DEFINE_string(labels, "", "IDX label file (e.g. train-labels-idx1-ubyte.gz). Required.");
DEFINE_string(output, "", "HDF5 file to write (e.g. data/train.h5). Required.");
DEFINE_string(list_file, "",
              "List file for hdf5_data_param.source naming the output (default: OUTPUT.txt).");

int main(int argc, char** argv) {
  return strata::tools::RunTool(
      "convert_mnist",
      "converts MNIST-format (IDX) files to HDF5.\n"
      "Usage: convert_mnist --images=IMAGES.gz --labels=LABELS.gz --output=OUT.h5\n"
      "Writes datasets 'data' (N x 1 x H x W float32, pixels / 256, so in [0, 1)) and\n"
      "'label' (N float32), and a list file naming OUT.h5 for hdf5_data_param.source.\n"
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
        std::vector<float> data(images.values.size());
        for (size_t i = 0; i < data.size(); ++i) data[i] = images.values[i] / 256.f;
        std::vector<float> label(labels.values.begin(), labels.values.end());

        const std::filesystem::path output(FLAGS_output);
        if (output.has_parent_path()) std::filesystem::create_directories(output.parent_path());
        // Write to a temporary name and rename, so an interrupted run leaves no
        // half-written file that looks up to date.
        const std::string temp = FLAGS_output + ".partial";
        {
          strata::Hdf5File file(temp, strata::Hdf5File::Mode::kTruncate);
          file.Write("data", {n, 1, h, w}, data.data());
          file.Write("label", {n}, label.data());
        }
        std::filesystem::rename(temp, output);
        const std::string list = FLAGS_list_file.empty() ? FLAGS_output + ".txt" : FLAGS_list_file;
        strata::WriteFileAtomically(list, output.filename().string() + "\n");
        std::cout << "Wrote " << n << " examples of " << h << "x" << w << " to " << FLAGS_output
                  << " (list file " << list << ")\n";
        return 0;
      });
}
