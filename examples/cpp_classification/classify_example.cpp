// Classifies Fashion-MNIST test images with a trained net through the C++ API.
//
//   classify_example deploy.prototxt weights.caffemodel t10k-images-idx3-ubyte.gz [count]
//
// Prints the most probable class of the first `count` images (default 10) and,
// to show a second thread serving the same weights, checks that a second Net
// sharing them gives identical answers.
#include <algorithm>
#include <iostream>
#include <strata/errors.hpp>
#include <strata/idx.hpp>
#include <strata/net.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

const char* kClasses[] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

// Feeds images [first, first + count) and returns the class of each.
std::vector<int> Classify(strata::Net& net, const strata::IdxArray& images, int first, int count) {
  strata::Blob* input = net.blob_by_name("data");
  const int pixels = images.dims[1] * images.dims[2];
  input->Reshape({count, 1, images.dims[1], images.dims[2]});
  net.Reshape();  // a new batch size, without rebuilding the net
  float* x = input->mutable_data();
  for (int i = 0; i < count * pixels; ++i) {
    x[i] = images.values[static_cast<size_t>(first) * pixels + i] / 256.f;  // as in training
  }
  net.Forward();
  const strata::Blob* prob = net.output_blobs()[0];
  const int classes = prob->count() / count;
  std::vector<int> result;
  for (int i = 0; i < count; ++i) {
    const float* row = prob->data() + i * classes;
    result.push_back(static_cast<int>(std::max_element(row, row + classes) - row));
  }
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: " << argv[0] << " deploy.prototxt weights images-idx3-ubyte.gz [count]\n";
    return 2;
  }
  try {
    const int count = argc > 4 ? std::stoi(argv[4]) : 10;
    strata::Net net(argv[1], strata::TEST);
    net.CopyTrainedLayersFrom(argv[2]);  // .caffemodel or .h5, told apart by content
    const strata::IdxArray images = strata::ReadIdxFile(argv[3]);
    if (images.dims.size() != 3 || count < 1 || count > images.dims[0]) {
      std::cerr << argv[3] << ": expected an N x H x W image file with at least " << count
                << " images\n";
      return 1;
    }
    const std::vector<int> classes = Classify(net, images, 0, count);

    // A second Net shares the first one's weights (no copy) and runs in another thread.
    strata::Net replica(argv[1], strata::TEST);
    replica.ShareTrainedLayersWith(net);
    std::vector<int> replica_classes;
    std::thread worker([&] { replica_classes = Classify(replica, images, 0, count); });
    worker.join();

    for (int i = 0; i < count; ++i) {
      std::cout << "image " << i << ": " << kClasses[classes[i] % 10] << " (class " << classes[i]
                << ")\n";
    }
    if (replica_classes != classes) {
      std::cerr << "the replica sharing the weights disagreed\n";
      return 1;
    }
    std::cout << "replica in a second thread agrees on all " << count << " images\n";
    return 0;
  } catch (const strata::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
