#include "strata/layers/base_convolution_layer.hpp"

#include <algorithm>

#include "strata/conv_algorithm.hpp"
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

  conv_in_h_ = reverse_dimensions() ? out_h : in_h;
  conv_in_w_ = reverse_dimensions() ? out_w : in_w;
  conv_out_spatial_ = reverse_dimensions() ? in_h * in_w : out_h * out_w;
  bottom_dim_ = first.count(channel_axis_);
  top_dim_ = top[0]->count(channel_axis_);
  window_ = math::Window2d{conv_in_channels_, conv_in_h_,  conv_in_w_, kernel_h_,
                           kernel_w_,         pad_h_,      pad_w_,     stride_h_,
                           stride_w_,         dilation_h_, dilation_w_};
  group_window_ = window_;
  group_window_.channels = conv_in_channels_ / group_;
  in_dim_ = conv_in_channels_ * conv_in_h_ * conv_in_w_;
  out_dim_ = conv_out_channels_ * conv_out_spatial_;
  // Images per chunk: as many as keep the column matrix within 512 KB, so that
  // it and OpenBLAS's packed copy of it stay in a core's L2 during the weight
  // gradient, one GEMM over the whole chunk. Only small output maps gain from
  // that: from a few hundred output pixels on, an image is a wide enough
  // product by itself. The other two products run image by image in any case
  // (GemmPacked). The sizes tried: docs/performance-log.md.
  constexpr long long kColumnFloats = 128 << 10;
  constexpr int kWideEnough = 256;
  const long long per_image =
      static_cast<long long>(conv_in_channels_) * kernel_h_ * kernel_w_ * conv_out_spatial_;
  chunk_ = static_cast<int>(
      std::max(1LL, std::min<long long>(num_, kColumnFloats / std::max(per_image, 1LL))));
  if (conv_out_spatial_ >= kWideEnough) chunk_ = 1;
  ConvProblem problem;
  problem.group_window = group_window_;
  problem.group_out_channels = conv_out_channels_ / group_;
  problem.out_spatial = conv_out_spatial_;
  problem.caffe_engine = layer_param_.convolution_param().engine() == ConvolutionParameter::CAFFE;
  problem.deconvolution = reverse_dimensions();
  algorithm_ = ChooseConvAlgorithm(problem);
  // Reshape runs before every forward: the groups' transformed weights are
  // kept while the shape stays (Winograd5x5::Reshape).
  if (algorithm_ == ConvAlgorithm::kWinograd) {
    winograd_.resize(group_);
    for (auto& w : winograd_) w.Reshape(group_window_, conv_out_channels_ / group_);
  } else {
    winograd_.clear();
  }
}

std::string BaseConvolutionLayer::Algorithm() const {
  std::string name = ConvAlgorithmName(algorithm_);
  if (packed_products() && !packed_.empty() && math::ReadsWindow(packed_[0], group_window_)) {
    name += " (window read in place)";
  }
  return name;
}

double BaseConvolutionLayer::ForwardFlops(const std::vector<Blob*>& bottom,
                                          const std::vector<Blob*>& /*top*/) const {
  // Per image: one (out/g) x spatial x (in/g * kh * kw) GEMM per group, plus the bias.
  const double gemm = 2.0 * conv_out_channels_ * conv_out_spatial_ * (conv_in_channels_ / group_) *
                      kernel_h_ * kernel_w_;
  const double bias = bias_term_ ? 1.0 * top_dim_ : 0.0;
  return bottom.size() * num_ * (gemm + bias);
}

namespace {

// The GEMM result of a chunk is [channels] x [count * spatial]; Scatter moves
// it into per-image layout, Gather the other way.
void Scatter(const float* matrix, int channels, int spatial, int count, int image_dim,
             float* images) {
  const size_t n = static_cast<size_t>(count) * spatial;
  for (int b = 0; b < count; ++b) {
    for (int c = 0; c < channels; ++c) {
      std::copy_n(matrix + c * n + static_cast<size_t>(b) * spatial, spatial,
                  images + static_cast<size_t>(b) * image_dim + static_cast<size_t>(c) * spatial);
    }
  }
}

// Copies each image's output gradient (channels x spatial, image_dim apart)
// side by side into a [channels] x [count * spatial] matrix for a GEMM.
void Gather(const float* images, int channels, int spatial, int count, int image_dim,
            float* matrix) {
  const size_t n = static_cast<size_t>(count) * spatial;
  for (int b = 0; b < count; ++b) {
    for (int c = 0; c < channels; ++c) {
      std::copy_n(images + static_cast<size_t>(b) * image_dim + static_cast<size_t>(c) * spatial,
                  spatial, matrix + c * n + static_cast<size_t>(b) * spatial);
    }
  }
}

}  // namespace

void BaseConvolutionLayer::PackWeights(bool transposed) {
  if (uses_winograd()) {
    // Each group's transformed weights, for the forward or (transposed) the
    // input gradient.
    const int m = conv_out_channels_ / group_;
    const int k = conv_in_channels_ / group_ * kernel_h_ * kernel_w_;
    for (int g = 0; g < group_; ++g) {
      winograd_[g].SetWeights(blobs_[0]->data() + static_cast<size_t>(g) * m * k, transposed);
    }
    return;
  }
  if (!packed_products()) {
    blobs_[0]->data();  // allocate before the threads read it
    return;
  }
  const int m = conv_out_channels_ / group_;
  const int k = conv_in_channels_ / group_ * kernel_h_ * kernel_w_;
  const float* weights = blobs_[0]->data();
  packed_.resize(group_);
  for (int g = 0; g < group_; ++g) {
    // W is m x k; BackwardGemm multiplies by W^T (k rows, depth m).
    packed_[g].Pack(transposed, transposed ? k : m, transposed ? m : k,
                    weights + static_cast<size_t>(g) * m * k);
  }
}

void BaseConvolutionLayer::ForwardGemm(const float* in, float* out, int count, const float* bias) {
  const int m = conv_out_channels_ / group_;
  const int k = conv_in_channels_ / group_ * kernel_h_ * kernel_w_;
  const int n = conv_out_spatial_ * count;
  // Plain windows (stride 1, no padding; LeNet's) are read from the image
  // itself, with no unfolded copy.
  if (packed_products() && math::ReadsWindow(packed_[0], group_window_)) {
    const size_t group_in = static_cast<size_t>(group_window_.channels) * conv_in_h_ * conv_in_w_;
    for (int b = 0; b < count; ++b) {
      for (int g = 0; g < group_; ++g) {
        math::GemmPackedWindow(packed_[g], in + static_cast<size_t>(b) * in_dim_ + g * group_in,
                               group_window_, bias ? bias + static_cast<size_t>(g) * m : nullptr,
                               out + static_cast<size_t>(b) * out_dim_ +
                                   static_cast<size_t>(g) * m * conv_out_spatial_,
                               conv_out_spatial_);
      }
    }
    return;
  }
  float* columns = math::Workspace(0, static_cast<size_t>(k) * group_ * n);
  for (int b = 0; b < count; ++b) {
    math::Im2col(in + static_cast<size_t>(b) * in_dim_, window_,
                 columns + static_cast<size_t>(b) * conv_out_spatial_, n);
  }
  if (!packed_products()) {
    // One image: the product is already in the output's layout.
    float* product = count == 1 ? out : math::Workspace(1, static_cast<size_t>(m) * group_ * n);
    const float* weights = blobs_[0]->data();
    for (int g = 0; g < group_; ++g) {
      math::Gemm(false, false, m, n, k, 1.f, weights + static_cast<size_t>(g) * m * k,
                 columns + static_cast<size_t>(g) * k * n, 0.f,
                 product + static_cast<size_t>(g) * m * n);
    }
    if (count > 1) Scatter(product, conv_out_channels_, conv_out_spatial_, count, out_dim_, out);
    for (int b = 0; b < count && bias; ++b) {
      ForwardBias(bias, out + static_cast<size_t>(b) * out_dim_);
    }
    return;
  }
  // Each image's product goes straight into its place in the output.
  for (int b = 0; b < count; ++b) {
    for (int g = 0; g < group_; ++g) {
      math::GemmPacked(
          packed_[g], conv_out_spatial_,
          columns + static_cast<size_t>(g) * k * n + static_cast<size_t>(b) * conv_out_spatial_, n,
          bias ? bias + static_cast<size_t>(g) * m : nullptr, false,
          out + static_cast<size_t>(b) * out_dim_ + static_cast<size_t>(g) * m * conv_out_spatial_,
          conv_out_spatial_);
    }
  }
}

void BaseConvolutionLayer::BackwardGemm(const float* out_diff, float* in_diff, int count) {
  const int m = conv_out_channels_ / group_;
  const int k = conv_in_channels_ / group_ * kernel_h_ * kernel_w_;
  const int n = conv_out_spatial_ * count;
  float* columns = math::Workspace(0, static_cast<size_t>(k) * group_ * n);
  if (!packed_products()) {
    const float* product = out_diff;
    if (count > 1) {
      float* gathered = math::Workspace(1, static_cast<size_t>(m) * group_ * n);
      Gather(out_diff, conv_out_channels_, conv_out_spatial_, count, out_dim_, gathered);
      product = gathered;
    }
    const float* weights = blobs_[0]->data();
    for (int g = 0; g < group_; ++g) {
      math::Gemm(true, false, k, n, m, 1.f, weights + static_cast<size_t>(g) * m * k,
                 product + static_cast<size_t>(g) * m * n, 0.f,
                 columns + static_cast<size_t>(g) * k * n);
    }
  }
  // Each image's output gradient is read where it lies.
  for (int b = 0; b < count && packed_products(); ++b) {
    for (int g = 0; g < group_; ++g) {
      math::GemmPacked(
          packed_[g], conv_out_spatial_,
          out_diff + static_cast<size_t>(b) * out_dim_ +
              static_cast<size_t>(g) * m * conv_out_spatial_,
          conv_out_spatial_, nullptr, false,
          columns + static_cast<size_t>(g) * k * n + static_cast<size_t>(b) * conv_out_spatial_, n);
    }
  }
  for (int b = 0; b < count; ++b) {
    math::Col2im(columns + static_cast<size_t>(b) * conv_out_spatial_, window_,
                 in_diff + static_cast<size_t>(b) * in_dim_, n);
  }
}

void BaseConvolutionLayer::WeightGemm(const float* in, const float* out_diff, int count,
                                      float* weights_diff) {
  const int m = conv_out_channels_ / group_;
  const int k = conv_in_channels_ / group_ * kernel_h_ * kernel_w_;
  const int n = conv_out_spatial_ * count;
  float* columns = math::Workspace(0, static_cast<size_t>(k) * group_ * n);
  for (int b = 0; b < count; ++b) {
    math::Im2col(in + static_cast<size_t>(b) * in_dim_, window_,
                 columns + static_cast<size_t>(b) * conv_out_spatial_, n);
  }
  const float* product = out_diff;
  if (count > 1) {
    float* gathered = math::Workspace(1, static_cast<size_t>(m) * group_ * n);
    Gather(out_diff, conv_out_channels_, conv_out_spatial_, count, out_dim_, gathered);
    product = gathered;
  }
  for (int g = 0; g < group_; ++g) {
    math::Gemm(false, true, m, k, n, 1.f, product + static_cast<size_t>(g) * m * n,
               columns + static_cast<size_t>(g) * k * n, 1.f,
               weights_diff + static_cast<size_t>(g) * m * k);
  }
}

bool BaseConvolutionLayer::WeightGradInPlace() const {
  return packed_products() && math::WeightGradReadsWindow(group_window_);
}

void BaseConvolutionLayer::WeightGemmWindow(const float* in, const float* out_diff, int count,
                                            float* weights_diff) {
  const int m = conv_out_channels_ / group_;
  const int k = conv_in_channels_ / group_ * kernel_h_ * kernel_w_;
  const size_t group_in = static_cast<size_t>(group_window_.channels) * conv_in_h_ * conv_in_w_;
  for (int g = 0; g < group_; ++g) {
    math::WeightGradWindow(m, out_diff + static_cast<size_t>(g) * m * conv_out_spatial_, out_dim_,
                           in + g * group_in, in_dim_, count, group_window_,
                           weights_diff + static_cast<size_t>(g) * m * k);
  }
}

void BaseConvolutionLayer::WinogradForward(const float* x, float* y, int begin, int end) {
  const int m = conv_out_channels_ / group_;
  const size_t group_in = static_cast<size_t>(group_window_.channels) * conv_in_h_ * conv_in_w_;
  const float* bias = bias_term_ ? blobs_[1]->data() : nullptr;
  for (int g = 0; g < group_; ++g) {
    winograd_[g].Forward(
        x + static_cast<size_t>(begin) * in_dim_ + g * group_in, in_dim_, end - begin,
        bias ? bias + static_cast<size_t>(g) * m : nullptr,
        y + static_cast<size_t>(begin) * out_dim_ + static_cast<size_t>(g) * m * conv_out_spatial_,
        out_dim_);
  }
}

void BaseConvolutionLayer::WinogradBackward(const float* x, const float* dy, int begin, int end,
                                            float* dx, float* weights_diff) {
  const int m = conv_out_channels_ / group_;
  const int k = conv_in_channels_ / group_ * kernel_h_ * kernel_w_;
  const size_t group_in = static_cast<size_t>(group_window_.channels) * conv_in_h_ * conv_in_w_;
  const size_t x_at = static_cast<size_t>(begin) * in_dim_;
  const size_t y_at = static_cast<size_t>(begin) * out_dim_;
  for (int g = 0; g < group_; ++g) {
    winograd_[g].Backward(x + x_at + g * group_in, in_dim_,
                          dy + y_at + static_cast<size_t>(g) * m * conv_out_spatial_, out_dim_,
                          end - begin, dx ? dx + x_at + g * group_in : nullptr,
                          weights_diff ? weights_diff + static_cast<size_t>(g) * m * k : nullptr);
  }
}

void BaseConvolutionLayer::ForwardBias(const float* bias, float* output) {
  math::AddChannelBias(num_output_, top_dim_ / num_output_, bias, output);
}

void BaseConvolutionLayer::BackwardBias(const float* output_diff, float* bias_diff) {
  math::AccumulateChannelSums(num_output_, top_dim_ / num_output_, output_diff, bias_diff);
}

// Images are handed out to the thread pool a few at a time (ParallelChunks: a
// core that is slowed down takes fewer); each thread runs them in chunks with
// its own workspace (and single-threaded GEMMs). An image's output does not
// depend on the images it is computed with.
void BaseConvolutionLayer::ForwardCpu(const std::vector<Blob*>& bottom,
                                      const std::vector<Blob*>& top) {
  // About 16 hand-outs per pass, so a core held up elsewhere takes fewer
  // (against 2 static parts: docs/performance-log.md, round seven).
  constexpr int kHandOuts = 16;
  int images_per_hand_out = ChunkGrain(num_, kHandOuts);
  if (uses_winograd()) {
    // Whole chunk steps of tiles per hand-out (batch 100, 4 tiles per image:
    // 8 images, not 7 and a last 2, whose 28 and 8 tiles run padded), where
    // that still leaves half the hand-outs: with many tiles per image (49 in
    // AlexNet's conv2, 16 images a step) the padding is a small share, and a
    // batch of 10 in one hand-out would keep a thread idle.
    const int step = winograd_[0].ImagesPerChunkStep();
    const int whole = (images_per_hand_out + step - 1) / step * step;
    if (whole * (kHandOuts / 2) <= num_) images_per_hand_out = whole;
  }
  for (size_t i = 0; i < bottom.size(); ++i) {
    const float* x = bottom[i]->data();
    float* y = top[i]->mutable_data();
    const float* bias = bias_term_ ? blobs_[1]->data() : nullptr;
    PackWeights(reverse_dimensions());
    if (uses_winograd()) {
      ParallelChunks(num_, images_per_hand_out,
                     [&](int begin, int end) { WinogradForward(x, y, begin, end); });
      continue;
    }
    ParallelChunks(num_, images_per_hand_out, [&](int begin, int end) {
      for (int n = begin; n < end; n += chunk_) {
        const int count = std::min(chunk_, end - n);
        const float* x_n = x + static_cast<size_t>(n) * bottom_dim_;
        float* y_n = y + static_cast<size_t>(n) * top_dim_;
        if (reverse_dimensions()) {
          BackwardGemm(x_n, y_n, count);
          for (int b = 0; b < count && bias; ++b) ForwardBias(bias, y_n + b * top_dim_);
        } else {
          ForwardGemm(x_n, y_n, count, bias);  // the bias rides along
        }
      }
    });
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
    if (dx != nullptr) PackWeights(!reverse_dimensions());
    // Decided per pass, as the forward's window read is, so that a change of
    // kernel set (math::SetGemmIsa) takes effect at once.
    const bool in_place = WeightGradInPlace();
    // Each part sums its images' parameter gradients apart; the parts are
    // added in order afterwards, so the result depends only on the thread count.
    const int parts = ParallelParts(num_, 1);
    std::vector<float*> weight_partial(parts, weights_diff), bias_partial(parts, bias_diff);
    if (parts > 1) {
      weight_partials_.resize(parts);
      bias_partials_.resize(parts);
      for (int p = 0; p < parts; ++p) {
        if (weight_grad) weight_partial[p] = Zeroed(&weight_partials_[p], weight_count);
        if (bias_grad) bias_partial[p] = Zeroed(&bias_partials_[p], num_output_);
      }
    }
    ParallelFor(num_, 1, [&](int part, int begin, int end) {
      for (int n = begin; n < end && bias_grad; ++n) {
        BackwardBias(dy + static_cast<size_t>(n) * top_dim_, bias_partial[part]);
      }
      if (uses_winograd()) {
        WinogradBackward(x, dy, begin, end, dx, weight_grad ? weight_partial[part] : nullptr);
        return;
      }
      // The weight gradient of images [n, n + count): it pairs the
      // convolution's input with its output's diff.
      const auto weight_gemm = [&](int n, int count) {
        const float* x_n = x + static_cast<size_t>(n) * bottom_dim_;
        const float* dy_n = dy + static_cast<size_t>(n) * top_dim_;
        const float* in = reverse_dimensions() ? dy_n : x_n;
        const float* out_diff = reverse_dimensions() ? x_n : dy_n;
        if (in_place) {
          WeightGemmWindow(in, out_diff, count, weight_partial[part]);
        } else {
          WeightGemm(in, out_diff, count, weight_partial[part]);
        }
      };
      // Read in place, all of this part's images go in one call.
      if (weight_grad && in_place) weight_gemm(begin, end - begin);
      for (int n = begin; n < end; n += chunk_) {
        const int count = std::min(chunk_, end - n);
        const float* dy_n = dy + static_cast<size_t>(n) * top_dim_;
        if (weight_grad && !in_place) weight_gemm(n, count);
        if (dx == nullptr) continue;
        float* dx_n = dx + static_cast<size_t>(n) * bottom_dim_;
        if (reverse_dimensions()) {
          ForwardGemm(dy_n, dx_n, count, nullptr);
        } else {
          BackwardGemm(dy_n, dx_n, count);
        }
      }
    });
    for (int p = 0; p < parts && parts > 1; ++p) {
      if (weight_grad) math::Axpy(weight_count, 1.f, weight_partial[p], weights_diff);
      if (bias_grad) math::Axpy(num_output_, 1.f, bias_partial[p], bias_diff);
    }
  }
}

}  // namespace strata
