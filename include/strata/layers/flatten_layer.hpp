// Flatten: merges axes axis .. end_axis into one, sharing memory with the
// bottom (no copy). Bottom: x. Top: x.shape[:axis] + [product] + x.shape[end_axis+1:].
// Reads flatten_param { axis (default 1), end_axis (default -1) }.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class FlattenLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Flatten"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }
  std::vector<std::string> ParamFields() const override { return {"flatten_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void ForwardCpu(const std::vector<Blob*>& /*bottom*/,
                  const std::vector<Blob*>& /*top*/) override {}
  void BackwardCpu(const std::vector<Blob*>& /*top*/, const std::vector<bool>& /*propagate_down*/,
                   const std::vector<Blob*>& /*bottom*/) override {}
};

}  // namespace strata
