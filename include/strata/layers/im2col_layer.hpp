// Im2col: unfolds every kh x kw patch (with pad, stride, dilation) into a
// column, as Convolution does internally.
// Bottom: N x C x H x W. Top: N x (C kh kw) x H' x W' (H', W' as Convolution).
// Reads convolution_param { kernel_size|kernel_h+kernel_w, pad|pad_h+pad_w,
// stride|stride_h+stride_w, dilation }; num_output and fillers are ignored.
#pragma once

#include "strata/layer.hpp"
#include "strata/math.hpp"

namespace strata {

class Im2colLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "Im2col"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }
  std::vector<std::string> ParamFields() const override { return {"convolution_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;

 protected:
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

 private:
  math::Window2d window_{};
};

}  // namespace strata
