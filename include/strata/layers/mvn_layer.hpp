// MVN (mean-variance normalization), as Caffe defines it: per example and
// channel (or per example, across_channels), y = x - mean, and with
// normalize_variance (default) y = (x - mean) / (std + eps).
// Bottom: N x C x ... Top: same shape. In place: no.
// Reads mvn_param { normalize_variance, across_channels, eps }.
#pragma once

#include "strata/layer.hpp"
#include "strata/layers/group_normalize.hpp"

namespace strata {

class MVNLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "MVN"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }
  std::vector<std::string> ParamFields() const override { return {"mvn_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  int groups_ = 0, size_ = 0;
  GroupStats stats_;
};

}  // namespace strata
