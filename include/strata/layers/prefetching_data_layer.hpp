// The prefetching half of the data layers that read files (Data, ImageData),
// as Caffe's BasePrefetchingDataLayer: a thread fills `data_param.prefetch`
// batches ahead while the net runs, and Forward hands over the oldest. An
// error on the thread surfaces from the Forward that needs its batch.
// SaveState/RestoreState keep the position and random stream before the next
// batch to be consumed, so a resumed run reads what the stopped one would.
// A subclass reads its source in Produce and must call StopPrefetch in its
// destructor (the thread uses the subclass's members).
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "strata/layer.hpp"
#include "strata/random.hpp"

namespace strata {

class PrefetchingDataLayer : public Layer {
 public:
  using Layer::Layer;
  int ExactNumBottomBlobs() const override { return 0; }
  int MinTopBlobs() const override { return 1; }
  int MaxTopBlobs() const override { return 2; }
  void Reshape(const std::vector<Blob*>& /*bottom*/, const std::vector<Blob*>& /*top*/) override {}
  bool ReadsDataShards() const override { return true; }
  std::string DataSummary() const override {
    return std::to_string(SourceSize()) + " records in " + SourceName();
  }

  // cursor: the record (in [0, size)), the source's size, and the epoch;
  // a subclass may append its own.
  void SaveState(LayerState* state) const override;
  void RestoreState(const LayerState& state) override;

 protected:
  struct Batch {
    Blob data, label;
    int64_t start_record = 0;  // the source position before this batch
    int64_t start_epoch = 0;   // passes over the source before this batch
    Rng rng;                   // the layer's random stream before this batch
  };
  // Allocates `buffers` batches of these shapes and starts the thread.
  void StartBatches(const std::vector<int>& data_shape, int batch_size, int buffers);
  // Fills `batch` on the prefetch thread, from where the last one ended.
  virtual void Produce(Batch* batch) = 0;
  virtual int64_t SourceSize() const = 0;
  // Runs fn(i) for the examples i in [0, n) of a batch: with `on_pool`, on the
  // thread pool, whichever thread is free taking the next (worth it when each
  // example is decoded; cheap work stays on the prefetch thread, leaving the
  // pool to the net). When some fail, rethrows the error of the lowest i, so
  // the record named is the same at any thread count.
  static void ForEachExample(int n, bool on_pool, const std::function<void(int)>& fn);
  // Moves the source to `record` of pass `epoch` (the thread is stopped).
  virtual void SeekTo(int64_t record, int64_t epoch) = 0;
  // For messages: the source as the user named it.
  virtual std::string SourceName() const = 0;
  void StopPrefetch();

  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& /*top*/, const std::vector<bool>& /*propagate_down*/,
                   const std::vector<Blob*>& /*bottom*/) override {}

 private:
  void Run();
  void StartPrefetch();

  std::vector<std::unique_ptr<Batch>> batches_;
  std::deque<Batch*> free_, full_;
  Batch* current_ = nullptr;  // the batch whose data the top shares until the next Forward
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace strata
