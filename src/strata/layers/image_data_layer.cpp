#include "strata/layers/image_data_layer.hpp"

#include <algorithm>
#include <numeric>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

ImageDataLayer::~ImageDataLayer() { StopPrefetch(); }

void ImageDataLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/,
                                const std::vector<Blob*>& top) {
  ImageDataParameter& p = *layer_param_.mutable_image_data_param();
  if (p.source().empty()) throw ConfigError("image_data_param.source is not set");
  if (p.batch_size() == 0) throw ConfigError("image_data_param.batch_size must be positive");
  if ((p.new_height() == 0) != (p.new_width() == 0)) {
    throw ConfigError("image_data_param new_height and new_width go together");
  }
  TransformationParameter* transform = layer_param_.mutable_transform_param();
  MoveDeprecatedTransformFields(p, "layer '" + layer_param_.name() + "': image_data_param",
                                transform);
  transformer_ = std::make_unique<DataTransformer>(*transform, phase());
  color_ = p.is_color() ? ImageColor::kColor : ImageColor::kGray;
  batch_size_ = static_cast<int>(p.batch_size());
  lines_ = ReadImageList(p.source());
  shuffle_seed_ = rng_.engine()();
  SeekTo(p.rand_skip() > 0 ? static_cast<int64_t>(rng_.engine()() % p.rand_skip()) : 0, 0);

  const Image first = ReadLine(lines_[order_[position_]]);
  channels_ = first.channels;
  height_ = first.height;
  width_ = first.width;
  std::vector<int> shape;
  try {
    shape = transformer_->OutputShape(channels_, height_, width_);
  } catch (const Error& e) {
    RethrowWithContext(e, Where(lines_[order_[position_]]));
  }
  shape.insert(shape.begin(), batch_size_);
  top[0]->Reshape(shape);
  top[1]->Reshape(std::vector<int>{batch_size_});
  StartBatches(shape, batch_size_, 3);  // Caffe's PREFETCH_COUNT
}

void ImageDataLayer::OrderFor(int64_t epoch) {
  order_.resize(lines_.size());
  std::iota(order_.begin(), order_.end(), 0);
  if (!layer_param_.image_data_param().shuffle()) return;
  // Each pass's order depends only on the layer's seed and the pass, so that
  // a resumed run rebuilds it from the pass number alone.
  Rng rng(shuffle_seed_ + static_cast<uint64_t>(epoch));
  for (size_t i = order_.size(); i > 1; --i) {
    std::swap(order_[i - 1], order_[rng.engine()() % i]);
  }
}

void ImageDataLayer::SeekTo(int64_t record, int64_t epoch) {
  epoch_ = epoch;
  position_ = record % static_cast<int64_t>(lines_.size());
  OrderFor(epoch_);
}

std::string ImageDataLayer::Where(const Line& line) const {
  return layer_param_.image_data_param().source() + ":" + std::to_string(line.number) + ": ";
}

Image ImageDataLayer::ReadLine(const Line& line) const {
  const ImageDataParameter& p = layer_param_.image_data_param();
  try {
    return ReadImageFile(p.root_folder() + line.path, color_, static_cast<int>(p.new_height()),
                         static_cast<int>(p.new_width()));
  } catch (const Error& e) {
    RethrowWithContext(e, Where(line));
  }
}

void ImageDataLayer::Produce(Batch* batch) {
  batch->start_record = position_;
  batch->start_epoch = epoch_;
  batch->rng = rng_;
  // The list is walked here, in order (a pass's end reshuffles); reading,
  // decoding and the transform run on the pool.
  // A data-parallel shard walks every shard's lines and keeps its own.
  std::vector<const Line*> lines(batch_size_);
  std::vector<Rng> streams;
  streams.reserve(batch_size_);
  const int first = shard_.index * batch_size_;
  for (int g = 0; g < shard_.count * batch_size_; ++g) {
    const int i = g - first;
    if (i >= 0 && i < batch_size_) {
      lines[i] = &lines_[order_[position_]];
      streams.push_back(transformer_->StreamForExample(&rng_));
    } else {
      transformer_->SkipExample(&rng_);
    }
    if (++position_ == static_cast<int64_t>(lines_.size())) {
      position_ = 0;
      OrderFor(++epoch_);
    }
  }
  const int out_count = batch->data.count(1);
  float* data = batch->data.mutable_data();
  float* label = batch->label.mutable_data();
  ForEachExample(batch_size_, true, [&](int i) {
    const Line& line = *lines[i];
    const Image image = ReadLine(line);
    if (image.height != height_ || image.width != width_) {
      if (layer_param_.transform_param().crop_size() == 0) {
        throw DataError(Where(line) + line.path + " is " + std::to_string(image.height) + "x" +
                        std::to_string(image.width) + " but the first image is " +
                        std::to_string(height_) + "x" + std::to_string(width_) +
                        "; give new_height/new_width or transform_param crop_size");
      }
      try {
        transformer_->OutputShape(image.channels, image.height, image.width);
      } catch (const Error& e) {
        RethrowWithContext(e, Where(line) + line.path + ": ");
      }
    }
    transformer_->Transform(image.pixels.data(), image.channels, image.height, image.width,
                            &streams[i], data + static_cast<size_t>(i) * out_count);
    label[i] = static_cast<float>(line.label);
  });
}

void ImageDataLayer::SaveState(LayerState* state) const {
  PrefetchingDataLayer::SaveState(state);
  state->add_cursor(static_cast<int64_t>(shuffle_seed_));
}

void ImageDataLayer::RestoreState(const LayerState& state) {
  if (state.cursor_size() != 4) {
    throw IoError("the saved data position of layer '" + layer_param_.name() +
                  "' is not an ImageData layer's (" + std::to_string(state.cursor_size()) +
                  " cursors)");
  }
  StopPrefetch();  // the thread reads the seed at the end of each pass
  shuffle_seed_ = static_cast<uint64_t>(state.cursor(3));
  PrefetchingDataLayer::RestoreState(state);
}

STRATA_REGISTER_LAYER(ImageData);

}  // namespace strata
