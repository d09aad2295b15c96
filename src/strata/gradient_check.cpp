#include "strata/gradient_check.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "strata/errors.hpp"
#include "strata/math.hpp"

namespace strata {

namespace {

double Objective(const std::vector<Blob*>& top, const std::vector<std::vector<float>>& weights) {
  double sum = 0;
  for (size_t t = 0; t < top.size(); ++t) {
    const float* y = top[t]->data();
    for (int i = 0; i < top[t]->count(); ++i) sum += static_cast<double>(weights[t][i]) * y[i];
  }
  return sum;
}

}  // namespace

GradientCheckReport CheckLayerGradient(Layer* layer, const std::vector<Blob*>& bottom,
                                       const std::vector<Blob*>& top,
                                       const std::vector<int>& check_bottoms,
                                       const GradientCheckOptions& options) {
  std::vector<int> bottoms = check_bottoms;
  if (bottoms.empty() && !options.params_only) {
    for (size_t i = 0; i < bottom.size(); ++i) bottoms.push_back(static_cast<int>(i));
  }
  std::vector<bool> propagate_down(bottom.size(), false);
  if (options.params_only) bottoms.clear();
  // Every comparison below is written so that NaN fails it: a NaN threshold,
  // input, gradient or numeric estimate is a mismatch, never a pass.
  if (!(options.stepsize > 0) || !std::isfinite(options.stepsize) || !(options.threshold > 0) ||
      !std::isfinite(options.threshold)) {
    throw ConfigError("gradient check: stepsize and threshold must be finite and positive");
  }
  for (int b : bottoms) {
    if (b < 0 || b >= static_cast<int>(bottom.size())) {
      throw InternalError("gradient check of bottom " + std::to_string(b) + " of a layer with " +
                          std::to_string(bottom.size()) + " bottoms");
    }
    propagate_down[b] = true;
  }

  auto forward = [&] {
    layer->Seed(options.seed);
    layer->Forward(bottom, top);
  };

  // Analytic gradients.
  forward();
  Rng rng(options.seed + 1);
  std::vector<std::vector<float>> weights(top.size());
  for (size_t t = 0; t < top.size(); ++t) {
    weights[t].resize(top[t]->count());
    for (float& w : weights[t]) w = rng.Uniform(-1.f, 1.f);
  }
  auto set_top_diffs = [&] {
    for (size_t t = 0; t < top.size(); ++t) {
      std::copy(weights[t].begin(), weights[t].end(), top[t]->mutable_diff());
    }
  };
  for (auto& blob : layer->blobs()) blob->SetDiffToZero();
  for (int b : bottoms) bottom[b]->SetDiffToZero();
  set_top_diffs();
  layer->Backward(top, propagate_down, bottom);

  struct Checked {
    Blob* blob;
    std::string name;
    std::vector<float> analytic;
  };
  std::vector<Checked> checked;
  for (size_t p = 0; p < layer->blobs().size(); ++p) {
    // Statistics such as BatchNorm's running mean are not parameters to learn.
    if (!layer->param_propagate_down(static_cast<int>(p))) continue;
    Blob* blob = layer->blobs()[p].get();
    checked.push_back({blob, "param " + std::to_string(p),
                       std::vector<float>(blob->diff(), blob->diff() + blob->count())});
  }
  for (int b : bottoms) {
    checked.push_back(
        {bottom[b], "bottom " + std::to_string(b),
         std::vector<float>(bottom[b]->diff(), bottom[b]->diff() + bottom[b]->count())});
  }

  GradientCheckReport report;
  const double h = options.stepsize;
  forward();
  const double base = Objective(top, weights);
  double noise = 0;
  if (options.rounding_floor) {
    double sumsq = 0;
    for (size_t t = 0; t < top.size(); ++t) {
      const float* y = top[t]->data();
      for (int i = 0; i < top[t]->count(); ++i) {
        const double term = static_cast<double>(weights[t][i]) * y[i];
        sumsq += term * term;
      }
    }
    noise = std::ldexp(std::sqrt(sumsq), -24) / h;
  }
  for (auto& entry : checked) {
    float* x = entry.blob->mutable_data();
    const int count = entry.blob->count();
    const int checks =
        options.max_checks_per_blob > 0 ? std::min(count, options.max_checks_per_blob) : count;
    for (int c = 0; c < checks; ++c) {
      const int i = static_cast<int>(static_cast<long long>(c) * count / checks);
      const float original = x[i];
      if (options.kink_range >= 0 && std::fabs(original - options.kink) <= options.kink_range) {
        ++report.skipped;
        continue;
      }
      x[i] = original + options.stepsize;
      forward();
      const double plus = Objective(top, weights);
      x[i] = original - options.stepsize;
      forward();
      const double minus = Objective(top, weights);
      x[i] = original;
      const double numeric = (plus - minus) / (2 * h);
      const double analytic = entry.analytic[i];
      const double scale = std::max({std::fabs(analytic), std::fabs(numeric), 1.0});
      const double tolerance = std::max(options.threshold * scale, noise);
      const double difference = std::fabs(analytic - numeric);
      const double ratio = std::isfinite(difference) && std::isfinite(tolerance)
                               ? difference / tolerance
                               : std::numeric_limits<double>::infinity();
      if (ratio > 1.0 && options.skip_detected_kinks && std::isfinite(original)) {
        const double right = (plus - base) / h, left = (base - minus) / h;
        if (std::isfinite(right) && std::isfinite(left) && std::fabs(right - left) > tolerance &&
            analytic >= std::min(left, right) - tolerance &&
            analytic <= std::max(left, right) + tolerance) {
          ++report.skipped;
          continue;
        }
      }
      report.max_error_ratio = std::max(report.max_error_ratio, ratio);
      ++report.checked;
      if (!(ratio <= 1.0)) report.mismatches.push_back({entry.name, i, analytic, numeric});
    }
  }
  forward();  // leave the tops consistent with the unperturbed inputs
  return report;
}

namespace {

LayerGradientCheck CheckNetLayer(Net* net, size_t i, GradientCheckOptions options) {
  LayerGradientCheck result;
  result.layer = net->layer_names()[i];
  Layer* layer = net->layers()[i].get();
  result.type = layer->type();
  std::vector<std::unique_ptr<Blob>> copies;
  std::vector<Blob*> bottom, top;
  std::vector<int> bottoms;
  for (const Blob* b : net->bottom_vecs()[i]) {
    if (layer->AllowForceBackward(static_cast<int>(bottom.size()))) {
      bottoms.push_back(static_cast<int>(bottom.size()));
    }
    copies.push_back(std::make_unique<Blob>());
    copies.back()->CopyFrom(*b, false, /*reshape=*/true);
    bottom.push_back(copies.back().get());
  }
  for (size_t t = 0; t < net->top_vecs()[i].size(); ++t) {
    copies.push_back(std::make_unique<Blob>());
    top.push_back(copies.back().get());
  }
  bool has_params = false;
  for (size_t p = 0; p < layer->blobs().size(); ++p) {
    has_params = has_params || layer->param_propagate_down(static_cast<int>(p));
  }
  if (bottoms.empty() && !has_params) {
    result.nothing_to_check = true;
    return result;
  }
  options.params_only = bottoms.empty();
  try {
    layer->Reshape(bottom, top);
    result.report = CheckLayerGradient(layer, bottom, top, bottoms, options);
    layer->Reshape(net->bottom_vecs()[i], net->top_vecs()[i]);
  } catch (const Error& e) {
    RethrowWithContext(e, "layer '" + result.layer + "' (" + result.type + "): ");
  }
  return result;
}

}  // namespace

std::vector<LayerGradientCheck> CheckNetGradients(
    Net* net, const std::string& only_layer, const GradientCheckOptions& options,
    const std::function<void(const LayerGradientCheck&)>& on_layer) {
  if (!only_layer.empty()) net->layer_by_name(only_layer);  // ConfigError if absent
  std::vector<LayerGradientCheck> results;
  for (size_t i = 0; i < net->layers().size(); ++i) {
    if (only_layer.empty() || net->layer_names()[i] == only_layer) {
      results.push_back(CheckNetLayer(net, i, options));
      if (on_layer) on_layer(results.back());
    }
    net->ForwardFromTo(static_cast<int>(i), static_cast<int>(i));
  }
  return results;
}

}  // namespace strata
