// Softmax: y_c = exp(x_c) / sum_c' exp(x_c') over the `axis` dimension.
// Bottom: x (any shape). Top: y (same shape). In place: no.
// Reads softmax_param { axis } (default 1; engine ignored).
#pragma once

#include "strata/layer.hpp"

namespace strata {

class SoftmaxLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Softmax"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }
  std::vector<std::string> ParamFields() const override { return {"softmax_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  int outer_ = 0, channels_ = 0, inner_ = 0;
};

// The softmax over `channels` for `outer` x `inner` positions, stable for any
// input range. Shared by Softmax and SoftmaxWithLoss.
void SoftmaxForward(int outer, int channels, int inner, const float* x, float* y);

}  // namespace strata
