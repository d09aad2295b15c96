// Input: tops the user fills (net.blob_by_name("data")->mutable_data()).
// Tops: one per name, shaped by input_param.shape (one shape for all tops, or
// one per top). Reshape keeps whatever shape the user gave the blob since.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class InputLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Input"; }
  int ExactNumBottomBlobs() const override { return 0; }
  int MinTopBlobs() const override { return 1; }
  std::vector<std::string> ParamFields() const override { return {"input_param"}; }
  void Reshape(const std::vector<Blob*>& /*bottom*/, const std::vector<Blob*>& /*top*/) override {}

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& /*bottom*/,
                  const std::vector<Blob*>& /*top*/) override {}
  void BackwardCpu(const std::vector<Blob*>& /*top*/, const std::vector<bool>& /*propagate_down*/,
                   const std::vector<Blob*>& /*bottom*/) override {}
};

}  // namespace strata
