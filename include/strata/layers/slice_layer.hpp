// Slice: cuts the bottom along `axis` at slice_point (one fewer than the tops),
// or into equal parts when none are given.
// Bottom: x. Tops: the pieces. Backward joins the diffs.
// Reads slice_param { axis (default 1), slice_point, slice_dim (deprecated alias) }.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class SliceLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Slice"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int MinTopBlobs() const override { return 1; }
  std::vector<std::string> ParamFields() const override { return {"slice_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  int axis_ = 1;
};

}  // namespace strata
