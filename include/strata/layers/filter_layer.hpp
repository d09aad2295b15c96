// Filter: keeps the examples (first-axis items) whose selector is nonzero.
// Bottoms: one or more data blobs, then the selector (N values, 0 or 1).
// Tops: one per data blob, with the selected items only. Backward scatters
// the diff back to the selected items (zero elsewhere); none to the selector.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class FilterLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Filter"; }
  int MinBottomBlobs() const override { return 2; }
  int MinTopBlobs() const override { return 1; }
  bool AllowForceBackward(int bottom_index) const override;
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  std::vector<int> selected_;
};

}  // namespace strata
