// Small helpers shared by the tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "net.pb.h"
#include "strata/blob.hpp"
#include "strata/conv/conv_algorithm.hpp"
#include "strata/layer.hpp"
#include "strata/packed_gemm.hpp"
#include "strata/thread_pool.hpp"

namespace strata {
class Net;
}

namespace strata::testing {

// Process-wide settings a test changes, put back when the scope ends, also
// when an assertion leaves the test early.
class ScopedThreads {
 public:
  ScopedThreads() : saved_(NumThreads()) {}
  ~ScopedThreads() { SetNumThreads(saved_); }
  int saved() const { return saved_; }

 private:
  int saved_;
};

class ScopedGemmIsa {
 public:
  ScopedGemmIsa() : saved_(math::GemmIsa()) {}
  ~ScopedGemmIsa() { math::SetGemmIsa(saved_); }
  math::Isa saved() const { return saved_; }

 private:
  math::Isa saved_;
};

// Forces every convolution reshaped in the scope onto `algorithm` where it applies.
class ScopedConvAlgorithm {
 public:
  explicit ScopedConvAlgorithm(ConvAlgorithm algorithm) : saved_(ConvAlgorithmOverride()) {
    SetConvAlgorithmOverride(algorithm);
  }
  ~ScopedConvAlgorithm() { SetConvAlgorithmOverride(saved_); }

 private:
  ConvAlgorithm saved_;
};

// One forward and backward pass of the convolution layer `layer_text`
// (weights seeded 3) under `algorithm`, on an N(0, 1) input of `shape` (seed
// 17) whose gradient holds 7s beforehand (the pass must overwrite them), with
// a uniform output gradient (seed 5): the output, the weight gradient, the
// input gradient and (where the layer has one) the bias gradient, one after
// another. `used` receives the algorithm that ran.
std::vector<float> ConvPassResults(const std::string& layer_text, const std::vector<int>& shape,
                                   ConvAlgorithm algorithm, std::string* used);

// Files made by the real Caffe 1.0 (see its README), relative to the
// repository root, where the tests run. A missing one fails its test.
inline const std::string kCaffeFixtures = "tests/fixtures/caffe";

// Parses a LayerParameter / NetParameter from text (test input must be valid).
LayerParameter ParseLayer(const std::string& text);
NetParameter ParseNet(const std::string& text);

// After a backward pass: the first input's gradient, then every parameter
// blob's data and gradient, layer by layer (to compare two nets' training).
std::vector<std::vector<float>> InputDiffAndParams(const Net& net);
// A layer from its text definition, through the registry.
std::unique_ptr<Layer> MakeLayer(const std::string& text);

// Blob filled with N(0, stddev) from `seed`.
std::unique_ptr<Blob> GaussianBlob(const std::vector<int>& shape, uint64_t seed,
                                   float stddev = 1.f);
// A 2-axis blob holding `rows` (all of one length), e.g. a recurrent layer's
// cont (time steps x streams).
std::unique_ptr<Blob> BlobFromRows(const std::vector<std::vector<float>>& rows);
// n values drawn uniformly from [-1, 1) with `seed` (same seed, same values).
std::vector<float> UniformVector(size_t n, unsigned seed);
// Blob holding `values` (count must match the shape).
std::unique_ptr<Blob> BlobOf(const std::vector<int>& shape, const std::vector<float>& values);

// Writes an HDF5 file of `rows` examples for HDF5Data: dataset "data" (rows x
// dims) drawn from N(mean, stddev), mean = separation on dimension (row % classes)
// and 0 elsewhere, and dataset "label" = row % classes. Same seed, same file.
void WriteClusterHdf5(const std::string& path, int rows, int dims, int classes, float separation,
                      float stddev, uint64_t seed);

// A fresh folder under the system temp dir, removed by the caller if wanted.
std::string MakeTempDir(const std::string& name);
// Writes text to a file, returning its path.
std::string WriteTextFile(const std::string& path, const std::string& text);

// Pointers to the blobs, for Layer::SetUp/Forward.
std::vector<Blob*> Ptrs(const std::vector<std::unique_ptr<Blob>>& blobs);

}  // namespace strata::testing
