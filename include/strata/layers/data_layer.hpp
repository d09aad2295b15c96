// Data: batches of Caffe Datum records from an LMDB folder, read ahead by a
// prefetch thread and transformed by transform_param (see data_transformer.hpp).
// Records are read in key order, wrapping at the end; rand_skip: k skips a
// random number (< k) of records at the start.
// Tops: data (batch x C x H' x W'), optionally label (batch).
// Reads data_param { source, batch_size, backend (LMDB), rand_skip, prefetch;
// the deprecated scale, mean_file, crop_size and mirror are moved into
// transform_param with a warning } and transform_param. Encoded (JPEG/PNG)
// records and LevelDB are refused with a clear error.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "strata/data_transformer.hpp"
#include "strata/layer.hpp"
#include "strata/lmdb.hpp"

namespace strata {

class DataLayer : public Layer {
 public:
  using Layer::Layer;
  ~DataLayer() override;
  const char* type() const override { return "Data"; }
  int ExactNumBottomBlobs() const override { return 0; }
  int MinTopBlobs() const override { return 1; }
  int MaxTopBlobs() const override { return 2; }
  std::vector<std::string> ParamFields() const override {
    return {"data_param", "transform_param"};
  }
  void Reshape(const std::vector<Blob*>& /*bottom*/, const std::vector<Blob*>& /*top*/) override {}

  // The position and random stream of the next batch to be consumed.
  void SaveState(LayerState* state) const override;
  void RestoreState(const LayerState& state) override;

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& /*top*/, const std::vector<bool>& /*propagate_down*/,
                   const std::vector<Blob*>& /*bottom*/) override {}

 private:
  struct Batch {
    Blob data, label;
    int64_t start_record = 0;  // reader position before this batch
    Rng rng;                   // the random stream before this batch (as text only when saved)
  };
  void Produce(Batch* batch);
  void Run();
  void StartPrefetch();
  void StopPrefetch();
  void SeekTo(int64_t record);

  std::unique_ptr<LmdbReader> reader_;
  std::unique_ptr<DataTransformer> transformer_;
  int batch_size_ = 0, channels_ = 0, height_ = 0, width_ = 0;
  std::vector<int> example_shape_;  // after the transform
  bool output_labels_ = false;
  int64_t record_ = 0;  // records read since the first, modulo the size
  int64_t size_ = 0;

  std::vector<std::unique_ptr<Batch>> batches_;
  std::deque<Batch*> free_, full_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace strata
