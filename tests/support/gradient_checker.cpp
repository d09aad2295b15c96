#include "support/gradient_checker.hpp"

#include <gtest/gtest.h>

namespace strata::testing {

void ExpectGradientsMatch(Layer* layer, const std::vector<Blob*>& bottom,
                          const std::vector<Blob*>& top, const std::vector<int>& check_bottoms,
                          const GradientCheckOptions& options) {
  layer->SetUp(bottom, top);
  const GradientCheckReport report = CheckLayerGradient(layer, bottom, top, check_bottoms, options);
  EXPECT_GT(report.checked, 0) << "the gradient check compared no element";
  int shown = 0;
  for (const auto& m : report.mismatches) {
    if (++shown > 10) break;
    ADD_FAILURE() << layer->type() << " " << m.blob << " element " << m.index << ": analytic "
                  << m.analytic << " vs numeric " << m.numeric;
  }
  EXPECT_TRUE(report.mismatches.empty())
      << report.mismatches.size() << " of " << report.checked << " elements mismatch";
}

}  // namespace strata::testing
