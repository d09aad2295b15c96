// Pooling: MAX or AVE over kh x kw windows of each channel, as Caffe does it.
// Output size: ceil((H + 2 pad - k) / stride) + 1 (round_mode CEIL, the
// default) or floor(...) + 1 (FLOOR), less one when the last window would
// start in the padding. AVE divides by the window's size including padding
// (clipped at H + pad). global_pooling pools each whole channel.
// Bottom: N x C x H x W. Tops: N x C x H' x W'; MAX may add a second top with
// the argmax index (h * W + w) of each output. In place: no.
// Reads pooling_param { pool, kernel_size|kernel_h+kernel_w, pad|pad_h+pad_w,
// stride|stride_h+stride_w, global_pooling, round_mode }. STOCHASTIC is refused.
#pragma once

#include "strata/layer.hpp"

namespace strata {

class PoolingLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Pooling"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int MinTopBlobs() const override { return 1; }
  int MaxTopBlobs() const override {
    return layer_param_.pooling_param().pool() == PoolingParameter::MAX ? 2 : 1;
  }
  std::vector<std::string> ParamFields() const override { return {"pooling_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  // One comparison or addition per window element.
  double ForwardFlops(const std::vector<Blob*>&, const std::vector<Blob*>& top) const override {
    return 1.0 * top[0]->count() * kernel_h_ * kernel_w_;
  }

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  int kernel_h_ = 0, kernel_w_ = 0, stride_h_ = 1, stride_w_ = 1, pad_h_ = 0, pad_w_ = 0;
  int channels_ = 0, height_ = 0, width_ = 0, pooled_h_ = 0, pooled_w_ = 0;
  bool global_ = false;
  // One channel of one image: (C's ceil rounding, padding, MAX or AVE).
  void ForwardPlane(const float* in, float* out, int* arg) const;
  // MAX over the outputs [ph0, ph1) x [pw0, pw1) of one plane, windows
  // clipped to the image.
  void MaxPoolWindows(const float* in, int ph0, int ph1, int pw0, int pw1, float* out,
                      int* arg) const;
  void BackwardPlane(const float* out_diff, const int* arg, float* in_diff) const;

  std::vector<int> argmax_;  // MAX: the winning bottom index of each output
  // Set in Reshape: 2 or 3 when ForwardPlane's unrolled MAX kernel applies
  // to the outputs whose windows lie inside the image (interior_h_ rows by
  // interior_w_ columns, [begin, end)); tiled_2x2_ when the windows are 2x2
  // with stride 2, inside the image, and so tile it without overlap (both
  // directions then run vector kernels).
  int unrolled_kernel_ = 0;
  struct Range {
    int begin = 0, end = 0;
  };
  Range interior_h_, interior_w_;
  bool tiled_2x2_ = false;
};

}  // namespace strata
