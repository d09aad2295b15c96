// SPP (spatial pyramid pooling): for levels l = 0 .. pyramid_height - 1,
// pools each channel into 2^l x 2^l bins (kernel = ceil(H / bins), stride =
// kernel, pad = (kernel bins - H + 1) / 2, as Caffe) and concatenates the
// flattened results: top N x C * sum_l 4^l. With pyramid_height 1 the top is
// the single pooling output, N x C x 1 x 1.
// Bottom: N x C x H x W. Reads spp_param { pyramid_height, pool (MAX, AVE) }.
#pragma once

#include <memory>

#include "strata/layers/pooling_layer.hpp"

namespace strata {

class SPPLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "SPP"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }
  std::vector<std::string> ParamFields() const override { return {"spp_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  void BuildLevels(const Blob& bottom);
  std::vector<std::unique_ptr<PoolingLayer>> levels_;
  std::vector<std::unique_ptr<Blob>> outputs_;
  int height_ = -1, width_ = -1;
};

}  // namespace strata
