// Numerical gradient check for any layer, the proof behind every Backward.
//
// The objective is L = sum_k w_k * top_k over every element of every top, with
// fixed random weights w (so one check covers the whole Jacobian). The
// analytic gradient from Backward is compared with central differences
//   (L(x + h) - L(x - h)) / 2h
// for every element of the checked bottoms and of every parameter blob. An
// element passes when |analytic - numeric| <= threshold * max(|analytic|,
// |numeric|, 1). Elements within kink_range of a kink (e.g. ReLU at 0) are
// skipped. The layer's random stream is reseeded before every forward pass so
// that stochastic layers draw the same numbers each time.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "strata/layer.hpp"
#include "strata/net.hpp"

namespace strata {

struct GradientCheckOptions {
  float stepsize = 1e-2f;
  float threshold = 1e-3f;
  float kink = 0.f;
  float kink_range = -1.f;  // negative: skip nothing
  uint64_t seed = 1701;
  // Check the parameter blobs only (for layers whose inputs carry no gradient).
  bool params_only = false;
  // At most this many elements per blob, evenly spread (0: every element).
  int max_checks_per_blob = 0;
  // Forgive a mismatch that a kink of the forward function explains: the
  // one-sided slopes (f(x+h) - f(x)) / h and (f(x) - f(x-h)) / h disagree by
  // more than the tolerance and the analytic value lies between them (a ReLU
  // at 0, near-tied maxima in max pooling over a blank background). Such
  // elements count as skipped. Real data needs it; unit tests, which choose
  // inputs away from kinks, leave it off. A wrong gradient where the function
  // is smooth still fails: there both slopes agree with the numeric value.
  bool skip_detected_kinks = false;
  // Widen the tolerance to the rounding noise of a float objective over many
  // tops: 2^-24 * sqrt(sum (w * top)^2) / stepsize. Negligible for the small
  // blobs of unit tests, it decides for a BatchNorm over a whole real batch.
  bool rounding_floor = false;
};

struct GradientMismatch {
  std::string blob;  // "bottom 0" or "param 1"
  int index;
  double analytic;
  double numeric;
};

struct GradientCheckReport {
  int checked = 0;
  int skipped = 0;
  double max_error_ratio = 0;  // largest |analytic - numeric| / tolerance (<= 1 passes)
  std::vector<GradientMismatch> mismatches;
  bool passed() const { return mismatches.empty() && checked > 0; }
};

// `layer` must be set up with `bottom` and `top`. `check_bottoms` lists the
// bottoms to differentiate (empty: all). Every parameter blob the layer learns
// (param_propagate_down) is checked.
GradientCheckReport CheckLayerGradient(Layer* layer, const std::vector<Blob*>& bottom,
                                       const std::vector<Blob*>& top,
                                       const std::vector<int>& check_bottoms,
                                       const GradientCheckOptions& options = {});

// One layer of a net, checked where the net's own data put it.
struct LayerGradientCheck {
  std::string layer;
  std::string type;
  bool nothing_to_check = false;  // no bottom carries a gradient and no parameter learns
  GradientCheckReport report;
};

// Runs `net` forward layer by layer and checks each layer (only `only_layer`
// when not empty) just before its own forward, on copies of its bottoms (a
// layer in place would overwrite the inputs the check perturbs), so that it
// sees the inputs the net really gives it. `on_layer` sees each result as it
// comes. The net must be built with reuse_activations off.
std::vector<LayerGradientCheck> CheckNetGradients(
    Net* net, const std::string& only_layer, const GradientCheckOptions& options,
    const std::function<void(const LayerGradientCheck&)>& on_layer = {});

}  // namespace strata
