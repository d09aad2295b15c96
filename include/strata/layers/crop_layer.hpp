// Crop: cuts bottom 0 to the shape of bottom 1 on every axis from `axis` on,
// starting at `offset` (none: 0; one: for every cropped axis; or one per axis).
// Bottoms: x, reference. Top: x.shape[:axis] + reference.shape[axis:].
// Gradients flow to x only. Reads crop_param { axis (default 2), offset }.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class CropLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Crop"; }
  int ExactNumBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }
  bool AllowForceBackward(int bottom_index) const override { return bottom_index == 0; }
  std::vector<std::string> ParamFields() const override { return {"crop_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  // Visits every top element with its bottom index.
  template <typename F>
  void ForEach(const Blob& bottom, const Blob& top, F f) const;
  std::vector<int> offsets_;
};

}  // namespace strata
