// Concat: joins the bottoms along `axis`; all other dims must agree.
// Bottoms: one or more. Top: their concatenation. Backward slices the diff.
// Reads concat_param { axis (default 1), concat_dim (deprecated alias) }.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class ConcatLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Concat"; }
  int MinBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }
  std::vector<std::string> ParamFields() const override { return {"concat_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  int axis_ = 1;
};

// Copies `part` (outer x part_dim x inner) into or out of `whole` (outer x
// whole_dim x inner) at offset `at` along the middle axis. Shared by Concat and Slice.
void CopyAlongAxis(int outer, int inner, int part_dim, int whole_dim, int at, const float* from,
                   float* to, bool into_whole);

}  // namespace strata
