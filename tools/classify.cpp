// classify: top-k class names and probabilities for images, with a deploy net.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <numeric>
#include <optional>

#include "blob.pb.h"
#include "strata/errors.hpp"
#include "strata/idx.hpp"
#include "strata/image.hpp"
#include "strata/image_mean.hpp"
#include "strata/io.hpp"
#include "strata/net.hpp"
#include "strata/pgm.hpp"
#include "strata/thread_pool.hpp"
#include "tool_main.hpp"

DEFINE_string(model, "", "The deploy net (.prototxt) with an Input layer. Required.");
DEFINE_string(weights, "", "Trained weights (.caffemodel or .caffemodel.h5). Required.");
DEFINE_string(labels, "", "Class names, one per line, in class order. Required.");
DEFINE_int32(top_k, 5, "How many classes to print per image.");
DEFINE_double(scale, 0.00390625,
              "Pixel scale, as the training's transform_param (1/256 for the bundled models; "
              "1 for Caffe's cpp_classification).");
DEFINE_double(mean, 0.0, "One value subtracted from every pixel before scaling.");
DEFINE_string(mean_value, "",
              "Values subtracted before scaling: one, or one per channel (B,G,R), as "
              "transform_param mean_value.");
DEFINE_string(mean_file, "",
              "A mean image (.binaryproto, e.g. from compute_image_mean); each channel's mean "
              "is subtracted, as Caffe's cpp_classification does.");
DEFINE_string(output, "", "The output blob to read (default: the net's first output).");
DEFINE_int32(batch_size, 0, "Images per forward pass (default: the Input's first dimension).");

namespace {

// An image to classify: PGM and IDX pixels are read up front; other files
// (JPEG, PNG, ...) are decoded when their batch comes.
struct Entry {
  std::string name;
  std::optional<strata::Image> pixels;
};

strata::Image GrayToImage(strata::GrayImage gray) {
  strata::Image image;
  image.channels = 1;
  image.height = gray.height;
  image.width = gray.width;
  image.pixels = std::move(gray.pixels);
  return image;
}

bool IsIdx(const std::string& bytes) {
  const bool idx_magic = bytes.size() >= 4 && bytes[0] == 0 && bytes[1] == 0;
  const bool gzip = bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
                    static_cast<unsigned char>(bytes[1]) == 0x8b;
  return idx_magic || gzip;
}

// A PGM file is one image; an IDX file of rank 3 (N x H x W) is N images,
// named file[i], rank 2 one image; any other file is decoded by OpenCV later.
void AddImages(const std::string& path, std::vector<Entry>* entries) {
  if (std::filesystem::is_directory(path)) {
    throw strata::IoError(path + ": is a folder; give image files");
  }
  // The first bytes say the format; encoded images are read when their batch comes.
  std::string bytes(4, '\0');
  std::ifstream file(path, std::ios::binary);
  if (!file) strata::ReadFileToString(path);  // throws the usual IoError
  bytes.resize(static_cast<size_t>(file.read(&bytes[0], 4).gcount()));
  if (bytes.empty()) throw strata::DataError(path + ": the image is empty (0 bytes)");
  if (bytes.size() >= 2 && bytes[0] == 'P' && (bytes[1] == '5' || bytes[1] == '2')) {
    entries->push_back({path, GrayToImage(strata::ParsePgm(strata::ReadFileToString(path), path))});
    return;
  }
  if (!IsIdx(bytes)) {
    entries->push_back({path, std::nullopt});
    return;
  }
  const strata::IdxArray idx = strata::ReadIdxFile(path);
  if (idx.dims.size() != 2 && idx.dims.size() != 3) {
    throw strata::DataError(path +
                            ": an IDX file of images must have rank 2 (H x W) or 3 "
                            "(N x H x W), this one has rank " +
                            std::to_string(idx.dims.size()));
  }
  const int n = idx.dims.size() == 3 ? idx.dims[0] : 1;
  const int h = idx.dims[idx.dims.size() - 2], w = idx.dims.back();
  for (int i = 0; i < n; ++i) {
    strata::GrayImage gray;
    gray.height = h;
    gray.width = w;
    const auto first = idx.values.begin() + static_cast<long>(i) * h * w;
    gray.pixels.assign(first, first + static_cast<long>(h) * w);
    entries->push_back({idx.dims.size() == 3 ? path + "[" + std::to_string(i) + "]" : path,
                        GrayToImage(std::move(gray))});
  }
}

// The value subtracted from each channel, from whichever mean flag is given.
std::vector<float> ChannelMeanValues(int channels) {
  const int given = !FLAGS_mean_file.empty() + !FLAGS_mean_value.empty() + (FLAGS_mean != 0.0);
  if (given > 1) {
    throw strata::tools::UsageError{"give one of --mean_file, --mean_value and --mean"};
  }
  if (!FLAGS_mean_file.empty()) {
    strata::BlobProto proto;
    strata::ReadProtoFromBinaryFile(FLAGS_mean_file, &proto);
    const std::vector<double> means = strata::ChannelMeans(proto, FLAGS_mean_file);
    if (static_cast<int>(means.size()) != channels) {
      throw strata::ShapeError(FLAGS_mean_file + ": the mean image has " +
                               std::to_string(means.size()) + " channels, the net's input " +
                               std::to_string(channels));
    }
    return std::vector<float>(means.begin(), means.end());
  }
  std::vector<float> values;
  const std::vector<std::string> texts = FLAGS_mean_value.empty()
                                             ? std::vector<std::string>{}
                                             : strata::tools::SplitList(FLAGS_mean_value);
  for (const std::string& text : texts) {
    char* end = nullptr;
    const float v = std::strtof(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0' || !std::isfinite(v)) {
      throw strata::tools::UsageError{"--mean_value: '" + text + "' is not a finite number"};
    }
    values.push_back(v);
  }
  if (values.empty()) values.push_back(static_cast<float>(FLAGS_mean));
  if (values.size() == 1) values.assign(channels, values[0]);
  if (static_cast<int>(values.size()) != channels) {
    throw strata::tools::UsageError{"--mean_value has " + std::to_string(values.size()) +
                                    " values; give one or one per channel (" +
                                    std::to_string(channels) + ")"};
  }
  return values;
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
  const bool is_distribution =
      std::fabs(sum - 1.f) < 1e-3f && *std::min_element(row->begin(), row->end()) >= 0.f;
  if (is_distribution) return;
  const float top = *std::max_element(row->begin(), row->end());
  float total = 0.f;
  for (float& v : *row) total += v = std::exp(v - top);
  for (float& v : *row) v /= total;
}

// Fills the input with images [start, start + n) of `entries`, decoded in parallel.
void FillBatch(const std::vector<Entry>& entries, size_t start, int n,
               const std::vector<float>& mean, strata::Blob* input) {
  const int channels = input->shape(1), height = input->shape(2), width = input->shape(3);
  const size_t image_size = static_cast<size_t>(channels) * height * width;
  const size_t plane = static_cast<size_t>(height) * width;
  const float scale = static_cast<float>(FLAGS_scale);
  float* data = input->mutable_data();
  strata::ParallelFor(n, 1, [&](int, int begin, int end) {
    for (int i = begin; i < end; ++i) {
      const Entry& entry = entries[start + i];
      const strata::Image image =
          entry.pixels ? strata::PrepareForNet(*entry.pixels, entry.name, channels, height, width)
                       : strata::DecodeImageForNet(strata::ReadFileToString(entry.name), entry.name,
                                                   channels, height, width);
      float* x = data + i * image_size;
      for (size_t p = 0; p < image_size; ++p) {
        x[p] = (static_cast<float>(image.pixels[p]) - mean[p / plane]) * scale;
      }
    }
  });
}

void PrintTopK(const std::string& name, std::vector<float> row,
               const std::vector<std::string>& labels) {
  ToProbabilities(&row);
  const int k = std::min<int>(FLAGS_top_k, static_cast<int>(row.size()));
  std::vector<int> order(row.size());
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [&](int a, int b) { return row[a] > row[b]; });
  std::cout << name << "\n";
  for (int r = 0; r < k; ++r) {
    std::printf("  %.4f  %d  \"%s\"\n", row[order[r]], order[r], labels[order[r]].c_str());
  }
}

std::unique_ptr<strata::Net> LoadNet() {
  strata::NetOptions options;
  if (!FLAGS_output.empty()) options.keep_blobs.push_back(FLAGS_output);
  std::unique_ptr<strata::Net> net;
  try {
    net = std::make_unique<strata::Net>(FLAGS_model, strata::TEST, options);
  } catch (const strata::ConfigError& e) {
    if (!FLAGS_output.empty() &&
        std::string(e.what()).find("'" + FLAGS_output + "'") != std::string::npos) {
      throw strata::ConfigError(FLAGS_model + ": --output=" + FLAGS_output +
                                " names no blob of the net");
    }
    throw;
  }
  net->CopyTrainedLayersFrom(FLAGS_weights);
  if (net->input_blobs().size() != 1) {
    throw strata::ConfigError(FLAGS_model +
                              ": classify needs a net with exactly one Input top, "
                              "this one has " +
                              std::to_string(net->input_blobs().size()));
  }
  const strata::Blob* input = net->input_blobs()[0];
  if (input->num_axes() != 4 || (input->shape(1) != 1 && input->shape(1) != 3)) {
    throw strata::ShapeError(FLAGS_model + ": the input blob has shape " + input->shape_string() +
                             "; classify feeds images, N x 1 x H x W (grey) or N x 3 x H x W "
                             "(BGR)");
  }
  return net;
}

}  // namespace

int main(int argc, char** argv) {
  return strata::tools::RunTool(
      "classify",
      "classifies images with a trained net.\n"
      "Usage: classify --model=deploy.prototxt --weights=w.caffemodel --labels=labels.txt "
      "IMAGE...\n"
      "Each IMAGE is a JPEG, PNG or other file OpenCV reads, a PGM file, or an IDX file of\n"
      "images (e.g. Fashion-MNIST's t10k-images-idx3-ubyte.gz). Each image is converted to the\n"
      "net input's channels (grey or BGR) and resized to its height and width, as Caffe's\n"
      "cpp_classification example does, then fed as (pixel - mean) * --scale. Prints the\n"
      "--top_k most probable classes of each image with their probabilities.",
      argc, argv, [](int argc, char** argv) {
        if (FLAGS_model.empty()) throw strata::tools::UsageError{"--model is required"};
        if (FLAGS_weights.empty()) throw strata::tools::UsageError{"--weights is required"};
        if (FLAGS_labels.empty()) throw strata::tools::UsageError{"--labels is required"};
        if (FLAGS_top_k < 1) throw strata::tools::UsageError{"--top_k must be >= 1"};
        if (FLAGS_batch_size < 0) throw strata::tools::UsageError{"--batch_size must be >= 0"};
        if (!std::isfinite(FLAGS_scale) || !std::isfinite(FLAGS_mean)) {
          throw strata::tools::UsageError{"--scale and --mean must be finite numbers"};
        }
        if (argc < 2) throw strata::tools::UsageError{"give at least one image file"};
        const std::vector<std::string> labels = ReadLabels(FLAGS_labels);
        std::unique_ptr<strata::Net> net = LoadNet();
        strata::Blob* input = net->input_blobs()[0];
        const std::vector<float> mean = ChannelMeanValues(input->shape(1));
        const strata::Blob* output =
            FLAGS_output.empty() ? net->output_blobs().at(0) : net->blob_by_name(FLAGS_output);
        std::vector<Entry> entries;
        for (int i = 1; i < argc; ++i) AddImages(argv[i], &entries);

        const int batch = FLAGS_batch_size > 0 ? FLAGS_batch_size : std::max(input->shape(0), 1);
        LOG(INFO) << "Classifying " << entries.size() << " images in batches of " << batch;
        for (size_t start = 0; start < entries.size(); start += batch) {
          const int n = static_cast<int>(std::min<size_t>(batch, entries.size() - start));
          if (input->shape(0) != n) {
            input->Reshape({n, input->shape(1), input->shape(2), input->shape(3)});
            net->Reshape();
          }
          FillBatch(entries, start, n, mean, input);
          net->Forward();
          const int classes = output->count() / n;
          if (classes != static_cast<int>(labels.size())) {
            throw strata::ConfigError(FLAGS_labels + " has " + std::to_string(labels.size()) +
                                      " class names but the net's output has " +
                                      std::to_string(classes) + " classes");
          }
          for (int i = 0; i < n; ++i) {
            PrintTopK(entries[start + i].name,
                      std::vector<float>(output->data() + i * classes,
                                         output->data() + (i + 1) * classes),
                      labels);
          }
          std::fflush(stdout);
        }
        return 0;
      });
}
