#include "strata/layers/hdf5_data_layer.hpp"

#include <glog/logging.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "strata/errors.hpp"
#include "strata/hdf5.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

void HDF5DataLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/,
                               const std::vector<Blob*>& top) {
  const HDF5DataParameter& param = layer_param_.hdf5_data_param();
  if (param.source().empty()) throw ConfigError("hdf5_data_param.source is not set");
  if (param.batch_size() == 0) throw ConfigError("hdf5_data_param.batch_size must be positive");
  batch_size_ = static_cast<int>(param.batch_size());

  std::ifstream list(param.source());
  if (!list) throw IoError(param.source() + ": cannot open the HDF5 list file");
  const std::filesystem::path folder = std::filesystem::path(param.source()).parent_path();
  files_.clear();
  for (std::string line; std::getline(list, line);) {
    line.erase(line.find_last_not_of(" \t\r") + 1);
    line.erase(0, line.find_first_not_of(" \t"));
    if (line.empty() || line[0] == '#') continue;
    std::filesystem::path path(line);
    if (path.is_relative() && std::filesystem::exists(folder / path)) path = folder / path;
    files_.push_back(path.string());
  }
  if (files_.empty()) throw IoError(param.source() + ": lists no HDF5 files");

  file_order_.resize(files_.size());
  std::iota(file_order_.begin(), file_order_.end(), 0);
  if (param.shuffle()) std::shuffle(file_order_.begin(), file_order_.end(), rng_.engine());
  file_position_ = 0;
  data_.clear();
  for (size_t i = 0; i < top.size(); ++i) data_.push_back(std::make_unique<Blob>());
  LoadFile(file_order_[0]);

  transformer_.reset();
  if (layer_param_.has_transform_param()) {
    if (data_[0]->num_axes() != 4) {
      throw ShapeError("transform_param needs N x C x H x W data; dataset '" + layer_param_.top(0) +
                       "' has shape " + data_[0]->shape_string());
    }
    transformer_ = std::make_unique<DataTransformer>(layer_param_.transform_param(), phase());
  }
  for (size_t i = 0; i < top.size(); ++i) {
    std::vector<int> shape = data_[i]->shape();
    if (i == 0 && transformer_) {
      const std::vector<int> example = transformer_->OutputShape(shape[1], shape[2], shape[3]);
      shape.assign(1, 0);
      shape.insert(shape.end(), example.begin(), example.end());
    }
    shape[0] = batch_size_;
    top[i]->Reshape(shape);
  }
}

void HDF5DataLayer::LoadFile(int file_index) {
  const std::string& path = files_[file_index];
  Hdf5File file(path, Hdf5File::Mode::kRead);
  rows_ = -1;
  for (size_t i = 0; i < data_.size(); ++i) {
    const std::string& name = layer_param_.top(static_cast<int>(i));
    file.Read(name, data_[i].get());
    if (data_[i]->num_axes() == 0) throw IoError(path + ": dataset '" + name + "' is a scalar");
    // NaN or infinity in the inputs would poison every weight they touch.
    const float* values = data_[i]->data();
    for (int k = 0; k < data_[i]->count(); ++k) {
      if (std::isfinite(values[k])) continue;
      const int per_row = std::max(data_[i]->count(1), 1);
      throw DataError(path + ": dataset '" + name + "' holds " +
                      (std::isnan(values[k]) ? "NaN" : "infinity") + " at row " +
                      std::to_string(k / per_row) + ", element " + std::to_string(k % per_row));
    }
    const int rows = data_[i]->shape(0);
    if (rows_ >= 0 && rows != rows_) {
      throw IoError(path + ": dataset '" + name + "' has " + std::to_string(rows) + " rows but '" +
                    layer_param_.top(0) + "' has " + std::to_string(rows_));
    }
    rows_ = rows;
  }
  if (rows_ <= 0) throw IoError(path + ": datasets have no rows");
  row_order_.resize(rows_);
  std::iota(row_order_.begin(), row_order_.end(), 0);
  if (layer_param_.hdf5_data_param().shuffle()) {
    std::shuffle(row_order_.begin(), row_order_.end(), rng_.engine());
  }
  row_position_ = 0;
  VLOG(1) << "HDF5Data '" << layer_param_.name() << "' loaded " << rows_ << " rows from " << path;
}

void HDF5DataLayer::Advance() {
  if (++row_position_ < rows_) return;
  if (++file_position_ == static_cast<int>(files_.size())) {
    file_position_ = 0;
    if (layer_param_.hdf5_data_param().shuffle()) {
      std::shuffle(file_order_.begin(), file_order_.end(), rng_.engine());
    }
  }
  if (files_.size() > 1) {
    LoadFile(file_order_[file_position_]);
  } else {
    row_position_ = 0;
    if (layer_param_.hdf5_data_param().shuffle()) {
      std::shuffle(row_order_.begin(), row_order_.end(), rng_.engine());
    }
  }
}

void HDF5DataLayer::ForwardCpu(const std::vector<Blob*>& /*bottom*/,
                               const std::vector<Blob*>& top) {
  // A data-parallel shard walks every shard's rows (and random draws) and copies its own.
  const int first = shard_.index * batch_size_;
  for (int g = 0; g < shard_.count * batch_size_; ++g) {
    const int b = g - first;
    if (b < 0 || b >= batch_size_) {
      if (transformer_) transformer_->SkipExample(&rng_);
      Advance();
      continue;
    }
    const int row = row_order_[row_position_];
    for (size_t i = 0; i < top.size(); ++i) {
      const int width = data_[i]->count(1);
      if (i == 0 && transformer_) {
        const Blob& d = *data_[0];
        if (d.num_axes() != 4 || d.count(1) != width) {
          throw ShapeError("dataset '" + layer_param_.top(0) + "' changed shape");
        }
        transformer_->Transform(d.data() + static_cast<size_t>(row) * width, d.shape(1), d.shape(2),
                                d.shape(3), &rng_, top[0]->mutable_data() + b * top[0]->count(1));
        continue;
      }
      if (top[i]->count(1) != width) {
        throw ShapeError("dataset '" + layer_param_.top(static_cast<int>(i)) + "' has shape " +
                         data_[i]->shape_string() + " in " + files_[file_order_[file_position_]] +
                         ", which does not match the first file's");
      }
      std::memcpy(top[i]->mutable_data() + static_cast<size_t>(b) * width,
                  data_[i]->data() + static_cast<size_t>(row) * width, sizeof(float) * width);
    }
    Advance();
  }
}

void HDF5DataLayer::SaveState(LayerState* state) const {
  Layer::SaveState(state);
  state->add_cursor(file_position_);
  state->add_cursor(row_position_);
  state->add_cursor(static_cast<int64_t>(file_order_.size()));
  for (int f : file_order_) state->add_cursor(f);
  state->add_cursor(static_cast<int64_t>(row_order_.size()));
  for (int r : row_order_) state->add_cursor(r);
}

void HDF5DataLayer::RestoreState(const LayerState& state) {
  const auto& c = state.cursor();
  const int files = static_cast<int>(files_.size());
  auto bad = [&] {
    return IoError("the saved data cursor of layer '" + layer_param_.name() +
                   "' does not fit its source " + layer_param_.hdf5_data_param().source() +
                   " (did the data change since the snapshot?)");
  };
  if (c.size() < 3 || c[2] != files || c.size() < 4 + files) throw bad();
  std::vector<int> file_order(c.begin() + 3, c.begin() + 3 + files);
  for (int f : file_order) {
    if (f < 0 || f >= files) throw bad();
  }
  const int file_position = static_cast<int>(c[0]);
  if (file_position < 0 || file_position >= files) throw bad();
  if (file_order[file_position] != file_order_[file_position_] || files > 1) {
    LoadFile(file_order[file_position]);
  }
  const int64_t rows = c[3 + files];
  if (rows != rows_ || c.size() != 4 + files + rows) throw bad();
  std::vector<int> row_order(c.begin() + 4 + files, c.end());
  for (int r : row_order) {
    if (r < 0 || r >= rows_) throw bad();
  }
  const int row_position = static_cast<int>(c[1]);
  if (row_position < 0 || row_position >= rows_) throw bad();
  file_order_ = file_order;
  file_position_ = file_position;
  row_order_ = row_order;
  row_position_ = row_position;
  // Last: loading a file above draws from the stream when shuffling.
  Layer::RestoreState(state);
}

STRATA_REGISTER_LAYER(HDF5Data);

}  // namespace strata
