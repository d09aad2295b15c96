// DummyData: tops filled by fillers, for tests and timing.
// Tops: shaped by dummy_data_param.shape (or the legacy num/channels/height/
// width lists), one entry for all tops or one per top. data_filler: none
// (constant 0), one for all tops, or one per top. Constant fillers fill once,
// as Caffe's do (code may write into such a top and keep it); others draw fresh
// values on every forward pass.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class DummyDataLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "DummyData"; }
  // A constant top keeps its values between passes: it keeps its memory too.
  bool WritesTopsEveryPass() const override;
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
  std::vector<bool> refill_;
};

}  // namespace strata
