// Net diagnostics: the non-finite scans behind check_finite and the
// per-layer debug_info log.
#include <glog/logging.h>

#include <cmath>

#include "strata/net.hpp"

namespace strata {

namespace {

// Index of the first non-finite element, or -1.
int FirstNonFinite(const float* x, int n) {
  for (int i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) return i;
  }
  return -1;
}

std::string Describe(float value) { return std::isnan(value) ? "nan" : value > 0 ? "inf" : "-inf"; }

}  // namespace

std::string Net::FindNonFiniteForward() const {
  for (size_t i = 0; i < layers_.size(); ++i) {
    const auto& params = layers_[i]->blobs();
    for (size_t p = 0; p < params.size(); ++p) {
      const int bad = FirstNonFinite(params[p]->data(), params[p]->count());
      if (bad >= 0) {
        return Context(static_cast<int>(i)) + "parameter " + std::to_string(p) + " holds " +
               Describe(params[p]->data()[bad]) + " at index " + std::to_string(bad);
      }
    }
    for (size_t t = 0; t < top_vecs_[i].size(); ++t) {
      const Blob& top = *top_vecs_[i][t];
      const int bad = FirstNonFinite(top.data(), top.count());
      if (bad >= 0) {
        return Context(static_cast<int>(i)) + "forward produced " + Describe(top.data()[bad]) +
               " in top '" + blob_names_[top_ids_[i][t]] + "' " + top.shape_string() +
               " at index " + std::to_string(bad);
      }
    }
  }
  return "";
}

std::string Net::FindNonFiniteBackward() const {
  for (int i = static_cast<int>(layers_.size()) - 1; i >= 0; --i) {
    if (!layer_need_backward_[i]) continue;
    const auto& params = layers_[i]->blobs();
    for (size_t p = 0; p < params.size(); ++p) {
      if (!layers_[i]->param_propagate_down(static_cast<int>(p))) continue;
      const int bad = FirstNonFinite(params[p]->diff(), params[p]->count());
      if (bad >= 0) {
        return Context(i) + "backward produced " + Describe(params[p]->diff()[bad]) +
               " in the gradient of parameter " + std::to_string(p) + " at index " +
               std::to_string(bad);
      }
    }
    for (size_t b = 0; b < bottom_vecs_[i].size(); ++b) {
      if (!bottom_need_backward_[i][b]) continue;
      const Blob& bottom = *bottom_vecs_[i][b];
      const int bad = FirstNonFinite(bottom.diff(), bottom.count());
      if (bad >= 0) {
        return Context(i) + "backward produced " + Describe(bottom.diff()[bad]) +
               " in the gradient of bottom '" + blob_names_[bottom_ids_[i][b]] + "' " +
               bottom.shape_string() + " at index " + std::to_string(bad);
      }
    }
  }
  return "";
}

void Net::ForwardDebugInfo(int i) const {
  for (size_t t = 0; t < top_vecs_[i].size(); ++t) {
    const Blob& blob = *top_vecs_[i][t];
    LOG(INFO) << "    [Forward] Layer " << layer_names_[i] << ", top blob "
              << blob_names_[top_ids_[i][t]]
              << " data: " << blob.asum_data() / std::max(blob.count(), 1);
  }
  const auto& params = layers_[i]->blobs();
  for (size_t p = 0; p < params.size(); ++p) {
    LOG(INFO) << "    [Forward] Layer " << layer_names_[i] << ", param blob " << p
              << " data: " << params[p]->asum_data() / std::max(params[p]->count(), 1);
  }
}

void Net::BackwardDebugInfo(int i) const {
  for (size_t b = 0; b < bottom_vecs_[i].size(); ++b) {
    if (!bottom_need_backward_[i][b]) continue;
    const Blob& blob = *bottom_vecs_[i][b];
    LOG(INFO) << "    [Backward] Layer " << layer_names_[i] << ", bottom blob "
              << blob_names_[bottom_ids_[i][b]]
              << " diff: " << blob.asum_diff() / std::max(blob.count(), 1);
  }
  const auto& params = layers_[i]->blobs();
  for (size_t p = 0; p < params.size(); ++p) {
    if (!layers_[i]->param_propagate_down(static_cast<int>(p))) continue;
    LOG(INFO) << "    [Backward] Layer " << layer_names_[i] << ", param blob " << p
              << " diff: " << params[p]->asum_diff() / std::max(params[p]->count(), 1);
  }
}

void Net::LogParamUpdates() const {
  for (size_t i = 0; i < layers_.size(); ++i) {
    const auto& params = layers_[i]->blobs();
    for (size_t p = 0; p < params.size(); ++p) {
      const Blob& blob = *params[p];
      const int n = std::max(blob.count(), 1);
      LOG(INFO) << "    [Update] Layer " << layer_names_[i] << ", param " << p
                << " data: " << blob.asum_data() / n << "; diff: " << blob.asum_diff() / n;
    }
  }
}

}  // namespace strata
