// Silence: consumes its bottoms so they are not net outputs; no tops.
// Backward gives them zero gradient.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class SilenceLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Silence"; }
  int MinBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 0; }
  void Reshape(const std::vector<Blob*>& /*bottom*/, const std::vector<Blob*>& /*top*/) override {}

 protected:
  void ForwardCpu(const std::vector<Blob*>& /*bottom*/,
                  const std::vector<Blob*>& /*top*/) override {}
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;
};

}  // namespace strata
