// LRN (local response normalization), as Caffe defines it:
//   ACROSS_CHANNELS: y = x * (k + alpha / n * sum of x^2 over the n channels
//                    centered on this one) ^ -beta
//   WITHIN_CHANNEL:  y = x * (1 + alpha / n^2 * sum of x^2 over the n x n
//                    window centered here, zero-padded) ^ -beta   (k unused)
// n = local_size, which must be odd. Bottom: N x C x H x W. Top: same shape.
// Reads lrn_param { local_size, alpha, beta, norm_region, k }. In place: no.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class LRNLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "LRN"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }
  std::vector<std::string> ParamFields() const override { return {"lrn_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  // For one image: sums over each element's neighbourhood, into `out` (same layout as x).
  void NeighbourhoodSums(const float* x, float* out) const;
  int size_ = 5;
  float alpha_ = 1, beta_ = 0.75f, k_ = 1;
  bool across_ = true;
  int num_ = 0, channels_ = 0, height_ = 0, width_ = 0;
  Blob scale_;  // the base k + alpha/n * sum of squares, per element
};

}  // namespace strata
