#include "strata/layers/inner_product_layer.hpp"

#include <algorithm>

#include "strata/errors.hpp"
#include "strata/filler.hpp"
#include "strata/gemm_nt.hpp"
#include "strata/layer_registry.hpp"
#include "strata/math.hpp"
#include "strata/packed_gemm.hpp"
#include "strata/thread_pool.hpp"

namespace strata {

void InnerProductLayer::LayerSetUp(const std::vector<Blob*>& bottom,
                                   const std::vector<Blob*>& /*top*/) {
  const InnerProductParameter& param = layer_param_.inner_product_param();
  if (!param.has_num_output() || param.num_output() == 0) {
    throw ConfigError("inner_product_param.num_output must be set and positive");
  }
  n_ = static_cast<int>(param.num_output());
  bias_term_ = param.bias_term();
  transpose_ = param.transpose();
  const int axis = bottom[0]->CanonicalAxisIndex(param.axis());
  k_ = bottom[0]->count(axis);
  const std::vector<int> weight_shape =
      transpose_ ? std::vector<int>{k_, n_} : std::vector<int>{n_, k_};
  std::vector<ParamBlobSpec> specs = {{"weight", weight_shape, &param.weight_filler()}};
  if (bias_term_) specs.push_back({"bias", {n_}, &param.bias_filler()});
  SetUpParamBlobs(specs);
  param_propagate_down_.assign(blobs_.size(), true);
}

void InnerProductLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const int axis = bottom[0]->CanonicalAxisIndex(layer_param_.inner_product_param().axis());
  const int k = bottom[0]->count(axis);
  if (k != k_) {
    throw ShapeError("bottom shape " + bottom[0]->shape_string() + " has " + std::to_string(k) +
                     " inputs per example from axis " + std::to_string(axis) + ", but the weight " +
                     blobs_[0]->shape_string() + " expects " + std::to_string(k_));
  }
  m_ = bottom[0]->count(0, axis);
  std::vector<int> top_shape(bottom[0]->shape().begin(), bottom[0]->shape().begin() + axis);
  top_shape.push_back(n_);
  top[0]->Reshape(top_shape);
  if (bias_term_ && bias_multiplier_.count() != m_) {
    bias_multiplier_.Reshape({m_});
    math::Set(m_, 1.f, bias_multiplier_.mutable_data());
  }
}

void InnerProductLayer::ForwardCpu(const std::vector<Blob*>& bottom,
                                   const std::vector<Blob*>& top) {
  const float* x = bottom[0]->data();
  const float* w = blobs_[0]->data();
  float* y = top[0]->mutable_data();
  if (!transpose_ && math::GemmIsa() != math::Isa::kGeneric) {
    // y = x W^T, both read along their rows by the vector kernels, with no
    // packed copy of W (OpenBLAS packs it on every call); each part of y's
    // columns starts from the bias.
    constexpr int kColumnsPerHandOut = 32;
    const float* bias = bias_term_ ? blobs_[1]->data() : nullptr;
    ParallelChunks(n_, kColumnsPerHandOut, [&](int begin, int end) {
      for (int i = 0; i < m_; ++i) {
        float* row = y + static_cast<size_t>(i) * n_;
        if (bias != nullptr) {
          std::copy(bias + begin, bias + end, row + begin);
        } else {
          std::fill(row + begin, row + end, 0.f);
        }
      }
      math::GemmAccumulateNT(m_, end - begin, k_, x, k_, w + static_cast<size_t>(begin) * k_, k_,
                             y + begin, n_);
    });
    return;
  }
  math::Gemm(false, !transpose_, m_, n_, k_, 1.f, x, w, 0.f, y);
  if (bias_term_) {
    // y += ones(M) * b^T
    math::Gemm(false, false, m_, n_, 1, 1.f, bias_multiplier_.data(), blobs_[1]->data(), 1.f, y);
  }
}

void InnerProductLayer::ParamGradients(const float* dy, const float* x, float* weight_diff,
                                       float* bias_diff) const {
  if (weight_diff != nullptr) {
    if (transpose_) {
      math::Gemm(true, false, k_, n_, m_, 1.f, x, dy, 1.f, weight_diff);
    } else {
      math::Gemm(true, false, n_, k_, m_, 1.f, dy, x, 1.f, weight_diff);
    }
  }
  if (bias_diff != nullptr) {
    math::Gemv(true, m_, n_, 1.f, dy, bias_multiplier_.data(), 1.f, bias_diff);
  }
}

void InnerProductLayer::InputGradient(const float* dy, const float* weights, float* dx) const {
  math::Gemm(false, transpose_, m_, k_, n_, 1.f, dy, weights, 0.f, dx);
}

void InnerProductLayer::BackwardCpu(const std::vector<Blob*>& top,
                                    const std::vector<bool>& propagate_down,
                                    const std::vector<Blob*>& bottom) {
  const float* dy = top[0]->diff();
  const float* x = bottom[0]->data();
  float* weight_diff = param_propagate_down(0) ? blobs_[0]->mutable_diff() : nullptr;
  float* bias_diff = bias_term_ && param_propagate_down(1) ? blobs_[1]->mutable_diff() : nullptr;
  float* dx = propagate_down[0] ? bottom[0]->mutable_diff() : nullptr;
  const float* weights = blobs_[0]->data();
  // The weight gradient and the input gradient are independent products of
  // the same size: where both are needed and large, each of two threads
  // computes one whole, instead of both threads splitting each (which packs
  // the shared operand twice and waits twice for the slower half). On one
  // thread the two run in order, as below.
  constexpr double kMinParallelFlops = 8e6;
  if (weight_diff != nullptr && dx != nullptr && 2.0 * m_ * n_ * k_ >= kMinParallelFlops) {
    ParallelChunks(2, 1, [&](int task, int) {
      if (task == 0) {
        ParamGradients(dy, x, weight_diff, bias_diff);
      } else {
        InputGradient(dy, weights, dx);
      }
    });
    return;
  }
  ParamGradients(dy, x, weight_diff, bias_diff);
  if (dx != nullptr) InputGradient(dy, weights, dx);
}

STRATA_REGISTER_LAYER(InnerProduct);

}  // namespace strata
