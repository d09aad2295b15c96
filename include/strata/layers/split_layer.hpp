// Split: copies one bottom to several tops (sharing its memory) and sums their
// diffs on the way back. The Net inserts it where a top feeds several layers.
// Bottom: x. Tops: x, x, ... (same shape). In place: no.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class SplitLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Split"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int MinTopBlobs() const override { return 1; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;
};

}  // namespace strata
