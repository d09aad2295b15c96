// Tile: repeats the bottom `tiles` times along `axis`.
// Bottom: x. Top: x with shape[axis] * tiles. Backward sums the copies.
// Reads tile_param { axis (default 1), tiles (required, >= 1) }.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class TileLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Tile"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }
  std::vector<std::string> ParamFields() const override { return {"tile_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  int outer_ = 0, inner_ = 0, tiles_ = 1;
};

}  // namespace strata
