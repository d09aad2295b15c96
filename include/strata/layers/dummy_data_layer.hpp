// DummyData: tops filled by fillers, for tests and timing.
// Tops: shaped by dummy_data_param.shape (or the legacy num/channels/height/
// width lists), one entry for all tops or one per top. data_filler: none
// (constant 0), one for all tops, or one per top. Every top is filled on
// every forward pass (fresh values for random fillers), so a net that reuses
// activation buffers, or a layer running in place on a top, cannot leave a
// constant top changed.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class DummyDataLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "DummyData"; }
  int ExactNumBottomBlobs() const override { return 0; }
  int MinTopBlobs() const override { return 1; }
  std::vector<std::string> ParamFields() const override { return {"dummy_data_param"}; }
  void Reshape(const std::vector<Blob*>& /*bottom*/, const std::vector<Blob*>& /*top*/) override {}

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& /*top*/, const std::vector<bool>& /*propagate_down*/,
                   const std::vector<Blob*>& /*bottom*/) override {}

 private:
  std::vector<FillerParameter> fillers_;
};

}  // namespace strata
