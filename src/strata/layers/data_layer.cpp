#include "strata/layers/data_layer.hpp"

#include <glog/logging.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "blob.pb.h"
#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

namespace {

Datum ParseDatum(const DbReader& reader) {
  Datum datum;
  if (!datum.ParseFromString(reader.value())) {
    throw IoError(reader.path() + ": record '" + PrintableKey(reader.key()) + "' is not a Datum");
  }
  return datum;
}

std::string RecordName(const DbReader& reader) {
  return reader.path() + ": record '" + PrintableKey(reader.key()) + "'";
}

}  // namespace

DataLayer::~DataLayer() { StopPrefetch(); }

void DataLayer::CheckExample(const DatumValues& example, const std::string& name) const {
  const std::string size = std::to_string(example.channels) + "x" + std::to_string(example.height) +
                           "x" + std::to_string(example.width);
  if (example.channels != channels_) {
    throw DataError(name + " has " + std::to_string(example.channels) +
                    " channel(s) but the first record has " + std::to_string(channels_) +
                    " (a grey image among colour ones?); set transform_param force_color or "
                    "force_gray");
  }
  if (example.height == height_ && example.width == width_) return;
  if (layer_param_.transform_param().crop_size() == 0) {
    throw DataError(name + " is " + size + " but the first record is " + std::to_string(channels_) +
                    "x" + std::to_string(height_) + "x" + std::to_string(width_) +
                    "; records of different sizes need transform_param crop_size");
  }
  try {
    transformer_->OutputShape(example.channels, example.height, example.width);
  } catch (const Error& e) {
    RethrowWithContext(e, name + " (" + size + "): ");
  }
}

void DataLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/, const std::vector<Blob*>& top) {
  DataParameter& p = *layer_param_.mutable_data_param();
  if (p.source().empty()) throw ConfigError("data_param.source is not set");
  if (p.batch_size() == 0) throw ConfigError("data_param.batch_size must be positive");
  TransformationParameter* transform = layer_param_.mutable_transform_param();
  MoveDeprecatedTransformFields(p, "layer '" + layer_param_.name() + "': data_param", transform);
  batch_size_ = static_cast<int>(p.batch_size());
  transformer_ = std::make_unique<DataTransformer>(*transform, phase());

  const TransformationParameter& t = layer_param_.transform_param();
  if (t.force_color() && t.force_gray()) {
    throw ConfigError("transform_param force_color and force_gray exclude each other");
  }
  color_ = t.force_color()  ? ImageColor::kColor
           : t.force_gray() ? ImageColor::kGray
                            : ImageColor::kNative;
  reader_ = OpenDbReader(
      p.source(), p.backend() == DataParameter::LEVELDB ? DbBackend::kLevelDb : DbBackend::kLmdb);
  size_ = static_cast<int64_t>(reader_->size());
  if (size_ == 0 || !reader_->First()) throw IoError(p.source() + ": the database is empty");
  const Datum first_datum = ParseDatum(*reader_);
  if (!first_datum.encoded() && color_ != ImageColor::kNative) {
    LOG(WARNING) << "layer '" << layer_param_.name()
                 << "': force_color and force_gray apply to encoded records only; " << p.source()
                 << " holds raw ones";
  }
  encoded_ = first_datum.encoded();
  const DatumValues first = ReadDatumValues(first_datum, color_, RecordName(*reader_));
  channels_ = first.channels;
  height_ = first.height;
  width_ = first.width;
  try {
    example_shape_ = transformer_->OutputShape(channels_, height_, width_);
  } catch (const Error& e) {
    RethrowWithContext(e, RecordName(*reader_) + ", the first: ");
  }
  std::vector<int> data_shape{batch_size_};
  data_shape.insert(data_shape.end(), example_shape_.begin(), example_shape_.end());
  top[0]->Reshape(data_shape);
  if (top.size() > 1) top[1]->Reshape(std::vector<int>{batch_size_});

  record_ = 0;
  if (p.rand_skip() > 0) SeekTo(static_cast<int64_t>(rng_.engine()() % p.rand_skip()), 0);
  StartBatches(data_shape, batch_size_, std::max(1, static_cast<int>(p.prefetch())));
}

void DataLayer::SeekTo(int64_t record, int64_t /*epoch*/) {
  reader_->First();
  record %= size_;
  for (int64_t i = 0; i < record; ++i) reader_->Next();
  record_ = record;
}

void DataLayer::Produce(Batch* batch) {
  batch->start_record = record_;
  batch->rng = rng_;
  batch->start_epoch = 0;  // records are read in key order, the same every pass
  // The cursor moves here, in order; parsing, decoding (the expensive part for
  // JPEG records) and the transform run on the pool.
  // In a data-parallel run the cursor and the random stream walk the whole
  // batch of every shard; this one keeps its part.
  std::vector<std::string> values(batch_size_), names(batch_size_);
  std::vector<Rng> streams;
  streams.reserve(batch_size_);
  const int first = shard_.index * batch_size_;
  for (int g = 0; g < shard_.count * batch_size_; ++g) {
    const int i = g - first;
    if (i >= 0 && i < batch_size_) {
      values[i] = reader_->value();
      names[i] = RecordName(*reader_);
      streams.push_back(transformer_->StreamForExample(&rng_));
    } else {
      transformer_->SkipExample(&rng_);
    }
    reader_->Next();
    record_ = (record_ + 1) % size_;
  }
  const int out_count = batch->data.count(1);
  float* data = batch->data.mutable_data();
  float* label = batch->label.mutable_data();
  ForEachExample(batch_size_, encoded_, [&](int i) {
    Datum datum;
    if (!datum.ParseFromString(values[i])) throw IoError(names[i] + " is not a Datum");
    const DatumValues example = ReadDatumValues(datum, color_, names[i]);
    CheckExample(example, names[i]);
    float* out = data + static_cast<size_t>(i) * out_count;
    if (example.floats == nullptr) {
      transformer_->Transform(example.bytes(), example.channels, example.height, example.width,
                              &streams[i], out);
    } else {
      transformer_->Transform(example.floats, example.channels, example.height, example.width,
                              &streams[i], out);
    }
    label[i] = static_cast<float>(datum.label());
  });
}

STRATA_REGISTER_LAYER(Data);

}  // namespace strata
