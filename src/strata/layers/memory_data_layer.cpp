#include "strata/layers/memory_data_layer.hpp"

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/math.hpp"

namespace strata {

void MemoryDataLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/,
                                 const std::vector<Blob*>& top) {
  const MemoryDataParameter& p = layer_param_.memory_data_param();
  if (p.batch_size() == 0 || p.channels() == 0 || p.height() == 0 || p.width() == 0) {
    throw ConfigError("memory_data_param needs positive batch_size, channels, height and width");
  }
  batch_size_ = static_cast<int>(p.batch_size());
  channels_ = static_cast<int>(p.channels());
  height_ = static_cast<int>(p.height());
  width_ = static_cast<int>(p.width());
  std::vector<int> example{channels_, height_, width_};
  transformer_.reset();
  if (layer_param_.has_transform_param()) {
    transformer_ = std::make_unique<DataTransformer>(layer_param_.transform_param(), phase());
    example = transformer_->OutputShape(channels_, height_, width_);
  }
  top[0]->Reshape({batch_size_, example[0], example[1], example[2]});
  top[1]->Reshape(std::vector<int>{batch_size_});
}

void MemoryDataLayer::Reset(const float* data, const float* labels, int n) {
  if (data == nullptr || labels == nullptr || n <= 0 || n % batch_size_ != 0) {
    throw ConfigError("MemoryData '" + layer_param_.name() + "' needs a positive multiple of " +
                      std::to_string(batch_size_) + " examples, got " + std::to_string(n));
  }
  data_ = data;
  labels_ = labels;
  n_ = n;
  position_ = 0;
}

void MemoryDataLayer::ForwardCpu(const std::vector<Blob*>& /*bottom*/,
                                 const std::vector<Blob*>& top) {
  if (data_ == nullptr) {
    throw ConfigError("MemoryData '" + layer_param_.name() + "' has no data; call Reset() first");
  }
  const int example = channels_ * height_ * width_;
  const int out = top[0]->count(1);
  const int first = shard_.index * batch_size_;
  const int global = shard_.count * batch_size_;
  for (int g = 0; g < global; ++g) {
    const int b = g - first;
    if (b < 0 || b >= batch_size_) {
      // Another shard's example: only its random draws are passed over.
      if (transformer_) transformer_->SkipExample(&rng_);
      continue;
    }
    const int index = static_cast<int>((static_cast<int64_t>(position_) + g) % n_);
    const float* source = data_ + static_cast<size_t>(index) * example;
    float* target = top[0]->mutable_data() + static_cast<size_t>(b) * out;
    if (transformer_) {
      transformer_->Transform(source, channels_, height_, width_, &rng_, target);
    } else {
      math::Copy(example, source, target);
    }
    top[1]->mutable_data()[b] = labels_[index];
  }
  position_ = static_cast<int>((static_cast<int64_t>(position_) + global) % n_);
}

STRATA_REGISTER_LAYER(MemoryData);

}  // namespace strata
