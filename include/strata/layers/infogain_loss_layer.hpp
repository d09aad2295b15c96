// InfogainLoss, as Caffe 1.x defines it: p = softmax(x) along `axis`, and
// loss = -sum_i sum_k H[l_i, k] log(max(p_ik, 1e-20)) / normalizer, with H a
// K x K "infogain" matrix (H = identity gives SoftmaxWithLoss).
// Bottoms: scores x, labels [, H]. H comes from infogain_loss_param.source
// (a BlobProto file) when there is no third bottom. Top: loss [, p].
// dloss/dx_ik = (p_ik sum_k' H[l_i, k'] - H[l_i, k]) * weight / normalizer.
// Reads infogain_loss_param { source, axis } and loss_param.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class InfogainLossLayer : public LossLayer {
 public:
  using LossLayer::LossLayer;
  const char* type() const override { return "InfogainLoss"; }
  int MinBottomBlobs() const override { return 2; }
  int MaxBottomBlobs() const override { return 3; }
  int MaxTopBlobs() const override { return 2; }
  bool AllowForceBackward(int bottom_index) const override { return bottom_index == 0; }
  std::vector<std::string> ParamFields() const override {
    return {"loss_param", "infogain_loss_param"};
  }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  const Blob& infogain(const std::vector<Blob*>& bottom) const {
    return bottom.size() > 2 ? *bottom[2] : infogain_;
  }
  int Label(const float* labels, int position) const;
  float Divisor() const {
    return Normalizer(LossParameter::VALID, outer_, outer_ * inner_, valid_);
  }
  Blob infogain_, prob_;
  int outer_ = 0, channels_ = 0, inner_ = 0, valid_ = 0;
};

}  // namespace strata
