#include "strata/layers/scale_layer.hpp"

#include "strata/errors.hpp"
#include "strata/filler.hpp"
#include "strata/layer_registry.hpp"
#include "strata/math.hpp"
#include "strata/thread_pool.hpp"

namespace strata {

void ScaleLayer::LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& /*top*/) {
  const ScaleParameter& p = layer_param_.scale_param();
  axis_ = bottom[0]->CanonicalAxisIndex(p.axis());
  const bool learned_scale = bottom.size() == 1;
  const std::vector<int> shape =
      learned_scale ? LearnedOperandShape(*bottom[0], axis_, p.num_axes()) : bottom[1]->shape();
  FillerParameter filler = p.filler();
  if (!p.has_filler()) {  // Caffe's default: a scale of 1
    filler.set_type("constant");
    filler.set_value(1.f);
  }
  std::vector<ParamBlobSpec> specs;
  if (learned_scale) specs.push_back({"scale", shape, &filler});
  if (p.bias_term()) specs.push_back({"bias", shape, &p.bias_filler()});
  SetUpParamBlobs(specs);
  bias_index_ = p.bias_term() ? static_cast<int>(blobs_.size()) - 1 : -1;
  param_propagate_down_.assign(blobs_.size(), true);
}

void ScaleLayer::Reshape(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  view_ = MakeBroadcastView(*bottom[0], axis_, scale(bottom).shape());
  top[0]->ReshapeLike(*bottom[0]);
  input_.ReshapeLike(*bottom[0]);
}

// Planes (one channel of one outer index) are spread over the thread pool;
// the parameter gradients are summed per channel, each by one thread in a
// fixed order. In place, x is kept (input_) for the scale's gradient.
void ScaleLayer::ForwardCpu(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  const float* x = bottom[0]->data();
  if (top[0] == bottom[0]) {
    math::Copy(bottom[0]->count(), x, input_.mutable_data());
    x = input_.data();
  }
  const float* s = scale(bottom).data();
  const float* b = bias_index_ >= 0 ? blobs_[bias_index_]->data() : nullptr;
  float* y = top[0]->mutable_data();
  const int inner = view_.inner;
  ParallelFor(view_.outer * view_.dim, 1, [&](int, int begin, int end) {
    for (int od = begin; od < end; ++od) {
      const int d = od % view_.dim;
      const size_t base = static_cast<size_t>(od) * inner;
      const float factor = s[d], shift = b ? b[d] : 0.f;
      for (int i = 0; i < inner; ++i) y[base + i] = x[base + i] * factor + shift;
    }
  });
}

void ScaleLayer::BackwardCpu(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                             const std::vector<Blob*>& bottom) {
  const float* dy = top[0]->diff();
  const float* x = top[0] == bottom[0] ? input_.data() : bottom[0]->data();
  const bool learned_scale = bottom.size() == 1;
  const bool scale_needed = learned_scale ? param_propagate_down(0) : propagate_down[1];
  const bool bias_needed = bias_index_ >= 0 && param_propagate_down(bias_index_);
  const int inner = view_.inner;
  if (scale_needed || bias_needed) {
    std::vector<double> ds(view_.dim, 0.0), db(view_.dim, 0.0);
    ParallelFor(view_.dim, 1, [&](int, int begin, int end) {
      for (int d = begin; d < end; ++d) {
        for (int o = 0; o < view_.outer; ++o) {
          const size_t base = (static_cast<size_t>(o) * view_.dim + d) * inner;
          if (scale_needed) ds[d] += math::DotDouble(inner, dy + base, x + base);
          if (bias_needed) db[d] += math::SumDouble(inner, dy + base);
        }
      }
    });
    if (scale_needed) {
      // A learned scale accumulates; a bottom's diff is overwritten.
      float* target = learned_scale ? blobs_[0]->mutable_diff() : bottom[1]->mutable_diff();
      for (int d = 0; d < view_.dim; ++d) {
        target[d] = static_cast<float>((learned_scale ? target[d] : 0.f) + ds[d]);
      }
    }
    if (bias_needed) {
      float* target = blobs_[bias_index_]->mutable_diff();
      for (int d = 0; d < view_.dim; ++d) target[d] += static_cast<float>(db[d]);
    }
  }
  if (propagate_down[0]) {
    const float* s = scale(bottom).data();
    float* dx = bottom[0]->mutable_diff();
    ParallelFor(view_.outer * view_.dim, 1, [&](int, int begin, int end) {
      for (int od = begin; od < end; ++od) {
        const size_t base = static_cast<size_t>(od) * inner;
        const float factor = s[od % view_.dim];
        for (int i = 0; i < inner; ++i) dx[base + i] = dy[base + i] * factor;
      }
    });
  }
}

STRATA_REGISTER_LAYER(Scale);

}  // namespace strata
