#include "strata/layers/hdf5_output_layer.hpp"

#include <glog/logging.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "strata/errors.hpp"
#include "strata/hdf5.hpp"
#include "strata/io.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

namespace {

[[noreturn]] void ThrowSystemError(const std::string& what, const std::string& path) {
  throw IoError(path + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

HDF5OutputLayer::~HDF5OutputLayer() {
  if (created_ && !in_place_) std::remove(spare_.c_str());
}

void HDF5OutputLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/,
                                 const std::vector<Blob*>& /*top*/) {
  path_ = layer_param_.hdf5_output_param().file_name();
  if (path_.empty()) throw ConfigError("hdf5_output_param.file_name is not set");
  spare_ = path_ + ".spare";
}

void HDF5OutputLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& /*top*/) {
  if (bottom[0]->num_axes() == 0 || bottom[1]->num_axes() == 0 ||
      bottom[0]->shape(0) != bottom[1]->shape(0)) {
    throw ShapeError("data " + bottom[0]->shape_string() + " and label " +
                     bottom[1]->shape_string() + " must have the same first axis");
  }
}

void HDF5OutputLayer::CheckItemShapes(const std::vector<Blob*>& bottom) {
  const std::vector<int> data_item(bottom[0]->shape().begin() + 1, bottom[0]->shape().end());
  const std::vector<int> label_item(bottom[1]->shape().begin() + 1, bottom[1]->shape().end());
  if (!created_) {
    data_item_ = data_item;
    label_item_ = label_item;
  } else if (data_item != data_item_ || label_item != label_item_) {
    throw ShapeError("the item shape changed between forward passes: data " +
                     bottom[0]->shape_string() + ", label " + bottom[1]->shape_string() +
                     " after items of " + ShapeString(data_item_) + " and " +
                     ShapeString(label_item_));
  }
}

void HDF5OutputLayer::CreateSpare() {
  Hdf5File file(spare_, Hdf5File::Mode::kTruncate);
  file.CreateExtendible("data", data_item_);
  file.CreateExtendible("label", label_item_);
  file.Flush();
}

bool HDF5OutputLayer::Swap(bool keep_old) {
  const std::string old = path_ + ".old";
  if (keep_old) {
    std::remove(old.c_str());  // a killed run's
    if (link(path_.c_str(), old.c_str()) != 0) return false;
  }
  if (std::rename(spare_.c_str(), path_.c_str()) != 0) {
    ThrowSystemError("cannot rename " + spare_ + " over it", path_);
  }
  if (keep_old && std::rename(old.c_str(), spare_.c_str()) != 0) {
    ThrowSystemError("cannot rename " + old + " to " + spare_, path_);
  }
  return true;
}

void HDF5OutputLayer::ForwardCpu(const std::vector<Blob*>& bottom,
                                 const std::vector<Blob*>& /*top*/) {
  CheckItemShapes(bottom);
  const int rows = bottom[0]->shape(0);
  const std::string& target = in_place_ ? path_ : spare_;
  // The first two passes start the spare afresh; later the spare holds every
  // row but the previous pass's.
  if (!in_place_ && !spare_ready_) CreateSpare();
  {
    Hdf5File file(target, Hdf5File::Mode::kAppend);
    if (!in_place_) {
      file.Append("data", pending_rows_, pending_data_.data());
      file.Append("label", pending_rows_, pending_label_.data());
    }
    file.Append("data", rows, bottom[0]->data());
    file.Append("label", rows, bottom[1]->data());
    file.Flush();
  }
  if (in_place_) return;
  const bool first = !created_;
  created_ = true;
  if (!Swap(/*keep_old=*/!first)) {
    LOG(WARNING) << "HDF5Output: cannot link " << path_ << " (" << std::strerror(errno)
                 << "); appending to it in place from now on, where a kill during a pass can "
                    "leave it unreadable";
    Swap(false);
    in_place_ = true;
    return;
  }
  spare_ready_ = !first;
  pending_data_.assign(bottom[0]->data(), bottom[0]->data() + bottom[0]->count());
  pending_label_.assign(bottom[1]->data(), bottom[1]->data() + bottom[1]->count());
  pending_rows_ = rows;
}

STRATA_REGISTER_LAYER(HDF5Output);

}  // namespace strata
