// Shared machinery of Convolution and Deconvolution (not a layer type).
//
// Reads convolution_param: num_output, kernel_size / kernel_h+kernel_w, pad /
// pad_h+pad_w, stride / stride_h+stride_w, dilation, group, bias_term,
// weight_filler, bias_filler, axis. Two spatial axes follow the channel axis.
// The per-image work is im2col + one product per group: for small convolutions
// math::GemmPacked with the weights packed once per pass for the image and
// input-gradient products, else math::Gemm (OpenBLAS); math::Gemm for the
// weight gradient. 5x5 stride-1 convolutions with enough channels use
// Winograd's F(4x4, 5x5) instead (math::Winograd5x5), unless
// convolution_param.engine is CAFFE.
#pragma once

#include <vector>

#include "strata/conv_algorithm.hpp"
#include "strata/layer.hpp"
#include "strata/math.hpp"
#include "strata/packed_gemm.hpp"
#include "strata/winograd.hpp"

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
  // Whether the layer runs on Winograd's algorithm (decided in Reshape).
  bool uses_winograd() const { return !winograd_.empty(); }
  bool packed_products() const { return algorithm_ == ConvAlgorithm::kPacked; }
  // The ConvAlgorithm chosen for the current shape (conv_algorithm.hpp).
  std::string Algorithm() const override;

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  // True for Deconvolution: the roles of input and output swap.
  virtual bool reverse_dimensions() const = 0;

  // Bottom -> top is the convolution direction (ForwardGemm) for Convolution and
  // its adjoint (BackwardGemm) for Deconvolution; Backward swaps them.
  void ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                   const std::vector<Blob*>& bottom) override;

  // The three products of a convolution, each over `count` consecutive images
  // of the chunk (images of the convolution's input lie in_dim_ apart, of its
  // output out_dim_ apart). The images' columns sit side by side in one
  // matrix. On the packed path ForwardGemm and BackwardGemm read the weights
  // packed by PackWeights (false and true) and write or read each image's
  // output in place; otherwise, and for WeightGemm, each group is one
  // OpenBLAS GEMM over the whole chunk.
  // out = W * im2col(in) (+ bias per output channel, if not null)
  void ForwardGemm(const float* in, float* out, int count, const float* bias);
  // in_diff = col2im(W^T * out_diff)
  void BackwardGemm(const float* out_diff, float* in_diff, int count);
  // weights_diff += out_diff * im2col(in)^T
  void WeightGemm(const float* in, const float* out_diff, int count, float* weights_diff);
  // The same product read in place from plain windows (math::WeightGradWindow),
  // for any count of images (BackwardCpu passes a thread's whole part); only
  // where WeightGradInPlace().
  void WeightGemmWindow(const float* in, const float* out_diff, int count, float* weights_diff);
  bool WeightGradInPlace() const;
  // Packs each group's W (for ForwardGemm) or W^T (for BackwardGemm); on the
  // Winograd path, transforms them (for the forward or the input gradient).
  void PackWeights(bool transposed);
  // The Winograd path over images [begin, end) (one thread's part), per group.
  void WinogradForward(const float* x, float* y, int begin, int end);
  void WinogradBackward(const float* x, const float* dy, int begin, int end, float* dx,
                        float* weights_diff);
  void ForwardBias(const float* bias, float* output);
  void BackwardBias(const float* output_diff, float* bias_diff);

  int channel_axis_ = 1;
  int num_ = 0;       // images in the batch
  int channels_ = 0;  // bottom channels
  int num_output_ = 0;
  int group_ = 1;
  bool bias_term_ = true;
  int kernel_h_ = 0, kernel_w_ = 0, pad_h_ = 0, pad_w_ = 0, stride_h_ = 1, stride_w_ = 1;
  int dilation_h_ = 1, dilation_w_ = 1;
  int bottom_dim_ = 0, top_dim_ = 0;  // values per image
  // In the convolution direction ("conv_in" is the bottom for Convolution, the top for
  // Deconvolution).
  int conv_in_channels_ = 0, conv_out_channels_ = 0;
  int conv_in_h_ = 0, conv_in_w_ = 0, conv_out_spatial_ = 0;
  int in_dim_ = 0, out_dim_ = 0;  // values per image, convolution direction
  int chunk_ = 1;                 // images per GEMM
  math::Window2d window_{};
  math::Window2d group_window_{};  // window_ over one group's input channels
  // Forward and input-gradient products on the packed kernels (small
  // convolutions) or on OpenBLAS via a chunk matrix (large ones); see Reshape.
  ConvAlgorithm algorithm_ = ConvAlgorithm::kAuto;
  std::vector<math::PackedMatrix> packed_;   // per group, by PackWeights
  std::vector<math::Winograd5x5> winograd_;  // per group; empty off that path
  // Each part's parameter gradients while backward runs, kept by part, not by
  // thread: a pool busy elsewhere runs all parts on the calling thread.
  std::vector<std::vector<float>> weight_partials_, bias_partials_;
};

}  // namespace strata
