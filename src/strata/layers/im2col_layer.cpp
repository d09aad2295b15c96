#include "strata/layers/im2col_layer.hpp"

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

namespace {
int Pick(const google::protobuf::RepeatedField<uint32_t>& values, int index, bool has_single,
         uint32_t single, int fallback) {
  if (has_single) return static_cast<int>(single);
  if (values.size() == 0) return fallback;
  if (values.size() > 2) throw ConfigError("give one value, or one per spatial axis (2)");
  return static_cast<int>(values.Get(values.size() == 1 ? 0 : index));
}
}  // namespace

void Im2colLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const ConvolutionParameter& p = layer_param_.convolution_param();
  if (bottom[0]->num_axes() != 4) {
    throw ShapeError("Im2col needs a 4-D bottom (N x C x H x W), got " + bottom[0]->shape_string());
  }
  math::Window2d w{};
  w.channels = bottom[0]->shape(1);
  w.height = bottom[0]->shape(2);
  w.width = bottom[0]->shape(3);
  w.kernel_h = Pick(p.kernel_size(), 0, p.has_kernel_h(), p.kernel_h(), 0);
  w.kernel_w = Pick(p.kernel_size(), 1, p.has_kernel_w(), p.kernel_w(), 0);
  w.pad_h = Pick(p.pad(), 0, p.has_pad_h(), p.pad_h(), 0);
  w.pad_w = Pick(p.pad(), 1, p.has_pad_w(), p.pad_w(), 0);
  w.stride_h = Pick(p.stride(), 0, p.has_stride_h(), p.stride_h(), 1);
  w.stride_w = Pick(p.stride(), 1, p.has_stride_w(), p.stride_w(), 1);
  w.dilation_h = Pick(p.dilation(), 0, false, 0, 1);
  w.dilation_w = Pick(p.dilation(), 1, false, 0, 1);
  if (w.kernel_h <= 0 || w.kernel_w <= 0 || w.stride_h <= 0 || w.stride_w <= 0 ||
      w.dilation_h <= 0 || w.dilation_w <= 0) {
    throw ConfigError("Im2col needs a positive kernel size, stride and dilation");
  }
  if (w.output_height() <= 0 || w.output_width() <= 0 ||
      w.height + 2 * w.pad_h < w.dilation_h * (w.kernel_h - 1) + 1 ||
      w.width + 2 * w.pad_w < w.dilation_w * (w.kernel_w - 1) + 1) {
    throw ShapeError("the kernel does not fit the bottom shape " + bottom[0]->shape_string());
  }
  window_ = w;
  top[0]->Reshape({bottom[0]->shape(0), w.channels * w.kernel_h * w.kernel_w, w.output_height(),
                   w.output_width()});
}

void Im2colLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const int in = bottom[0]->count(1), out = top[0]->count(1);
  for (int n = 0; n < bottom[0]->shape(0); ++n) {
    math::Im2col(bottom[0]->data() + static_cast<size_t>(n) * in, window_,
                 top[0]->mutable_data() + static_cast<size_t>(n) * out);
  }
}

void Im2colLayer::BackwardCpu(const std::vector<Blob*>& top,
                              const std::vector<bool>& propagate_down,
                              const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const int in = bottom[0]->count(1), out = top[0]->count(1);
  for (int n = 0; n < bottom[0]->shape(0); ++n) {
    math::Col2im(top[0]->diff() + static_cast<size_t>(n) * out, window_,
                 bottom[0]->mutable_diff() + static_cast<size_t>(n) * in);
  }
}

STRATA_REGISTER_LAYER(Im2col);

}  // namespace strata
