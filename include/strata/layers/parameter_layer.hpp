// Parameter: exposes a learned blob of parameter_param.shape as its top, so
// that other layers can use it as an input (e.g. Scale with two bottoms).
// No bottoms; one top sharing the blob's data. Backward adds the top's diff to
// the blob's diff (so gradients accumulate over iter_size like any parameter's).
#pragma once

#include "strata/layer.hpp"

namespace strata {

class ParameterLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Parameter"; }
  int ExactNumBottomBlobs() const override { return 0; }
  int ExactNumTopBlobs() const override { return 1; }
  std::vector<std::string> ParamFields() const override { return {"parameter_param"}; }
  void Reshape(const std::vector<Blob*>& /*bottom*/, const std::vector<Blob*>& /*top*/) override {}

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& /*bottom*/,
                  const std::vector<Blob*>& /*top*/) override {}
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;
};

}  // namespace strata
