#include "strata/layers/batch_norm_layer.hpp"

#include <algorithm>
#include <cmath>

#include "strata/errors.hpp"
#include "strata/kernels/batch_norm_kernels.hpp"
#include "strata/layer_registry.hpp"
#include "strata/math.hpp"
#include "strata/thread_pool.hpp"

namespace strata {

void BatchNormLayer::LayerSetUp(const std::vector<Blob*>& bottom,
                                const std::vector<Blob*>& /*top*/) {
  const BatchNormParameter& p = layer_param_.batch_norm_param();
  use_global_stats_ = p.has_use_global_stats() ? p.use_global_stats() : phase() == TEST;
  if (p.moving_average_fraction() < 0 || p.moving_average_fraction() > 1) {
    throw ConfigError("moving_average_fraction must be in [0, 1]");
  }
  if (p.eps() < 0) throw ConfigError("eps must not be negative");
  if (bottom[0]->num_axes() < 2) {
    throw ShapeError("BatchNorm needs a channel axis; bottom shape " + bottom[0]->shape_string());
  }
  channels_ = bottom[0]->shape(1);
  SetUpParamBlobs({{"mean", {channels_}}, {"variance", {channels_}}, {"scale factor", {1}}},
                  /*by_count=*/true);
  // The statistics are not learned: lr_mult 0, as Caffe forces.
  for (int i = 0; i < 3; ++i) {
    if (i < layer_param_.param_size()) {
      if (layer_param_.param(i).lr_mult() != 0.f) {
        throw ConfigError("BatchNorm statistics cannot be learned; give lr_mult: 0 or no param");
      }
    } else {
      layer_param_.add_param()->set_lr_mult(0.f);
    }
  }
  param_propagate_down_.assign(3, false);
}

void BatchNormLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  if (bottom[0]->num_axes() < 2 || bottom[0]->shape(1) != channels_) {
    throw ShapeError("bottom shape " + bottom[0]->shape_string() + " does not have the " +
                     std::to_string(channels_) + " channels BatchNorm was set up with");
  }
  num_ = bottom[0]->shape(0);
  spatial_ = bottom[0]->count(2);
  top[0]->ReshapeLike(*bottom[0]);
  normalized_.ReshapeLike(*bottom[0]);
}

void BatchNormLayer::FuseFollowers(Layer* scale, const Layer* relu) {
  if (use_global_stats_ || scale == nullptr || scale->blobs().empty() ||
      scale->blobs()[0]->count() != channels_) {
    throw InternalError("BatchNorm '" + layer_param_.name() +
                        "': only a batch-statistics BatchNorm fuses a per-channel Scale");
  }
  scale_ = scale;
  // Without a ReLU the slope is 1: max(z, 0) + min(z, 0) is z exactly, and
  // the loops stay free of a branch (which had kept them from vectorising).
  relu_slope_ = relu ? relu->layer_param().relu_param().negative_slope() : 1.f;
}

// Channels are independent: they are spread over the thread pool, each summed
// by one thread in a fixed order (so results do not depend on the split).
void BatchNormLayer::ComputeBatchStatistics(const float* x, std::vector<double>* mean,
                                            std::vector<double>* var) {
  const BatchNormParameter& p = layer_param_.batch_norm_param();
  if (use_global_stats_) {
    const float s = blobs_[2]->data()[0];
    const double factor = s == 0.f ? 0.0 : 1.0 / s;
    for (int c = 0; c < channels_; ++c) {
      (*mean)[c] = blobs_[0]->data()[c] * factor;
      (*var)[c] = blobs_[1]->data()[c] * factor;
      // Stored statistics come from files: a negative or NaN variance would
      // turn every output of the channel into NaN.
      if (!std::isfinite((*mean)[c]) || !std::isfinite((*var)[c]) || (*var)[c] < 0) {
        throw DataError("stored statistics of channel " + std::to_string(c) + " are mean " +
                        std::to_string((*mean)[c]) + ", variance " + std::to_string((*var)[c]) +
                        " (scale factor " + std::to_string(s) +
                        "): the variance must be finite and non-negative (corrupt weights?)");
      }
    }
    return;
  }
  const double m = static_cast<double>(num_) * spatial_;
  if (m == 0) return;  // an empty batch has no statistics and leaves the running ones as they are
  const kernels::BatchNormKernels& planes = kernels::BatchNormKernelsFor(math::GemmIsa());
  ParallelFor(channels_, 1, [&](int, int begin, int end) {
    for (int c = begin; c < end; ++c) {
      // One pass: sums of d = x - shift and d^2, where the shift (a value of
      // the channel) lies within a few deviations of the mean, so that
      // E[d^2] - E[d]^2 keeps the variance's digits.
      const float shift = x[Plane(0, c)];
      double sum = 0, sum_squares = 0;
      planes.shifted_sums(num_, Plane(1, 0), spatial_, x + Plane(0, c), shift, &sum, &sum_squares);
      const double d = sum / m;
      (*mean)[c] = shift + d;
      (*var)[c] = std::max(0.0, sum_squares / m - d * d);
    }
  });
  const float maf = p.moving_average_fraction();
  blobs_[2]->mutable_data()[0] = blobs_[2]->data()[0] * maf + 1.f;
  const double correction = m > 1 ? m / (m - 1) : 1.0;
  for (int c = 0; c < channels_; ++c) {
    blobs_[0]->mutable_data()[c] = static_cast<float>((*mean)[c] + maf * blobs_[0]->data()[c]);
    blobs_[1]->mutable_data()[c] =
        static_cast<float>(correction * (*var)[c] + maf * blobs_[1]->data()[c]);
  }
}

void BatchNormLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float* x = bottom[0]->data();
  std::vector<double> mean(channels_, 0.0), var(channels_, 0.0);
  ComputeBatchStatistics(x, &mean, &var);
  const double eps = layer_param_.batch_norm_param().eps();
  inv_std_.resize(channels_);
  for (int c = 0; c < channels_; ++c) {
    inv_std_[c] = static_cast<float>(1.0 / std::sqrt(var[c] + eps));
  }
  float* y = top[0]->mutable_data();
  float* normalized = normalized_.mutable_data();
  // Without a Scale: gamma 1, beta 0 and slope 1 leave x_hat as it is.
  std::vector<float> mean_f(mean.begin(), mean.end()), gamma(channels_, 1.f), beta(channels_, 0.f);
  if (scale_) {
    std::copy_n(scale_->blobs()[0]->data(), channels_, gamma.begin());
    if (scale_->blobs().size() > 1) {
      std::copy_n(scale_->blobs()[1]->data(), channels_, beta.begin());
    }
  }
  const kernels::ChainParams params{mean_f.data(), inv_std_.data(), gamma.data(), beta.data(),
                                    scale_ ? relu_slope_ : 1.f};
  const kernels::BatchNormKernels& planes = kernels::BatchNormKernelsFor(math::GemmIsa());
  // A hand-out of planes runs as one call per image it touches.
  ParallelFor(num_ * channels_, 1, [&](int, int begin, int end) {
    for (int nc = begin; nc < end;) {
      const int c = nc % channels_, count = std::min(end - nc, channels_ - c);
      const size_t base = static_cast<size_t>(nc) * spatial_;
      const kernels::ChainParams from_c{params.mean + c, params.inv_std + c, params.gamma + c,
                                        params.beta + c, params.slope};
      planes.chain_forward(count, spatial_, x + base, from_c, normalized + base, y + base);
      nc += count;
    }
  });
}

void BatchNormLayer::BackwardCpu(const std::vector<Blob*>& top,
                                 const std::vector<bool>& propagate_down,
                                 const std::vector<Blob*>& bottom) {
  if (!use_global_stats_) {
    BatchStatisticsBackward(*top[0], propagate_down[0], bottom[0]);
    return;
  }
  if (!propagate_down[0]) return;
  const float* dy = top[0]->diff();
  float* dx = bottom[0]->mutable_diff();
  ParallelFor(num_ * channels_, 1, [&](int, int begin, int end) {
    for (int nc = begin; nc < end; ++nc) {
      const size_t base = static_cast<size_t>(nc) * spatial_;
      const float inv_std = inv_std_[nc % channels_];
      for (int i = 0; i < spatial_; ++i) dx[base + i] = dy[base + i] * inv_std;
    }
  });
}

// With g = dz * relu'(z) per element (z = x_hat * gamma + beta; gamma 1 and
// no ReLU without a fused Scale): dgamma += sum g x_hat, dbeta += sum g, and
// dx = gamma / std * (g - mean(g) - x_hat * mean(g x_hat)), the BatchNorm
// backward of dy = gamma g. One pass sums, one writes dx (over dz in place).
void BatchNormLayer::BatchStatisticsBackward(const Blob& top, bool propagate_down, Blob* bottom) {
  const bool scale_needed = scale_ && scale_->param_propagate_down(0);
  const bool bias_needed = scale_ && scale_->blobs().size() > 1 && scale_->param_propagate_down(1);
  if (!propagate_down && !scale_needed && !bias_needed) return;
  const double m = static_cast<double>(num_) * spatial_;
  if (m == 0) return;
  const float* gamma = scale_ ? scale_->blobs()[0]->data() : nullptr;
  const float* beta = scale_ && scale_->blobs().size() > 1 ? scale_->blobs()[1]->data() : nullptr;
  // (A slope of 1 is no ReLU.)
  using kernels::ReluSource;
  const ReluSource source = relu_slope_ == 1.f   ? ReluSource::kNone
                            : relu_slope_ >= 0.f ? ReluSource::kRecomputed
                                                 : ReluSource::kOutput;
  const kernels::BatchNormKernels& planes = kernels::BatchNormKernelsFor(math::GemmIsa());
  const auto chain_sums = planes.chain_sums[static_cast<int>(source)];
  const auto chain_gradient = planes.chain_gradient[static_cast<int>(source)];
  const auto plane = [&](int n, int c) {
    const size_t at = Plane(n, c);
    return kernels::ChainPlane{top.diff() + at,         top.data() + at,
                               normalized_.data() + at, gamma ? gamma[c] : 1.f,
                               beta ? beta[c] : 0.f,    relu_slope_};
  };
  std::vector<double> sum_g(channels_, 0.0), sum_g_x(channels_, 0.0);
  ParallelFor(channels_, 1, [&](int, int begin, int end) {
    for (int c = begin; c < end; ++c) {
      chain_sums(num_, Plane(1, 0), spatial_, plane(0, c), &sum_g[c], &sum_g_x[c]);
    }
  });
  if (scale_needed) {
    float* dgamma = scale_->blobs()[0]->mutable_diff();
    for (int c = 0; c < channels_; ++c) dgamma[c] += static_cast<float>(sum_g_x[c]);
  }
  if (bias_needed) {
    float* dbeta = scale_->blobs()[1]->mutable_diff();
    for (int c = 0; c < channels_; ++c) dbeta[c] += static_cast<float>(sum_g[c]);
  }
  if (!propagate_down) return;
  float* dx = bottom->mutable_diff();
  ParallelFor(channels_, 1, [&](int, int begin, int end) {
    for (int c = begin; c < end; ++c) {
      const float a = static_cast<float>(sum_g[c] / m), b = static_cast<float>(sum_g_x[c] / m);
      const float factor = (gamma ? gamma[c] : 1.f) * inv_std_[c];
      chain_gradient(num_, Plane(1, 0), spatial_, plane(0, c), a, b, factor, dx + Plane(0, c));
    }
  });
}

STRATA_REGISTER_LAYER(BatchNorm);

}  // namespace strata
