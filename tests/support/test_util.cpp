#include "support/test_util.hpp"

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

#include "strata/hdf5.hpp"
#include "strata/layer_registry.hpp"
#include "strata/net.hpp"
#include "strata/random.hpp"

namespace strata::testing {

LayerParameter ParseLayer(const std::string& text) {
  LayerParameter param;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &param)) << text;
  return param;
}

NetParameter ParseNet(const std::string& text) {
  NetParameter param;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &param)) << text;
  return param;
}

std::vector<std::vector<float>> InputDiffAndParams(const Net& net) {
  std::vector<std::vector<float>> results;
  const Blob& in = *net.input_blobs()[0];
  results.emplace_back(in.diff(), in.diff() + in.count());
  for (const auto& layer : net.layers()) {
    for (const auto& blob : layer->blobs()) {
      results.emplace_back(blob->data(), blob->data() + blob->count());
      results.emplace_back(blob->diff(), blob->diff() + blob->count());
    }
  }
  return results;
}

std::unique_ptr<Layer> MakeLayer(const std::string& text) {
  return LayerRegistry::Create(ParseLayer(text));
}

std::unique_ptr<Blob> GaussianBlob(const std::vector<int>& shape, uint64_t seed, float stddev) {
  auto blob = std::make_unique<Blob>(shape);
  Rng rng(seed);
  for (int i = 0; i < blob->count(); ++i) blob->mutable_data()[i] = rng.Gaussian(0.f, stddev);
  return blob;
}

std::unique_ptr<Blob> BlobFromRows(const std::vector<std::vector<float>>& rows) {
  auto blob = std::make_unique<Blob>(
      std::vector<int>{static_cast<int>(rows.size()), static_cast<int>(rows.at(0).size())});
  float* at = blob->mutable_data();
  for (const auto& row : rows) {
    if (row.size() != rows[0].size()) throw std::invalid_argument("BlobFromRows: ragged rows");
    at = std::copy(row.begin(), row.end(), at);
  }
  return blob;
}

std::vector<float> UniformVector(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

std::unique_ptr<Blob> BlobOf(const std::vector<int>& shape, const std::vector<float>& values) {
  auto blob = std::make_unique<Blob>(shape);
  EXPECT_EQ(blob->count(), static_cast<int>(values.size()));
  std::copy(values.begin(), values.end(), blob->mutable_data());
  return blob;
}

void WriteClusterHdf5(const std::string& path, int rows, int dims, int classes, float separation,
                      float stddev, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> data, label;
  for (int i = 0; i < rows; ++i) {
    for (int d = 0; d < dims; ++d) {
      data.push_back(rng.Gaussian(d == i % classes ? separation : 0.f, stddev));
    }
    label.push_back(static_cast<float>(i % classes));
  }
  Hdf5File file(path, Hdf5File::Mode::kTruncate);
  file.Write("data", {rows, dims}, data.data());
  file.Write("label", {rows}, label.data());
}

std::string MakeTempDir(const std::string& name) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("strata_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  return path.string();
}

std::string WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  return path;
}

std::vector<Blob*> Ptrs(const std::vector<std::unique_ptr<Blob>>& blobs) {
  std::vector<Blob*> ptrs;
  for (const auto& blob : blobs) ptrs.push_back(blob.get());
  return ptrs;
}

std::vector<float> ConvPassResults(const std::string& layer_text, const std::vector<int>& shape,
                                   ConvAlgorithm algorithm, std::string* used) {
  const ScopedConvAlgorithm forced(algorithm);
  auto layer = MakeLayer(layer_text);
  layer->Seed(3);
  auto x = GaussianBlob(shape, 17);
  std::fill_n(x->mutable_diff(), x->count(), 7.f);
  Blob y;
  layer->SetUp({x.get()}, {&y});
  layer->Forward({x.get()}, {&y});
  *used = layer->Algorithm();
  const std::vector<float> dy = UniformVector(y.count(), 5);
  std::copy(dy.begin(), dy.end(), y.mutable_diff());
  layer->Backward({&y}, {true}, {x.get()});
  std::vector<float> all(y.data(), y.data() + y.count());
  const Blob& w = *layer->blobs()[0];
  all.insert(all.end(), w.diff(), w.diff() + w.count());
  all.insert(all.end(), x->diff(), x->diff() + x->count());
  if (layer->blobs().size() > 1) {
    const Blob& bias = *layer->blobs()[1];
    all.insert(all.end(), bias.diff(), bias.diff() + bias.count());
  }
  return all;
}

}  // namespace strata::testing
