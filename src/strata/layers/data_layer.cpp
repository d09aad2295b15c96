#include "strata/layers/data_layer.hpp"

#include <glog/logging.h>

#include <cmath>
#include <cstring>

#include "blob.pb.h"
#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

namespace {

Datum ParseDatum(const LmdbReader& reader) {
  Datum datum;
  if (!datum.ParseFromString(reader.value())) {
    throw IoError(reader.path() + ": record '" + PrintableKey(reader.key()) + "' is not a Datum");
  }
  if (datum.encoded()) {
    throw IoError(reader.path() + ": record '" + PrintableKey(reader.key()) +
                  "' holds an encoded image; Strata reads raw Datum records (convert without "
                  "--encoded)");
  }
  return datum;
}

}  // namespace

DataLayer::~DataLayer() { StopPrefetch(); }

void DataLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/, const std::vector<Blob*>& top) {
  DataParameter& p = *layer_param_.mutable_data_param();
  if (p.source().empty()) throw ConfigError("data_param.source is not set");
  if (p.batch_size() == 0) throw ConfigError("data_param.batch_size must be positive");
  if (p.backend() != DataParameter::LMDB) {
    throw ConfigError("data_param.backend LEVELDB is not supported; use LMDB (backend: LMDB)");
  }
  // Caffe's deprecated data_param transform fields.
  TransformationParameter* transform = layer_param_.mutable_transform_param();
  if (p.has_scale() || p.has_mean_file() || p.has_crop_size() || p.has_mirror()) {
    LOG(WARNING) << "layer '" << layer_param_.name()
                 << "': data_param scale/mean_file/crop_size/mirror are deprecated; "
                    "use transform_param";
    if (p.has_scale()) transform->set_scale(p.scale());
    if (p.has_mean_file()) transform->set_mean_file(p.mean_file());
    if (p.has_crop_size()) transform->set_crop_size(p.crop_size());
    if (p.has_mirror()) transform->set_mirror(p.mirror());
  }
  batch_size_ = static_cast<int>(p.batch_size());
  output_labels_ = top.size() > 1;
  transformer_ = std::make_unique<DataTransformer>(*transform, phase());

  reader_ = std::make_unique<LmdbReader>(p.source());
  size_ = static_cast<int64_t>(reader_->size());
  if (size_ == 0 || !reader_->First()) throw IoError(p.source() + ": the database is empty");
  const Datum first = ParseDatum(*reader_);
  channels_ = first.channels();
  height_ = first.height();
  width_ = first.width();
  if (channels_ <= 0 || height_ <= 0 || width_ <= 0) {
    throw IoError(p.source() + ": record '" + PrintableKey(reader_->key()) + "' has no valid shape");
  }
  example_shape_ = transformer_->OutputShape(channels_, height_, width_);
  std::vector<int> data_shape{batch_size_};
  data_shape.insert(data_shape.end(), example_shape_.begin(), example_shape_.end());
  top[0]->Reshape(data_shape);
  if (output_labels_) top[1]->Reshape(std::vector<int>{batch_size_});

  record_ = 0;
  if (p.rand_skip() > 0) SeekTo(static_cast<int64_t>(rng_.engine()() % p.rand_skip()));
  const int buffers = std::max(1, static_cast<int>(p.prefetch()));
  batches_.clear();
  free_.clear();
  full_.clear();
  for (int i = 0; i < buffers; ++i) {
    batches_.push_back(std::make_unique<Batch>());
    batches_.back()->data.Reshape(data_shape);
    batches_.back()->label.Reshape(std::vector<int>{batch_size_});
    free_.push_back(batches_.back().get());
  }
  StartPrefetch();
}

void DataLayer::SeekTo(int64_t record) {
  reader_->First();
  record %= size_;
  for (int64_t i = 0; i < record; ++i) reader_->Next();
  record_ = record;
}

void DataLayer::Produce(Batch* batch) {
  batch->start_record = record_;
  batch->rng = rng_;
  const int example_count = channels_ * height_ * width_;
  const int out_count = batch->data.count(1);
  float* data = batch->data.mutable_data();
  float* label = batch->label.mutable_data();
  for (int i = 0; i < batch_size_; ++i) {
    const Datum datum = ParseDatum(*reader_);
    if (datum.channels() != channels_ || datum.height() != height_ || datum.width() != width_) {
      throw IoError(reader_->path() + ": record '" + PrintableKey(reader_->key()) + "' is " +
                    std::to_string(datum.channels()) + "x" + std::to_string(datum.height()) + "x" +
                    std::to_string(datum.width()) + " but the first is " +
                    std::to_string(channels_) + "x" + std::to_string(height_) + "x" +
                    std::to_string(width_));
    }
    float* out = data + static_cast<size_t>(i) * out_count;
    if (datum.data().size() == static_cast<size_t>(example_count)) {
      transformer_->Transform(reinterpret_cast<const uint8_t*>(datum.data().data()), channels_,
                              height_, width_, &rng_, out);
    } else if (datum.float_data_size() == example_count) {
      // Floats from a file: a NaN or infinity would poison every weight it touches.
      for (int k = 0; k < example_count; ++k) {
        if (!std::isfinite(datum.float_data(k))) {
          throw DataError(reader_->path() + ": record '" + PrintableKey(reader_->key()) +
                          "' holds " + std::to_string(datum.float_data(k)) +
                          " in float_data at element " + std::to_string(k));
        }
      }
      transformer_->Transform(datum.float_data().data(), channels_, height_, width_, &rng_, out);
    } else {
      throw IoError(reader_->path() + ": record '" + PrintableKey(reader_->key()) + "' holds " +
                    std::to_string(datum.data().size()) + " bytes and " +
                    std::to_string(datum.float_data_size()) + " floats for a " +
                    std::to_string(example_count) + "-value example (truncated?)");
    }
    label[i] = static_cast<float>(datum.label());
    reader_->Next();
    record_ = (record_ + 1) % size_;
  }
}

void DataLayer::Run() {
  try {
    while (true) {
      Batch* batch;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [this] { return stop_ || !free_.empty(); });
        if (stop_) return;
        batch = free_.front();
        free_.pop_front();
      }
      Produce(batch);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        full_.push_back(batch);
      }
      changed_.notify_all();
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = std::current_exception();
    changed_.notify_all();
  }
}

void DataLayer::StartPrefetch() {
  stop_ = false;
  error_ = nullptr;
  thread_ = std::thread(&DataLayer::Run, this);
}

void DataLayer::StopPrefetch() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DataLayer::ForwardCpu(const std::vector<Blob*>& /*bottom*/, const std::vector<Blob*>& top) {
  Batch* batch;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return !full_.empty() || error_; });
    if (full_.empty()) std::rethrow_exception(error_);
    batch = full_.front();
    full_.pop_front();
  }
  top[0]->CopyFrom(batch->data);
  if (output_labels_) top[1]->CopyFrom(batch->label);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(batch);
  }
  changed_.notify_all();
}

void DataLayer::SaveState(LayerState* state) const {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return !full_.empty() || error_; });
  if (full_.empty()) std::rethrow_exception(error_);
  state->set_layer(layer_param_.name());
  state->set_rng(full_.front()->rng.State());
  state->add_cursor(full_.front()->start_record);
  state->add_cursor(size_);
}

void DataLayer::RestoreState(const LayerState& state) {
  if (state.cursor_size() != 2 || state.cursor(1) != size_ || state.cursor(0) < 0 ||
      state.cursor(0) >= size_) {
    throw IoError("the saved data position of layer '" + layer_param_.name() +
                  "' does not fit its source " + layer_param_.data_param().source() +
                  " (did the data change since the snapshot?)");
  }
  StopPrefetch();
  free_.clear();
  full_.clear();
  for (auto& batch : batches_) free_.push_back(batch.get());
  SeekTo(state.cursor(0));
  if (state.has_rng()) rng_.SetState(state.rng());
  StartPrefetch();
}

STRATA_REGISTER_LAYER(Data);

}  // namespace strata
