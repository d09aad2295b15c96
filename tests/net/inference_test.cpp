// The C++ inference API as a user drives it: a deploy net from a file, weights
// told apart by content, inputs filled by name, outputs read by name, batch
// size changed without rebuilding, activation memory reused, and many threads
// serving one copy of the weights.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "strata/errors.hpp"
#include "strata/hdf5.hpp"
#include "strata/net.hpp"
#include "support/test_util.hpp"

namespace strata {
namespace {

const std::string& kFixtures = testing::kCaffeFixtures;

class InferenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kFixtures)) {
      GTEST_FAIL() << kFixtures << " is missing (run from the repository root, which holds it)";
    }
  }
  static std::string Fixture(const std::string& name) { return kFixtures + "/" + name; }

  // The first `n` reference images (100 x 1 x 28 x 28, already scaled).
  static std::unique_ptr<Blob> ReferenceImages() {
    Hdf5File file(Fixture("lenet_fashion_reference.h5"), Hdf5File::Mode::kRead);
    auto images = std::make_unique<Blob>();
    file.Read("data", images.get());
    return images;
  }

  // Forwards `count` images starting at `first` through `net`'s one input.
  static std::vector<float> Classify(Net* net, const Blob& images, int first, int count,
                                     const std::string& output = "prob") {
    Blob* input = net->blob_by_name("data");
    const int per_image = images.count(1);
    if (input->shape(0) != count) {
      input->Reshape({count, images.shape(1), images.shape(2), images.shape(3)});
      net->Reshape();
    }
    std::copy(images.data() + first * per_image, images.data() + (first + count) * per_image,
              input->mutable_data());
    net->Forward();
    const Blob* out = net->blob_by_name(output);
    return std::vector<float>(out->data(), out->data() + out->count());
  }
};

TEST_F(InferenceTest, WeightsAreToldApartByContentNotByName) {
  const std::string dir = testing::MakeTempDir("inference_weights");
  std::filesystem::copy_file(Fixture("lenet_fashion_iter_10000.caffemodel"), dir + "/a.weights",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(Fixture("lenet_fashion_iter_10000.caffemodel.h5"), dir + "/b.weights",
                             std::filesystem::copy_options::overwrite_existing);
  auto images = ReferenceImages();
  Hdf5File reference(Fixture("lenet_fashion_reference.h5"), Hdf5File::Mode::kRead);
  Blob expected;
  reference.Read("prob", &expected);
  for (const char* weights : {"/a.weights", "/b.weights"}) {
    Net net(Fixture("lenet_deploy.prototxt"), TEST);
    net.CopyTrainedLayersFrom(dir + weights);
    const std::vector<float> prob = Classify(&net, *images, 0, 100);
    ASSERT_EQ(prob.size(), static_cast<size_t>(expected.count()));
    for (size_t i = 0; i < prob.size(); ++i) {
      ASSERT_NEAR(prob[i], expected.data()[i], 1e-4) << weights << " element " << i;
    }
  }
}

TEST_F(InferenceTest, BatchSizeChangesWithoutRebuilding) {
  auto images = ReferenceImages();
  Net net(Fixture("lenet_deploy.prototxt"), TEST);
  net.CopyTrainedLayersFrom(Fixture("lenet_fashion_iter_10000.caffemodel"));
  const std::vector<float> all = Classify(&net, *images, 0, 100);
  // Smaller, then larger than any batch before, then one image at a time.
  for (int batch : {7, 100, 1}) {
    for (int first = 0; first + batch <= 100; first += batch * 3 + 1) {
      const std::vector<float> part = Classify(&net, *images, first, batch);
      ASSERT_EQ(part.size(), static_cast<size_t>(batch * 10));
      for (int i = 0; i < batch * 10; ++i) {
        ASSERT_NEAR(part[i], all[first * 10 + i], 1e-6) << "batch " << batch << " first " << first;
      }
    }
  }
  EXPECT_EQ(net.blob_by_name("prob")->shape(0), 1);
}

TEST_F(InferenceTest, ReusedActivationMemoryGivesTheSameOutputsInLess) {
  auto images = ReferenceImages();
  NetOptions keep_all;
  keep_all.reuse_activations = false;
  Net full(Fixture("lenet_deploy.prototxt"), TEST, keep_all);
  Net lean(Fixture("lenet_deploy.prototxt"), TEST);
  for (Net* net : {&full, &lean}) {
    net->CopyTrainedLayersFrom(Fixture("lenet_fashion_iter_10000.caffemodel"));
  }
  EXPECT_FALSE(full.reuses_activations());
  EXPECT_TRUE(lean.reuses_activations());
  for (int pass = 0; pass < 2; ++pass) {  // the second pass starts from stale buffers
    const int first = pass * 36;
    EXPECT_EQ(Classify(&full, *images, first, 64), Classify(&lean, *images, first, 64));
  }
  // LeNet at batch 64: data, conv1, pool1, conv2, pool2, ip1 (relu in place), ip2, prob.
  // The most alive at once is conv1 with pool1 (while pool1 runs); the input
  // and the output keep their own. Everything else fits in those two buffers.
  const size_t optimal = (64 * 784 + 64 * 20 * 24 * 24 + 64 * 20 * 12 * 12 + 64 * 10) * 4;
  EXPECT_EQ(lean.activation_bytes(), optimal);
  EXPECT_LT(lean.activation_bytes(), full.activation_bytes() * 4 / 5);
  // Nothing allocated a gradient.
  size_t data_floats = 0;
  for (const auto& name : full.blob_names()) data_floats += full.blob_by_name(name)->count();
  EXPECT_EQ(full.activation_bytes(), data_floats * sizeof(float));
}

TEST_F(InferenceTest, ReusedBlobsAreGuardedAndKeepBlobsExemptsThem) {
  auto images = ReferenceImages();
  Net lean(Fixture("lenet_deploy.prototxt"), TEST);
  try {
    lean.blob_by_name("conv1");
    FAIL() << "a reused blob was handed out";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("keep_blobs"), std::string::npos) << e.what();
  }
  EXPECT_THROW(lean.Backward(), ConfigError);

  NetOptions keep;
  keep.keep_blobs = {"pool2"};
  Net kept(Fixture("lenet_deploy.prototxt"), TEST, keep);
  NetOptions keep_all;
  keep_all.reuse_activations = false;
  Net full(Fixture("lenet_deploy.prototxt"), TEST, keep_all);
  for (Net* net : {&kept, &full}) {
    net->CopyTrainedLayersFrom(Fixture("lenet_fashion_iter_10000.caffemodel"));
    Classify(net, *images, 0, 64);
  }
  const Blob* a = kept.blob_by_name("pool2");
  const Blob* b = full.blob_by_name("pool2");
  ASSERT_EQ(a->shape(), b->shape());
  EXPECT_TRUE(std::equal(a->data(), a->data() + a->count(), b->data()));

  NetOptions unknown;
  unknown.keep_blobs = {"no_such_blob"};
  EXPECT_THROW(Net(Fixture("lenet_deploy.prototxt"), TEST, unknown), ConfigError);
}

TEST_F(InferenceTest, ReuseReproducesCaffeOnTheLayerCoverageNet) {
  // 31 layer types, in-place layers, Flatten aliasing, Concat/Slice fan-in and
  // fan-out: the outputs must not depend on which buffers were handed on.
  Hdf5File reference(Fixture("coverage_reference.h5"), Hdf5File::Mode::kRead);
  Blob input, expected;
  reference.Read("data", &input);
  reference.Read("prob", &expected);
  Net net(Fixture("coverage_deploy.prototxt"), TEST);
  ASSERT_TRUE(net.reuses_activations());
  net.CopyTrainedLayersFrom(Fixture("coverage_iter_30.caffemodel"));
  for (int pass = 0; pass < 2; ++pass) {
    net.input_blobs()[0]->CopyFrom(input);
    net.Forward();
    const Blob* prob = net.output_blobs()[0];
    ASSERT_EQ(prob->count(), expected.count());
    for (int i = 0; i < prob->count(); ++i) {
      ASSERT_NEAR(prob->data()[i], expected.data()[i], 1e-4) << "pass " << pass << " element " << i;
    }
  }
}

TEST_F(InferenceTest, EightThreadsServeOneCopyOfTheWeights) {
  auto images = ReferenceImages();
  Net master(Fixture("lenet_deploy.prototxt"), TEST);
  master.CopyTrainedLayersFrom(Fixture("lenet_fashion_iter_10000.caffemodel"));
  // Single-threaded answers for every image, one at a time.
  std::vector<std::vector<float>> expected(100);
  for (int i = 0; i < 100; ++i) expected[i] = Classify(&master, *images, i, 1);

  constexpr int kThreads = 8;
  std::vector<std::unique_ptr<Net>> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.push_back(std::make_unique<Net>(Fixture("lenet_deploy.prototxt"), TEST));
    workers.back()->ShareTrainedLayersWith(master);
    for (const char* layer : {"conv1", "conv2", "ip1", "ip2"}) {
      ASSERT_TRUE(workers.back()->layer_by_name(layer)->blobs()[0]->SharesDataWith(
          *master.layer_by_name(layer)->blobs()[0]))
          << layer;
    }
  }
  // Each thread serves every image several times, in its own order and batch size.
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const int batch = 1 + t % 4;
      for (int round = 0; round < 5; ++round) {
        for (int first = (t * 13) % 4; first + batch <= 100; first += batch) {
          const std::vector<float> prob = Classify(workers[t].get(), *images, first, batch);
          for (int i = 0; i < batch; ++i) {
            for (int c = 0; c < 10; ++c) {
              if (std::abs(prob[i * 10 + c] - expected[first + i][c]) > 1e-6f) ++mismatches[t];
            }
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace strata
