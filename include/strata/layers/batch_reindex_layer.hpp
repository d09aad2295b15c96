// BatchReindex: picks first-axis items by index, with repeats allowed.
// Bottoms: data (N x ...), indices (K integers in [0, N)). Top: K x ...
// Backward sums the diffs of repeated picks; none to the indices.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class BatchReindexLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "BatchReindex"; }
  int ExactNumBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }
  bool AllowForceBackward(int bottom_index) const override { return bottom_index == 0; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  std::vector<int> indices_;
};

}  // namespace strata
