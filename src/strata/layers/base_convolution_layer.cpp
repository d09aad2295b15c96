#include "strata/layers/base_convolution_layer.hpp"

#include <algorithm>

#include "strata/errors.hpp"
#include "strata/filler.hpp"
#include "strata/thread_pool.hpp"

namespace strata {

namespace {

// `buffer` holding `count` zeros (grown only when too small).
float* Zeroed(std::vector<float>* buffer, int count) {
  if (buffer->size() < static_cast<size_t>(count)) buffer->resize(count);
  std::fill_n(buffer->data(), count, 0.f);
  return buffer->data();
}

// Reads a per-axis value given as `name_h`/`name_w` or as a repeated field
// with zero (default), one (both axes) or two values.
void ReadPair(const google::protobuf::RepeatedField<uint32_t>& values, bool has_h, uint32_t h,
              bool has_w, uint32_t w, int fallback, const char* name, int* out_h, int* out_w) {
  // uint32 values past int's range would turn negative when cast (and any
  // geometry that large overflows the output size arithmetic).
  const uint32_t kLargest = 1u << 24;
  auto too_large = [&](uint32_t value) {
    if (value > kLargest) {
      throw ConfigError(std::string("convolution_param.") + name + " " + std::to_string(value) +
                        " is too large (at most " + std::to_string(kLargest) + ")");
    }
  };
  too_large(h);
  too_large(w);
  for (uint32_t value : values) too_large(value);
  if (has_h || has_w) {
    if (values.size() > 0) {
      throw ConfigError(std::string("give ") + name + " or " + name + "_h/" + name +
                        "_w, not both");
    }
    if (!(has_h && has_w)) {
      throw ConfigError(std::string(name) + "_h and " + name + "_w go together");
    }
    *out_h = static_cast<int>(h);
    *out_w = static_cast<int>(w);
    return;
  }
  switch (values.size()) {
    case 0:
      *out_h = *out_w = fallback;
      return;
    case 1:
      *out_h = *out_w = static_cast<int>(values.Get(0));
      return;
    case 2:
      *out_h = static_cast<int>(values.Get(0));
      *out_w = static_cast<int>(values.Get(1));
      return;
    default:
      throw ConfigError(std::string(name) + " has " + std::to_string(values.size()) +
                        " values; give one, or one per spatial axis (2)");
  }
}

}  // namespace

void BaseConvolutionLayer::LayerSetUp(const std::vector<Blob*>& bottom,
                                      const std::vector<Blob*>& /*top*/) {
  const ConvolutionParameter& p = layer_param_.convolution_param();
  channel_axis_ = bottom[0]->CanonicalAxisIndex(p.axis());
  const int spatial_axes = bottom[0]->num_axes() - channel_axis_ - 1;
  if (spatial_axes != 2) {
    throw ShapeError("bottom shape " + bottom[0]->shape_string() + " has " +
                     std::to_string(spatial_axes) +
                     " spatial axes after the channel axis; only 2-D convolution is supported");
  }
  const int kernel_fallback = -1;
  ReadPair(p.kernel_size(), p.has_kernel_h(), p.kernel_h(), p.has_kernel_w(), p.kernel_w(),
           kernel_fallback, "kernel", &kernel_h_, &kernel_w_);
  if (kernel_h_ <= 0 || kernel_w_ <= 0) {
    throw ConfigError("convolution_param needs a positive kernel_size (or kernel_h and kernel_w)");
  }
  ReadPair(p.pad(), p.has_pad_h(), p.pad_h(), p.has_pad_w(), p.pad_w(), 0, "pad", &pad_h_, &pad_w_);
  ReadPair(p.stride(), p.has_stride_h(), p.stride_h(), p.has_stride_w(), p.stride_w(), 1, "stride",
           &stride_h_, &stride_w_);
  if (stride_h_ <= 0 || stride_w_ <= 0) throw ConfigError("stride must be positive");
  ReadPair(p.dilation(), false, 0, false, 0, 1, "dilation", &dilation_h_, &dilation_w_);
  if (dilation_h_ <= 0 || dilation_w_ <= 0) throw ConfigError("dilation must be positive");

  channels_ = bottom[0]->shape(channel_axis_);
  if (!p.has_num_output() || p.num_output() == 0) {
    throw ConfigError("convolution_param.num_output must be set and positive");
  }
  num_output_ = static_cast<int>(p.num_output());
  group_ = static_cast<int>(p.group());
  if (group_ <= 0 || channels_ % group_ != 0 || num_output_ % group_ != 0) {
    throw ConfigError("group " + std::to_string(p.group()) + " must divide both the " +
                      std::to_string(channels_) + " input channels and num_output " +
                      std::to_string(num_output_));
  }
  conv_in_channels_ = reverse_dimensions() ? num_output_ : channels_;
  conv_out_channels_ = reverse_dimensions() ? channels_ : num_output_;
  bias_term_ = p.bias_term();

  const std::vector<int> weight_shape{conv_out_channels_, conv_in_channels_ / group_, kernel_h_,
                                      kernel_w_};
  std::vector<ParamBlobSpec> specs = {{"weight", weight_shape, &p.weight_filler()}};
  if (bias_term_) specs.push_back({"bias", {num_output_}, &p.bias_filler()});
  SetUpParamBlobs(specs);
  param_propagate_down_.assign(blobs_.size(), true);
}

void BaseConvolutionLayer::Reshape(const std::vector<Blob*>& bottom,
                                   const std::vector<Blob*>& top) {
  const Blob& first = *bottom[0];
  if (first.num_axes() != channel_axis_ + 3) {
    throw ShapeError("bottom shape " + first.shape_string() + " changed its number of axes");
  }
  if (first.shape(channel_axis_) != channels_) {
    throw ShapeError("bottom shape " + first.shape_string() + " has " +
                     std::to_string(first.shape(channel_axis_)) + " channels; the weights expect " +
                     std::to_string(channels_));
  }
  for (const Blob* b : bottom) {
    if (b->shape() != first.shape()) {
      throw ShapeError("all bottoms must have the same shape, got " + first.shape_string() +
                       " and " + b->shape_string());
    }
  }
  num_ = first.count(0, channel_axis_);
  const int in_h = first.shape(channel_axis_ + 1), in_w = first.shape(channel_axis_ + 2);
  const int extent_h = dilation_h_ * (kernel_h_ - 1) + 1;
  const int extent_w = dilation_w_ * (kernel_w_ - 1) + 1;
  int out_h, out_w;
  if (reverse_dimensions()) {
    out_h = stride_h_ * (in_h - 1) + extent_h - 2 * pad_h_;
    out_w = stride_w_ * (in_w - 1) + extent_w - 2 * pad_w_;
  } else {
    out_h = (in_h + 2 * pad_h_ - extent_h) / stride_h_ + 1;
    out_w = (in_w + 2 * pad_w_ - extent_w) / stride_w_ + 1;
    if (in_h + 2 * pad_h_ < extent_h || in_w + 2 * pad_w_ < extent_w) out_h = out_w = 0;
  }
  if (out_h <= 0 || out_w <= 0) {
    throw ShapeError("a " + std::to_string(kernel_h_) + "x" + std::to_string(kernel_w_) +
                     " kernel (dilation " + std::to_string(dilation_h_) + ", pad " +
                     std::to_string(pad_h_) + ", stride " + std::to_string(stride_h_) +
                     ") does not fit the bottom shape " + first.shape_string());
  }
  std::vector<int> top_shape(first.shape().begin(), first.shape().begin() + channel_axis_);
  top_shape.insert(top_shape.end(), {num_output_, out_h, out_w});
  for (Blob* t : top) t->Reshape(top_shape);

  const int conv_in_h = reverse_dimensions() ? out_h : in_h;
  const int conv_in_w = reverse_dimensions() ? out_w : in_w;
  bottom_dim_ = first.count(channel_axis_);
  top_dim_ = top[0]->count(channel_axis_);
  shape_.window = math::Window2d{conv_in_channels_, conv_in_h,   conv_in_w,  kernel_h_,
                                 kernel_w_,         pad_h_,      pad_w_,     stride_h_,
                                 stride_w_,         dilation_h_, dilation_w_};
  shape_.group = group_;
  shape_.out_channels = conv_out_channels_;
  shape_.images = num_;
  ConvProblem problem;
  problem.shape = shape_;
  problem.caffe_engine = layer_param_.convolution_param().engine() == ConvolutionParameter::CAFFE;
  problem.deconvolution = reverse_dimensions();
  problem.fixed_weights = phase() == TEST;
  const ConvAlgorithm algorithm = ChooseConvAlgorithm(problem);
  if (!strategy_ || strategy_->algorithm() != algorithm) {
    strategy_ = MakeConvStrategy(algorithm);
    weights_set_ = {};
  }
  // Reshape runs before every forward: strategies keep what depends only on
  // the shape (Winograd's transformed weights) while it stays.
  strategy_->Reshape(shape_);
  // ForwardCpu and BackwardCpu run such a strategy as a convolution only.
  if (strategy_->SpreadsOverPool() && reverse_dimensions()) {
    throw InternalError(std::string("a deconvolution on ") + strategy_->Description() +
                        ", which spreads itself over the pool");
  }
}

void BaseConvolutionLayer::SetStrategyWeights(bool for_input_gradient) {
  const float* data = blobs_[0]->data();
  const Storage& storage = blobs_[0]->data_storage();
  const math::Isa isa = math::GemmIsa();
  if (phase() == TEST && weights_set_.storage.get() == &storage && weights_set_.data == data &&
      weights_set_.writes == storage.writes() && weights_set_.isa == isa &&
      weights_set_.for_input_gradient == for_input_gradient) {
    return;
  }
  strategy_->SetWeights(data, for_input_gradient);
  weights_set_ = {blobs_[0]->shared_data_storage(), data, storage.writes(), isa,
                  for_input_gradient};
}

std::string BaseConvolutionLayer::Algorithm() const {
  return strategy_ ? strategy_->Description() : ConvAlgorithmName(ConvAlgorithm::kAuto);
}

double BaseConvolutionLayer::ForwardFlops(const std::vector<Blob*>& bottom,
                                          const std::vector<Blob*>& /*top*/) const {
  // Per image: one (out/g) x spatial x (in/g * kh * kw) GEMM per group, plus the bias.
  const double gemm = 2.0 * conv_out_channels_ * shape_.out_spatial() *
                      (conv_in_channels_ / group_) * kernel_h_ * kernel_w_;
  const double bias = bias_term_ ? 1.0 * top_dim_ : 0.0;
  return bottom.size() * num_ * (gemm + bias);
}

void BaseConvolutionLayer::AddBias(const float* bias, float* output, int count) const {
  for (int b = 0; b < count; ++b) {
    math::AddChannelBias(num_output_, top_dim_ / num_output_, bias,
                         output + static_cast<size_t>(b) * top_dim_);
  }
}

// Images are handed out to the thread pool a few at a time (ParallelChunks: a
// core that is slowed down takes fewer); each thread runs them with its own
// scratch (and single-threaded GEMMs). An image's output does not depend on
// the images it is computed with.
void BaseConvolutionLayer::ForwardCpu(const std::vector<Blob*>& bottom,
                                      const std::vector<Blob*>& top) {
  // About 16 hand-outs per pass, so a core held up elsewhere takes fewer
  // (against 2 static parts: docs/performance-log.md, round seven).
  constexpr int kHandOuts = 16;
  const float* bias = bias_term_ ? blobs_[1]->data() : nullptr;
  for (size_t i = 0; i < bottom.size(); ++i) {
    const float* x = bottom[i]->data();
    float* y = top[i]->mutable_data();
    SetStrategyWeights(reverse_dimensions());
    const int grain = strategy_->HandOutImages(ChunkGrain(num_, kHandOuts), kHandOuts);
    // The strategy rectifies its rows while they are in cache where it can.
    const bool rectified =
        fused_relu_slope_ != 1.f && !reverse_dimensions() && strategy_->RectifiesOutput();
    const ConvEpilogue epilogue{bias, rectified ? fused_relu_slope_ : 1.f};
    if (strategy_->SpreadsOverPool()) {
      strategy_->Forward(x, y, 0, num_, epilogue);
    } else {
      ParallelChunks(num_, grain, [&](int begin, int end) {
        if (!reverse_dimensions()) {
          strategy_->Forward(x, y, begin, end, epilogue);
        } else {
          strategy_->Backward(nullptr, x, begin, end, y, nullptr);
          if (bias) AddBias(bias, y + static_cast<size_t>(begin) * top_dim_, end - begin);
        }
      });
    }
    // Over the whole output, spread like the ReLU layer: a batch of one is a
    // single hand-out, which would rectify on one thread.
    if (fused_relu_slope_ != 1.f && !rectified) {
      const size_t count = static_cast<size_t>(num_) * top_dim_;
      ParallelFor(static_cast<int>(count), 1 << 16, [&](int, int begin, int end) {
        math::Relu(end - begin, fused_relu_slope_, y + begin, y + begin);
      });
    }
  }
}

void BaseConvolutionLayer::BackwardCpu(const std::vector<Blob*>& top,
                                       const std::vector<bool>& propagate_down,
                                       const std::vector<Blob*>& bottom) {
  const bool weight_grad = param_propagate_down(0);
  const bool bias_grad = bias_term_ && param_propagate_down(1);
  const int weight_count = blobs_[0]->count();
  for (size_t i = 0; i < top.size(); ++i) {
    const float* dy = top[i]->diff();
    const float* x = bottom[i]->data();
    float* dx = propagate_down[i] ? bottom[i]->mutable_diff() : nullptr;
    float* weights_diff = weight_grad ? blobs_[0]->mutable_diff() : nullptr;
    float* bias_diff = bias_grad ? blobs_[1]->mutable_diff() : nullptr;
    if (dx != nullptr) SetStrategyWeights(!reverse_dimensions());
    // Each part sums its images' parameter gradients apart; the parts are
    // added in order afterwards, so the result depends only on the thread count.
    // A strategy that spreads itself sums the weight gradient straight into it.
    const bool spreads = strategy_->SpreadsOverPool();
    const int parts = ParallelParts(num_, 1);
    std::vector<float*> weight_partial(parts, weights_diff), bias_partial(parts, bias_diff);
    if (parts > 1) {
      weight_partials_.resize(parts);
      bias_partials_.resize(parts);
      for (int p = 0; p < parts; ++p) {
        if (weight_grad && !spreads) weight_partial[p] = Zeroed(&weight_partials_[p], weight_count);
        if (bias_grad) bias_partial[p] = Zeroed(&bias_partials_[p], num_output_);
      }
    }
    if (spreads) strategy_->Backward(x, dy, 0, num_, dx, weights_diff);
    ParallelFor(num_, 1, [&](int part, int begin, int end) {
      for (int n = begin; n < end && bias_grad; ++n) {
        math::AccumulateChannelSums(num_output_, top_dim_ / num_output_,
                                    dy + static_cast<size_t>(n) * top_dim_, bias_partial[part]);
      }
      if (spreads) return;
      if (!reverse_dimensions()) {
        return strategy_->Backward(x, dy, begin, end, dx, weight_partial[part]);
      }
      // A deconvolution's weight gradient pairs its top's gradient (the
      // convolution's input) with its bottom (the convolution's output).
      if (weight_grad) strategy_->Backward(dy, x, begin, end, nullptr, weight_partial[part]);
      if (dx != nullptr) strategy_->Forward(dy, dx, begin, end, ConvEpilogue{});
    });
    for (int p = 0; p < parts && parts > 1; ++p) {
      if (weight_grad && !spreads) math::Axpy(weight_count, 1.f, weight_partial[p], weights_diff);
      if (bias_grad) math::Axpy(num_output_, 1.f, bias_partial[p], bias_diff);
    }
  }
}

}  // namespace strata
