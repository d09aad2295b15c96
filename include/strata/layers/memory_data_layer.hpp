// MemoryData: batches from arrays the program hands over with Reset().
// Tops: data (batch_size x channels x height x width), label (batch_size).
// Each forward takes the next batch, wrapping around; the arrays must hold a
// multiple of batch_size examples and stay alive while the layer uses them.
// A data-parallel shard takes its part of the next shard.count batches.
// transform_param, when given, is applied to each example.
// Reads memory_data_param { batch_size, channels, height, width } and transform_param.
#pragma once

#include <memory>

#include "strata/data_transformer.hpp"
#include "strata/layer.hpp"

namespace strata {

class MemoryDataLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "MemoryData"; }
  int ExactNumBottomBlobs() const override { return 0; }
  int ExactNumTopBlobs() const override { return 2; }
  std::vector<std::string> ParamFields() const override {
    return {"memory_data_param", "transform_param"};
  }
  void Reshape(const std::vector<Blob*>& /*bottom*/, const std::vector<Blob*>& /*top*/) override {}
  bool ReadsDataShards() const override { return true; }
  std::string DataSummary() const override {
    return data_ == nullptr ? "no data yet" : std::to_string(n_) + " examples";
  }

  // `data` holds n examples of channels x height x width; `labels` n values.
  // ConfigError when n is not a positive multiple of batch_size.
  void Reset(const float* data, const float* labels, int n);
  int batch_size() const { return batch_size_; }

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& /*top*/, const std::vector<bool>& /*propagate_down*/,
                   const std::vector<Blob*>& /*bottom*/) override {}

 private:
  int batch_size_ = 0, channels_ = 0, height_ = 0, width_ = 0;
  const float* data_ = nullptr;
  const float* labels_ = nullptr;
  int n_ = 0, position_ = 0;
  std::unique_ptr<DataTransformer> transformer_;
};

}  // namespace strata
