// LayerNorm (new): per example, normalizes all values from `axis` on and
// applies a learned scale and shift of that shape:
//   y = (x - mean) / sqrt(var + eps) * gamma + beta
// Bottom: x (any shape with at least axis + 1 axes). Top: same shape.
// Params: gamma (ones), beta (zeros), shape x.shape[axis:]. In place: no.
// Reads layer_norm_param { axis (default 1), eps (default 1e-5) }.
#pragma once

#include "strata/layer.hpp"
#include "strata/layers/group_normalize.hpp"

namespace strata {

class LayerNormLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "LayerNorm"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }
  std::vector<std::string> ParamFields() const override { return {"layer_norm_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  int axis_ = 1, groups_ = 0, size_ = 0;
  Blob normalized_;
  GroupStats stats_;
};

}  // namespace strata
