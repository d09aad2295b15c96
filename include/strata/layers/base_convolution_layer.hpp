// Shared machinery of Convolution and Deconvolution (not a layer type).
//
// Reads convolution_param: num_output, kernel_size / kernel_h+kernel_w, pad /
// pad_h+pad_w, stride / stride_h+stride_w, dilation, group, bias_term,
// weight_filler, bias_filler, axis, engine. Two spatial axes follow the
// channel axis. Reshape picks a ConvAlgorithm for the shape
// (conv/conv_algorithm.hpp) and the products run on its ConvStrategy
// (conv/conv_strategy.hpp); this class spreads the images over the thread
// pool, adds the bias and sums the parameter gradients.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "strata/conv/conv_algorithm.hpp"
#include "strata/conv/conv_strategy.hpp"
#include "strata/layer.hpp"
#include "strata/packed_gemm.hpp"

namespace strata {

class BaseConvolutionLayer : public Layer {
 public:
  using Layer::Layer;
  int MinBottomBlobs() const override { return 1; }
  int MinTopBlobs() const override { return 1; }
  bool EqualNumBottomTopBlobs() const override { return true; }
  std::vector<std::string> ParamFields() const override { return {"convolution_param"}; }
  void Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  double ForwardFlops(const std::vector<Blob*>& bottom,
                      const std::vector<Blob*>& top) const override;
  // The ConvAlgorithm chosen for the current shape (kAuto before Reshape).
  ConvAlgorithm algorithm() const {
    return strategy_ ? strategy_->algorithm() : ConvAlgorithm::kAuto;
  }
  // Its name, with how it runs where that varies.
  std::string Algorithm() const override;
  // Inference folding (net_fold.cpp): the forward ends by rectifying its
  // output, as an in-place ReLU with this negative slope would. Not for
  // training: the backward knows nothing of it.
  void FuseReLU(float negative_slope) { fused_relu_slope_ = negative_slope; }

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  // True for Deconvolution: the roles of input and output swap.
  virtual bool reverse_dimensions() const = 0;

  // Bottom -> top is the convolution's Forward for Convolution and its input
  // gradient for Deconvolution; Backward swaps them.
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;
  // Adds the bias to `count` consecutive images of the top.
  void AddBias(const float* bias, float* output, int count) const;

  int channel_axis_ = 1;
  int num_ = 0;       // images in the batch
  int channels_ = 0;  // bottom channels
  int num_output_ = 0;
  int group_ = 1;
  bool bias_term_ = true;
  int kernel_h_ = 0, kernel_w_ = 0, pad_h_ = 0, pad_w_ = 0, stride_h_ = 1, stride_w_ = 1;
  int dilation_h_ = 1, dilation_w_ = 1;
  int bottom_dim_ = 0, top_dim_ = 0;  // values per image
  // Channels in the convolution's direction ("in" is the bottom for
  // Convolution, the top for Deconvolution).
  int conv_in_channels_ = 0, conv_out_channels_ = 0;
  ConvShape shape_;  // in the convolution's direction
  std::unique_ptr<ConvStrategy> strategy_;
  // Hands the weights to the strategy for one use (forward, or the input
  // gradient). In TEST phase, not again while they are the last ones for the
  // same use: the blob's storage, address and write count (Storage::writes)
  // unchanged, so an inference net packs each layer's weights once, not per
  // batch. Training keeps handing them over: its weights change every step,
  // and a gradient check writes them through a pointer it keeps.
  void SetStrategyWeights(bool for_input_gradient);
  struct WeightsStamp {
    std::shared_ptr<const Storage> storage;
    const float* data = nullptr;
    uint64_t writes = 0;
    math::Isa isa = math::Isa::kGeneric;
    bool for_input_gradient = false;
  };
  WeightsStamp weights_set_;      // empty storage: none yet
  float fused_relu_slope_ = 1.f;  // 1: no fused ReLU (FuseReLU)
  // Each part's parameter gradients while backward runs, kept by part, not by
  // thread: a pool busy elsewhere runs all parts on the calling thread.
  std::vector<std::vector<float>> weight_partials_, bias_partials_;
};

}  // namespace strata
