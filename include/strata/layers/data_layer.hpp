// Data: batches of Caffe Datum records from an LMDB or LevelDB folder, read
// ahead by a prefetch thread and transformed by transform_param (see
// data_transformer.hpp). Records are raw (uint8 or float values) or encoded
// (JPEG, PNG: decoded with the file's own channels, or with force_color /
// force_gray as colour / grey). Records may differ in height and width when
// crop_size fixes the batch shape; channels must match the first record's.
// Records are read in key order, wrapping at the end; rand_skip: k skips a
// random number (< k) of records at the start.
// Tops: data (batch x C x H' x W'), optionally label (batch).
// Reads data_param { source, batch_size, backend (LEVELDB, Caffe's default,
// or LMDB), rand_skip, prefetch; the deprecated scale, mean_file, crop_size
// and mirror are moved into transform_param with a warning } and
// transform_param.
#pragma once

#include <memory>

#include "strata/data_transformer.hpp"
#include "strata/datum.hpp"
#include "strata/db.hpp"
#include "strata/layers/prefetching_data_layer.hpp"

namespace strata {

class DataLayer : public PrefetchingDataLayer {
 public:
  using PrefetchingDataLayer::PrefetchingDataLayer;
  ~DataLayer() override;
  const char* type() const override { return "Data"; }
  std::vector<std::string> ParamFields() const override {
    return {"data_param", "transform_param"};
  }

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void Produce(Batch* batch) override;
  int64_t SourceSize() const override { return size_; }
  void SeekTo(int64_t record, int64_t epoch) override;
  std::string SourceName() const override { return layer_param_.data_param().source(); }

 private:
  // DataError naming the record (`name`) when it cannot join the first
  // record's batch.
  void CheckExample(const DatumValues& example, const std::string& name) const;

  std::unique_ptr<DbReader> reader_;
  ImageColor color_ = ImageColor::kNative;
  bool encoded_ = false;  // the first record is: decoding goes to the pool
  std::unique_ptr<DataTransformer> transformer_;
  int batch_size_ = 0, channels_ = 0, height_ = 0, width_ = 0;
  std::vector<int> example_shape_;  // after the transform
  int64_t record_ = 0;              // records read since the first, modulo the size
  int64_t size_ = 0;
};

}  // namespace strata
