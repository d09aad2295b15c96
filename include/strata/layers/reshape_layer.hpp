// Reshape: a new shape for the same values (memory shared, no copy). The
// dims of reshape_param.shape replace bottom axes [axis, axis + num_axes)
// (num_axes -1: to the end); a 0 copies the bottom's dim, one -1 is inferred.
// Bottom: x. Top: x reshaped. Reads reshape_param { shape, axis, num_axes }.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class ReshapeLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Reshape"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }
  std::vector<std::string> ParamFields() const override { return {"reshape_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void ForwardCpu(const std::vector<Blob*>& /*bottom*/,
                  const std::vector<Blob*>& /*top*/) override {}
  void BackwardCpu(const std::vector<Blob*>& /*top*/, const std::vector<bool>& /*propagate_down*/,
                   const std::vector<Blob*>& /*bottom*/) override {}
};

}  // namespace strata
