// GoogleTest front end of strata::CheckLayerGradient: sets the layer up, runs
// the check and reports each mismatching element as a test failure.
#pragma once

#include <vector>

#include "strata/gradient_check.hpp"

namespace strata::testing {

// Calls layer->SetUp(bottom, top) first.
void ExpectGradientsMatch(Layer* layer, const std::vector<Blob*>& bottom,
                          const std::vector<Blob*>& top, const std::vector<int>& check_bottoms = {},
                          const GradientCheckOptions& options = {});

}  // namespace strata::testing
