#include "strata/layers/group_normalize.hpp"

#include <cmath>

namespace strata {

GroupStats NormalizeGroups(const float* x, int groups, int size, float eps, bool eps_inside,
                           bool scale_variance, float* y) {
  GroupStats stats;
  stats.inv_scale.assign(groups, 1.f);
  stats.ratio.assign(groups, 1.f);
  for (int g = 0; g < groups; ++g) {
    const float* in = x + static_cast<size_t>(g) * size;
    float* out = y + static_cast<size_t>(g) * size;
    double mean = 0;
    for (int i = 0; i < size; ++i) mean += in[i];
    mean /= size;
    double var = 0;
    for (int i = 0; i < size; ++i) var += (in[i] - mean) * (in[i] - mean);
    var /= size;
    double divisor = 1;
    if (scale_variance) {
      const double std = std::sqrt(var);
      divisor = eps_inside ? std::sqrt(var + eps) : std + eps;
      // d(divisor)/d(var) relative to the eps-free case: std / sqrt(var + eps) when eps is
      // inside, std / (std + eps) * (std + eps) / std = ... folded into one factor.
      stats.ratio[g] = static_cast<float>(eps_inside ? 1.0 : (std > 0 ? divisor / std : 0.0));
    }
    stats.inv_scale[g] = static_cast<float>(1.0 / divisor);
    for (int i = 0; i < size; ++i) out[i] = static_cast<float>((in[i] - mean) / divisor);
  }
  return stats;
}

void NormalizeGroupsBackward(const float* dy, const float* y, int groups, int size,
                             const GroupStats& stats, bool scale_variance, float* dx) {
  for (int g = 0; g < groups; ++g) {
    const float* gy = dy + static_cast<size_t>(g) * size;
    const float* yy = y + static_cast<size_t>(g) * size;
    float* gx = dx + static_cast<size_t>(g) * size;
    double mean_dy = 0, mean_dy_y = 0;
    for (int i = 0; i < size; ++i) {
      mean_dy += gy[i];
      mean_dy_y += static_cast<double>(gy[i]) * yy[i];
    }
    mean_dy /= size;
    mean_dy_y /= size;
    if (!scale_variance) {
      for (int i = 0; i < size; ++i) gx[i] = static_cast<float>(gy[i] - mean_dy);
      continue;
    }
    const double r = stats.ratio[g];
    for (int i = 0; i < size; ++i) {
      gx[i] = static_cast<float>((gy[i] - mean_dy - yy[i] * mean_dy_y * r) * stats.inv_scale[g]);
    }
  }
}

}  // namespace strata
