// Reduction: reduces all axes from `axis` on with SUM, ASUM (sum of |x|),
// SUMSQ (sum of x^2) or MEAN, times coeff.
// Bottom: x. Top: x.shape[:axis] (a scalar for axis 0).
// Reads reduction_param { operation, axis (default 0), coeff (default 1) }.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class ReductionLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Reduction"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }
  std::vector<std::string> ParamFields() const override { return {"reduction_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  int outer_ = 0, dim_ = 0;
};

}  // namespace strata
