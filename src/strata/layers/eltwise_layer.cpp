#include "strata/layers/eltwise_layer.hpp"

#include "strata/errors.hpp"
#include "strata/layer_registry.hpp"
#include "strata/math.hpp"
#include "strata/thread_pool.hpp"

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

void EltwiseLayer::FuseReLU(float negative_slope) {
  if (op_ != EltwiseParameter::SUM) {
    throw InternalError("Eltwise '" + layer_param_.name() + "': only a SUM fuses a ReLU");
  }
  relu_ = true;
  relu_slope_ = negative_slope;
}

// Element-wise work is memory-bound: each operation is one plain loop over
// a slice of the blobs (vectorised), slices spread over the pool.
constexpr int kSlice = 1 << 14;

void EltwiseLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const int n = top[0]->count();
  float* y = top[0]->mutable_data();
  std::vector<const float*> x;
  for (const Blob* b : bottom) x.push_back(b->data());
  if (op_ == EltwiseParameter::MAX) argmax_.assign(n, 0);
  int* argmax = argmax_.data();
  ParallelChunks(n, kSlice, [&](int begin, int end) {
    switch (op_) {
      case EltwiseParameter::SUM:
        for (int i = begin; i < end; ++i) y[i] = coeffs_[0] * x[0][i];
        for (size_t b = 1; b < x.size(); ++b) {
          const float c = coeffs_[b];
          for (int i = begin; i < end; ++i) y[i] += c * x[b][i];
        }
        if (relu_) math::Relu(end - begin, relu_slope_, y + begin, y + begin);
        break;
      case EltwiseParameter::PROD:
        for (int i = begin; i < end; ++i) y[i] = x[0][i];
        for (size_t b = 1; b < x.size(); ++b) {
          for (int i = begin; i < end; ++i) y[i] *= x[b][i];
        }
        break;
      case EltwiseParameter::MAX:
        for (int i = begin; i < end; ++i) y[i] = x[0][i];
        for (size_t b = 1; b < x.size(); ++b) {
          for (int i = begin; i < end; ++i) {
            if (x[b][i] > y[i]) {
              y[i] = x[b][i];
              argmax[i] = static_cast<int>(b);
            }
          }
        }
        break;
    }
  });
}

void EltwiseLayer::BackwardCpu(const std::vector<Blob*>& top,
                               const std::vector<bool>& propagate_down,
                               const std::vector<Blob*>& bottom) {
  const int n = top[0]->count();
  const float* dy = top[0]->diff();
  if (op_ == EltwiseParameter::SUM) return BackwardSum(dy, top[0]->data(), propagate_down, bottom);
  for (size_t b = 0; b < bottom.size(); ++b) {
    if (!propagate_down[b]) continue;
    float* dx = bottom[b]->mutable_diff();
    std::vector<const float*> others;
    for (size_t o = 0; o < bottom.size(); ++o) {
      if (o != b) others.push_back(bottom[o]->data());
    }
    ParallelChunks(n, kSlice, [&](int begin, int end) {
      switch (op_) {
        case EltwiseParameter::PROD:
          for (int i = begin; i < end; ++i) dx[i] = dy[i];
          for (const float* x : others) {
            for (int i = begin; i < end; ++i) dx[i] *= x[i];
          }
          break;
        case EltwiseParameter::SUM:  // BackwardSum, above
          break;
        case EltwiseParameter::MAX:
          for (int i = begin; i < end; ++i) {
            dx[i] = argmax_[i] == static_cast<int>(b) ? dy[i] : 0.f;
          }
          break;
      }
    });
  }
}

// dx_b = coeff_b dy, every bottom from one slice of dy while it is in cache;
// with a fused ReLU, dy first passes the ReLU's backward (math::ReluBackward,
// as ReLULayer's, so the results are the separate layers' to the bit).
void EltwiseLayer::BackwardSum(const float* dy, const float* y,
                               const std::vector<bool>& propagate_down,
                               const std::vector<Blob*>& bottom) {
  const int n = bottom[0]->count();
  const float slope = relu_slope_;
  std::vector<float*> diffs(bottom.size(), nullptr);
  for (size_t b = 0; b < bottom.size(); ++b) {
    if (propagate_down[b]) diffs[b] = bottom[b]->mutable_diff();
  }
  ParallelChunks(n, kSlice, [&](int begin, int end) {
    for (size_t b = 0; b < bottom.size(); ++b) {
      float* dx = diffs[b];
      if (dx == nullptr) continue;
      const float c = coeffs_[b];
      if (relu_) {
        math::ReluBackward(end - begin, slope, c, dy + begin, y + begin, dx + begin);
      } else {
        for (int i = begin; i < end; ++i) dx[i] = c * dy[i];
      }
    }
  });
}

STRATA_REGISTER_LAYER(Eltwise);

}  // namespace strata
