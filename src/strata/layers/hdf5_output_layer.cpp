#include "strata/layers/hdf5_output_layer.hpp"

#include "strata/errors.hpp"
#include "strata/hdf5.hpp"
#include "strata/io.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

void HDF5OutputLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/,
                                 const std::vector<Blob*>& /*top*/) {
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

void HDF5OutputLayer::ForwardCpu(const std::vector<Blob*>& bottom,
                                 const std::vector<Blob*>& /*top*/) {
  const std::string& path = layer_param_.hdf5_output_param().file_name();
  const std::vector<int> data_item(bottom[0]->shape().begin() + 1, bottom[0]->shape().end());
  const std::vector<int> label_item(bottom[1]->shape().begin() + 1, bottom[1]->shape().end());
  if (!created_) {
    // The file starts empty and complete, written aside and renamed over the
    // name (Caffe, too, replaces the file of an earlier run).
    const std::string temp = path + TempSuffix();
    {
      Hdf5File file(temp, Hdf5File::Mode::kTruncate);
      file.CreateExtendible("data", data_item);
      file.CreateExtendible("label", label_item);
      file.Flush();
    }
    CommitFile(temp, path);
    data_item_ = data_item;
    label_item_ = label_item;
    created_ = true;
  } else if (data_item != data_item_ || label_item != label_item_) {
    throw ShapeError("the item shape changed between forward passes: data " +
                     bottom[0]->shape_string() + ", label " + bottom[1]->shape_string() +
                     " after items of " + ShapeString(data_item_) + " and " +
                     ShapeString(label_item_));
  }
  // Each pass appends its rows and closes the file, so the time per pass does
  // not grow with the file and other programs can read it between passes.
  Hdf5File file(path, Hdf5File::Mode::kAppend);
  file.Append("data", bottom[0]->shape(0), bottom[0]->data());
  file.Append("label", bottom[1]->shape(0), bottom[1]->data());
  file.Flush();
}

STRATA_REGISTER_LAYER(HDF5Output);

}  // namespace strata
