// BatchNorm: y = (x - mean) / sqrt(var + eps) per channel (axis 1), as Caffe
// defines and stores it; no scale or shift (follow it with a Scale layer).
// With use_global_stats false (the default in TRAIN) mean and var are the
// batch's (over N and the spatial axes; var biased), and the stored running
// sums are updated: s = maf * s + 1, mean_sum = maf * mean_sum + mean,
// var_sum = maf * var_sum + m / (m - 1) * var (m values per channel). With
// use_global_stats (the default in TEST) mean = mean_sum / s and var = var_sum / s.
// Bottom: N x C x ... Top: same shape. In place: yes.
// Blobs (not learned, lr_mult 0): mean_sum (C), var_sum (C), s (1).
// Reads batch_norm_param { use_global_stats, moving_average_fraction (maf), eps }.
//
// Training chains: on batch statistics, the Net hands this layer the
// in-place per-channel Scale (and ReLU) that follow it on its top
// (FuseFollowers); its forward then writes z = relu(gamma * x_hat + beta) in
// one pass, keeping only x_hat, and its backward computes the Scale's
// parameter gradients and the input gradient of all of them in two passes.
// The net skips the followers' own passes (net_fold.cpp).
#pragma once

#include "strata/layer.hpp"

namespace strata {

class BatchNormLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "BatchNorm"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }
  bool AllowsInPlace() const override { return true; }
  std::vector<std::string> ParamFields() const override { return {"batch_norm_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

  bool uses_batch_statistics() const { return !use_global_stats_; }
  // `scale` is a per-channel Scale (learned, on axis 1) in place on this
  // layer's top; `relu`, if not null, a ReLU in place after it. Both must
  // outlive this layer's use; the Net guarantees the placement.
  void FuseFollowers(Layer* scale, const Layer* relu);

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  bool use_global_stats_ = false;
  int channels_ = 0, num_ = 0, spatial_ = 0;
  std::vector<float> inv_std_;  // per channel, from the last forward
  Blob normalized_;             // y, kept for backward (bottom may be overwritten in place)
  Layer* scale_ = nullptr;      // fused followers (FuseFollowers)
  float relu_slope_ = 1.f;      // the fused ReLU's negative slope; 1: no ReLU

  // Where channel c of image n starts.
  size_t Plane(int n, int c) const { return (static_cast<size_t>(n) * channels_ + c) * spatial_; }
  void ComputeBatchStatistics(const float* x, std::vector<double>* mean, std::vector<double>* var);
  // The backward on batch statistics, with the fused Scale (and ReLU) if any.
  void BatchStatisticsBackward(const Blob& top, bool propagate_down, Blob* bottom);
};

}  // namespace strata
