// classify: top-k class names and probabilities for images, with a deploy net.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <filesystem>
#include <iostream>
#include <numeric>

#include "strata/errors.hpp"
#include "strata/idx.hpp"
#include "strata/io.hpp"
#include "strata/net.hpp"
#include "strata/pgm.hpp"
#include "tool_main.hpp"

DEFINE_string(model, "", "The deploy net (.prototxt) with an Input layer. Required.");
DEFINE_string(weights, "", "Trained weights (.caffemodel or .caffemodel.h5). Required.");
DEFINE_string(labels, "", "Class names, one per line, in class order. Required.");
DEFINE_int32(top_k, 5, "How many classes to print per image.");
DEFINE_double(scale, 0.00390625,
              "Pixel scale, as the training's transform_param (1/256 for the bundled models).");
DEFINE_double(mean, 0.0, "Value subtracted from each pixel before scaling.");
DEFINE_string(output, "", "The output blob to read (default: the net's first output).");

namespace {

struct Image {
  std::string name;
  strata::GrayImage pixels;
};

// A PGM file is one image; an IDX file of rank 3 (N x H x W) is N images,
// named file[i]; rank 2 is one image.
std::vector<Image> ReadImages(const std::string& path) {
  if (std::filesystem::is_directory(path)) {
    throw strata::IoError(path + ": is a folder; give image files (PGM or IDX)");
  }
  const std::string bytes = strata::ReadFileToString(path);
  if (bytes.size() >= 2 && bytes[0] == 'P' && (bytes[1] == '5' || bytes[1] == '2')) {
    return {{path, strata::ParsePgm(bytes, path)}};
  }
  // IDX starts with two zero bytes; gzip with 1f 8b. Anything else is named.
  const bool idx_magic = bytes.size() >= 4 && bytes[0] == 0 && bytes[1] == 0;
  const bool gzip = bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
                    static_cast<unsigned char>(bytes[1]) == 0x8b;
  if (!idx_magic && !gzip) {
    std::string kind = "neither a PGM nor an IDX file";
    if (bytes.size() >= 2 && bytes[0] == 'P' && (bytes[1] == '6' || bytes[1] == '3')) {
      kind = "a colour PPM image";
    } else if (bytes.compare(0, 4, "\x89PNG") == 0) {
      kind = "a PNG image";
    } else if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0xff &&
               static_cast<unsigned char>(bytes[1]) == 0xd8) {
      kind = "a JPEG image";
    } else if (bytes.empty()) {
      kind = "empty (0 bytes)";
    }
    throw strata::DataError(path + ": " + kind +
                            "; classify reads grey PGM images (P5, P2) and IDX files");
  }
  const strata::IdxArray idx = strata::ReadIdxFile(path);
  if (idx.dims.size() != 2 && idx.dims.size() != 3) {
    throw strata::DataError(path + ": an IDX file of images must have rank 2 (H x W) or 3 "
                            "(N x H x W), this one has rank " + std::to_string(idx.dims.size()));
  }
  const int n = idx.dims.size() == 3 ? idx.dims[0] : 1;
  const int h = idx.dims[idx.dims.size() - 2], w = idx.dims.back();
  std::vector<Image> images(n);
  for (int i = 0; i < n; ++i) {
    images[i].name = idx.dims.size() == 3 ? path + "[" + std::to_string(i) + "]" : path;
    images[i].pixels.height = h;
    images[i].pixels.width = w;
    const auto first = idx.values.begin() + static_cast<long>(i) * h * w;
    images[i].pixels.pixels.assign(first, first + static_cast<long>(h) * w);
  }
  return images;
}

std::vector<std::string> ReadLabels(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw strata::IoError(path + ": cannot open the labels file");
  std::vector<std::string> labels;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) labels.push_back(line);
  }
  if (labels.empty()) throw strata::DataError(path + ": the labels file is empty");
  return labels;
}

// Rows that are not already probabilities (a deploy net without Softmax) go through softmax.
void ToProbabilities(std::vector<float>* row) {
  const float sum = std::accumulate(row->begin(), row->end(), 0.f);
  const bool is_distribution = std::fabs(sum - 1.f) < 1e-3f &&
                               *std::min_element(row->begin(), row->end()) >= 0.f;
  if (is_distribution) return;
  const float top = *std::max_element(row->begin(), row->end());
  float total = 0.f;
  for (float& v : *row) total += v = std::exp(v - top);
  for (float& v : *row) v /= total;
}

}  // namespace

int main(int argc, char** argv) {
  return strata::tools::RunTool(
      "classify",
      "classifies images with a trained net.\n"
      "Usage: classify --model=deploy.prototxt --weights=w.caffemodel --labels=labels.txt "
      "IMAGE...\n"
      "Each IMAGE is a PGM file (one image) or an IDX file of images (e.g. Fashion-MNIST's\n"
      "t10k-images-idx3-ubyte.gz). Images must have the net input's height and width. Prints\n"
      "the --top_k most probable classes of each image with their probabilities.",
      argc, argv, [](int argc, char** argv) {
        if (FLAGS_model.empty()) throw strata::tools::UsageError{"--model is required"};
        if (FLAGS_weights.empty()) throw strata::tools::UsageError{"--weights is required"};
        if (FLAGS_labels.empty()) throw strata::tools::UsageError{"--labels is required"};
        if (FLAGS_top_k < 1) throw strata::tools::UsageError{"--top_k must be >= 1"};
        if (!std::isfinite(FLAGS_scale) || !std::isfinite(FLAGS_mean)) {
          throw strata::tools::UsageError{"--scale and --mean must be finite numbers"};
        }
        if (argc < 2) throw strata::tools::UsageError{"give at least one image file"};
        const std::vector<std::string> labels = ReadLabels(FLAGS_labels);

        strata::NetOptions options;
        if (!FLAGS_output.empty()) options.keep_blobs.push_back(FLAGS_output);
        std::unique_ptr<strata::Net> built;
        try {
          built = std::make_unique<strata::Net>(FLAGS_model, strata::TEST, options);
        } catch (const strata::ConfigError& e) {
          if (!FLAGS_output.empty() &&
              std::string(e.what()).find("'" + FLAGS_output + "'") != std::string::npos) {
            throw strata::ConfigError(FLAGS_model + ": --output=" + FLAGS_output +
                                      " names no blob of the net");
          }
          throw;
        }
        strata::Net& net = *built;
        net.CopyTrainedLayersFrom(FLAGS_weights);
        if (net.input_blobs().size() != 1) {
          throw strata::ConfigError(FLAGS_model + ": classify needs a net with exactly one "
                                    "Input top, this one has " +
                                    std::to_string(net.input_blobs().size()));
        }
        strata::Blob* input = net.input_blobs()[0];
        if (input->num_axes() != 4 || input->shape(1) != 1) {
          throw strata::ShapeError(FLAGS_model + ": the input blob has shape " +
                                   input->shape_string() +
                                   "; classify feeds grayscale images, N x 1 x H x W");
        }
        const int batch = std::max(input->shape(0), 1);
        const int height = input->shape(2), width = input->shape(3);
        const strata::Blob* output = FLAGS_output.empty() ? net.output_blobs().at(0)
                                                           : net.blob_by_name(FLAGS_output);

        std::vector<Image> images;
        for (int i = 1; i < argc; ++i) {
          for (auto& image : ReadImages(argv[i])) {
            if (image.pixels.height != height || image.pixels.width != width) {
              throw strata::ShapeError(image.name + ": the image is " +
                                       std::to_string(image.pixels.height) + "x" +
                                       std::to_string(image.pixels.width) +
                                       " but the net's input is " + input->shape_string());
            }
            images.push_back(std::move(image));
          }
        }
        LOG(INFO) << "Classifying " << images.size() << " images in batches of " << batch;
        const int k = std::min<int>(FLAGS_top_k, static_cast<int>(labels.size()));
        for (size_t start = 0; start < images.size(); start += batch) {
          const int n = static_cast<int>(std::min<size_t>(batch, images.size() - start));
          if (input->shape(0) != n) {
            input->Reshape({n, 1, height, width});
            net.Reshape();
          }
          float* x = input->mutable_data();
          for (int i = 0; i < n; ++i) {
            const auto& pixels = images[start + i].pixels.pixels;
            for (size_t p = 0; p < pixels.size(); ++p) {
              *x++ = static_cast<float>((pixels[p] - FLAGS_mean) * FLAGS_scale);
            }
          }
          net.Forward();
          const int classes = output->count() / n;
          if (classes != static_cast<int>(labels.size())) {
            throw strata::ConfigError(FLAGS_labels + " has " + std::to_string(labels.size()) +
                                      " class names but the net's output has " +
                                      std::to_string(classes) + " classes");
          }
          for (int i = 0; i < n; ++i) {
            std::vector<float> row(output->data() + i * classes,
                                   output->data() + (i + 1) * classes);
            ToProbabilities(&row);
            std::vector<int> order(classes);
            std::iota(order.begin(), order.end(), 0);
            std::partial_sort(order.begin(), order.begin() + k, order.end(),
                              [&](int a, int b) { return row[a] > row[b]; });
            std::cout << images[start + i].name << "\n";
            for (int r = 0; r < k; ++r) {
              std::printf("  %.4f  %d  \"%s\"\n", row[order[r]], order[r],
                          labels[order[r]].c_str());
            }
          }
          std::fflush(stdout);
        }
        return 0;
      });
}
