// ArgMax: the indices of the top_k largest values, as Caffe computes them.
// Without `axis`: over everything after the first axis, top N x 1 x top_k
// (x 1), or N x 2 x top_k with out_max_val (indices, then values). With
// `axis`: along that axis, top shape with that axis = top_k, holding the
// values instead of the indices when out_max_val. No gradient.
// Reads argmax_param { out_max_val, top_k, axis }.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class ArgMaxLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "ArgMax"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }
  bool AllowForceBackward(int /*bottom_index*/) const override { return false; }
  std::vector<std::string> ParamFields() const override { return {"argmax_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  int outer_ = 0, dim_ = 0, inner_ = 0, top_k_ = 1;
};

}  // namespace strata
