#include "strata/layers/hdf5_output_layer.hpp"

#include <unistd.h>

#include "strata/errors.hpp"
#include "strata/hdf5.hpp"
#include "strata/io.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

void HDF5OutputLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/, const std::vector<Blob*>& /*top*/) {
  if (layer_param_.hdf5_output_param().file_name().empty()) {
    throw ConfigError("hdf5_output_param.file_name is not set");
  }
}

void HDF5OutputLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& /*top*/) {
  if (bottom[0]->num_axes() == 0 || bottom[1]->num_axes() == 0 ||
      bottom[0]->shape(0) != bottom[1]->shape(0)) {
    throw ShapeError("data " + bottom[0]->shape_string() + " and label " +
                     bottom[1]->shape_string() + " must have the same first axis");
  }
}

void HDF5OutputLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& /*top*/) {
  auto append = [](const Blob& blob, std::vector<float>* values, std::vector<int>* shape) {
    if (shape->empty()) {
      *shape = blob.shape();
      (*shape)[0] = 0;
    } else if (std::vector<int>(shape->begin() + 1, shape->end()) !=
               std::vector<int>(blob.shape().begin() + 1, blob.shape().end())) {
      throw ShapeError("the item shape changed between forward passes: " + blob.shape_string());
    }
    values->insert(values->end(), blob.data(), blob.data() + blob.count());
    (*shape)[0] += blob.shape(0);
  };
  append(*bottom[0], &data_, &data_shape_);
  append(*bottom[1], &labels_, &label_shape_);
  const std::string& path = layer_param_.hdf5_output_param().file_name();
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  {
    Hdf5File file(temp, Hdf5File::Mode::kTruncate);
    file.Write("data", data_shape_, data_.data());
    file.Write("label", label_shape_, labels_.data());
    file.Flush();
  }
  CommitFile(temp, path);
}

STRATA_REGISTER_LAYER(HDF5Output);

}  // namespace strata
