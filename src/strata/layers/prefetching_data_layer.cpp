#include "strata/layers/prefetching_data_layer.hpp"

#include "strata/errors.hpp"
#include "strata/thread_pool.hpp"

namespace strata {

void PrefetchingDataLayer::StartBatches(const std::vector<int>& data_shape, int batch_size,
                                        int buffers) {
  StopPrefetch();
  batches_.clear();
  free_.clear();
  full_.clear();
  current_ = nullptr;
  for (int i = 0; i < buffers; ++i) {
    batches_.push_back(std::make_unique<Batch>());
    batches_.back()->data.Reshape(data_shape);
    batches_.back()->label.Reshape(std::vector<int>{batch_size});
    free_.push_back(batches_.back().get());
  }
  StartPrefetch();
}

void PrefetchingDataLayer::Run() {
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

void PrefetchingDataLayer::StartPrefetch() {
  stop_ = false;
  error_ = nullptr;
  thread_ = std::thread(&PrefetchingDataLayer::Run, this);
}

void PrefetchingDataLayer::StopPrefetch() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PrefetchingDataLayer::ForwardCpu(const std::vector<Blob*>& /*bottom*/,
                                      const std::vector<Blob*>& top) {
  Batch* batch;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return !full_.empty() || error_; });
    if (full_.empty()) std::rethrow_exception(error_);
    batch = full_.front();
    full_.pop_front();
  }
  // The top takes the batch's memory instead of a copy (as Caffe's layer);
  // the batch is refilled only after the next Forward has moved the top on.
  top[0]->ShareData(batch->data);
  if (top.size() > 1) top[1]->CopyFrom(batch->label);
  if (current_ != nullptr) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(current_);
  }
  current_ = batch;
  changed_.notify_all();
}

void PrefetchingDataLayer::ForEachExample(int n, bool on_pool, const std::function<void(int)>& fn) {
  std::vector<std::exception_ptr> errors(n);
  ParallelChunks(n, on_pool ? 1 : n, [&](int begin, int end) {
    for (int i = begin; i < end; ++i) {
      try {
        fn(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  });
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

void PrefetchingDataLayer::SaveState(LayerState* state) const {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return !full_.empty() || error_; });
  if (full_.empty()) std::rethrow_exception(error_);
  state->set_layer(layer_param_.name());
  state->set_rng(full_.front()->rng.State());
  state->add_cursor(full_.front()->start_record);
  state->add_cursor(SourceSize());
  state->add_cursor(full_.front()->start_epoch);
}

void PrefetchingDataLayer::RestoreState(const LayerState& state) {
  // Two cursors from snapshots made before the epoch was kept: epoch 0.
  // Subclasses keep their own cursors after the third.
  const int64_t size = SourceSize();
  if (state.cursor_size() < 2 || state.cursor(1) != size || state.cursor(0) < 0 ||
      state.cursor(0) >= size || (state.cursor_size() >= 3 && state.cursor(2) < 0)) {
    throw IoError("the saved data position of layer '" + layer_param_.name() +
                  "' does not fit its source " + SourceName() +
                  " (did the data change since the snapshot?)");
  }
  StopPrefetch();
  free_.clear();
  full_.clear();
  current_ = nullptr;
  for (auto& batch : batches_) free_.push_back(batch.get());
  SeekTo(state.cursor(0), state.cursor_size() >= 3 ? state.cursor(2) : 0);
  if (state.has_rng()) rng_.SetState(state.rng());
  StartPrefetch();
}

}  // namespace strata
