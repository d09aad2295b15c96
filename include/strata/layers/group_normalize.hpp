// Normalizing contiguous groups of values to zero mean and unit scale, shared
// by MVN and LayerNorm. Each of `groups` groups holds `size` values.
#pragma once

#include <vector>

namespace strata {

struct GroupStats {
  std::vector<float> inv_scale;  // 1 / (the divisor) per group
  std::vector<float> ratio;      // std / divisor' for the exact gradient (1 when eps is inside)
};

// y = (x - mean) / divisor, divisor = sqrt(var + eps) (eps_inside) or
// sqrt(var) + eps (Caffe's MVN). With `scale_variance` false, y = x - mean.
GroupStats NormalizeGroups(const float* x, int groups, int size, float eps, bool eps_inside,
                           bool scale_variance, float* y);

// dx from dy for the y above (exact derivative).
void NormalizeGroupsBackward(const float* dy, const float* y, int groups, int size,
                             const GroupStats& stats, bool scale_variance, float* dx);

}  // namespace strata
