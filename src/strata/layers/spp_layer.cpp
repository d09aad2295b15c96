#include "strata/layers/spp_layer.hpp"

#include <cmath>

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/math.hpp"

namespace strata {

void SPPLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/, const std::vector<Blob*>& /*top*/) {
  const SPPParameter& p = layer_param_.spp_param();
  if (p.pyramid_height() < 1) throw ConfigError("spp_param.pyramid_height must be at least 1");
  if (p.pool() == SPPParameter::STOCHASTIC)
    throw ConfigError("STOCHASTIC pooling is not supported");
}

void SPPLayer::BuildLevels(const Blob& bottom) {
  const SPPParameter& p = layer_param_.spp_param();
  height_ = bottom.shape(2);
  width_ = bottom.shape(3);
  levels_.clear();
  outputs_.clear();
  for (uint32_t level = 0; level < p.pyramid_height(); ++level) {
    const int bins = 1 << level;
    const int kernel_h = static_cast<int>(std::ceil(height_ / static_cast<double>(bins)));
    const int kernel_w = static_cast<int>(std::ceil(width_ / static_cast<double>(bins)));
    LayerParameter pool;
    pool.set_name(layer_param_.name() + "_level" + std::to_string(level));
    pool.set_type("Pooling");
    PoolingParameter* pp = pool.mutable_pooling_param();
    pp->set_pool(p.pool() == SPPParameter::AVE ? PoolingParameter::AVE : PoolingParameter::MAX);
    pp->set_kernel_h(kernel_h);
    pp->set_kernel_w(kernel_w);
    pp->set_stride_h(kernel_h);
    pp->set_stride_w(kernel_w);
    pp->set_pad_h((kernel_h * bins - height_ + 1) / 2);
    pp->set_pad_w((kernel_w * bins - width_ + 1) / 2);
    levels_.push_back(std::make_unique<PoolingLayer>(pool));
    outputs_.push_back(std::make_unique<Blob>());
    Blob* input = const_cast<Blob*>(&bottom);
    try {
      levels_.back()->SetUp({input}, {outputs_.back().get()});
    } catch (const ConfigError& e) {
      throw ShapeError("pyramid level " + std::to_string(level) +
                       " does not fit the bottom shape " + bottom.shape_string() + ": " + e.what());
    }
  }
}

void SPPLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  if (bottom[0]->num_axes() != 4) {
    throw ShapeError("SPP needs a 4-D bottom (N x C x H x W), got " + bottom[0]->shape_string());
  }
  if (bottom[0]->shape(2) != height_ || bottom[0]->shape(3) != width_) BuildLevels(*bottom[0]);
  for (size_t l = 0; l < levels_.size(); ++l) levels_[l]->Reshape({bottom[0]}, {outputs_[l].get()});
  if (levels_.size() == 1) {
    top[0]->ReshapeLike(*outputs_[0]);
    return;
  }
  int total = 0;
  for (const auto& out : outputs_) total += out->count(1);
  top[0]->Reshape({bottom[0]->shape(0), total});
}

void SPPLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const int num = bottom[0]->shape(0), width = top[0]->count(1);
  int offset = 0;
  for (size_t l = 0; l < levels_.size(); ++l) {
    levels_[l]->Forward({bottom[0]}, {outputs_[l].get()});
    const int part = outputs_[l]->count(1);
    for (int n = 0; n < num; ++n) {
      math::Copy(part, outputs_[l]->data() + static_cast<size_t>(n) * part,
                 top[0]->mutable_data() + static_cast<size_t>(n) * width + offset);
    }
    offset += part;
  }
}

void SPPLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                           const std::vector<Blob*>& bottom) {
  if (!propagate_down[0]) return;
  const int num = bottom[0]->shape(0), width = top[0]->count(1);
  std::vector<float> total(bottom[0]->count(), 0.f);
  int offset = 0;
  for (size_t l = 0; l < levels_.size(); ++l) {
    const int part = outputs_[l]->count(1);
    for (int n = 0; n < num; ++n) {
      math::Copy(part, top[0]->diff() + static_cast<size_t>(n) * width + offset,
                 outputs_[l]->mutable_diff() + static_cast<size_t>(n) * part);
    }
    offset += part;
    levels_[l]->Backward({outputs_[l].get()}, {true}, {bottom[0]});
    math::Axpy(bottom[0]->count(), 1.f, bottom[0]->diff(), total.data());
  }
  math::Copy(bottom[0]->count(), total.data(), bottom[0]->mutable_diff());
}

STRATA_REGISTER_LAYER(SPP);

}  // namespace strata
