#include "strata/layers/eltwise_layer.hpp"

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

void EltwiseLayer::LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& /*top*/) {
  const EltwiseParameter& p = layer_param_.eltwise_param();
  op_ = p.operation();
  if (p.coeff_size() > 0) {
    if (op_ != EltwiseParameter::SUM) throw ConfigError("coeff applies to SUM only");
    if (p.coeff_size() != static_cast<int>(bottom.size())) {
      throw ConfigError("eltwise_param has " + std::to_string(p.coeff_size()) +
                        " coefficients for " + std::to_string(bottom.size()) +
                        " bottoms; give one per bottom");
    }
  }
  coeffs_.assign(bottom.size(), 1.f);
  for (int i = 0; i < p.coeff_size(); ++i) coeffs_[i] = p.coeff(i);
}

void EltwiseLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  for (size_t i = 1; i < bottom.size(); ++i) {
    if (bottom[i]->shape() != bottom[0]->shape()) {
      throw ShapeError("bottom " + std::to_string(i) + " has shape " + bottom[i]->shape_string() +
                       " but bottom 0 has " + bottom[0]->shape_string());
    }
  }
  top[0]->ReshapeLike(*bottom[0]);
}

void EltwiseLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const int n = top[0]->count();
  float* y = top[0]->mutable_data();
  if (op_ == EltwiseParameter::MAX) argmax_.assign(n, 0);
  for (int i = 0; i < n; ++i) {
    float value =
        op_ == EltwiseParameter::SUM ? coeffs_[0] * bottom[0]->data()[i] : bottom[0]->data()[i];
    for (size_t b = 1; b < bottom.size(); ++b) {
      const float x = bottom[b]->data()[i];
      switch (op_) {
        case EltwiseParameter::PROD:
          value *= x;
          break;
        case EltwiseParameter::SUM:
          value += coeffs_[b] * x;
          break;
        case EltwiseParameter::MAX:
          if (x > value) {
            value = x;
            argmax_[i] = static_cast<int>(b);
          }
          break;
      }
    }
    y[i] = value;
  }
}

void EltwiseLayer::BackwardCpu(const std::vector<Blob*>& top,
                               const std::vector<bool>& propagate_down,
                               const std::vector<Blob*>& bottom) {
  const int n = top[0]->count();
  const float* dy = top[0]->diff();
  for (size_t b = 0; b < bottom.size(); ++b) {
    if (!propagate_down[b]) continue;
    float* dx = bottom[b]->mutable_diff();
    for (int i = 0; i < n; ++i) {
      switch (op_) {
        case EltwiseParameter::PROD: {
          float others = 1.f;
          for (size_t o = 0; o < bottom.size(); ++o) {
            if (o != b) others *= bottom[o]->data()[i];
          }
          dx[i] = dy[i] * others;
          break;
        }
        case EltwiseParameter::SUM:
          dx[i] = coeffs_[b] * dy[i];
          break;
        case EltwiseParameter::MAX:
          dx[i] = argmax_[i] == static_cast<int>(b) ? dy[i] : 0.f;
          break;
      }
    }
  }
}

STRATA_REGISTER_LAYER(Eltwise);

}  // namespace strata
