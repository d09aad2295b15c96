// Fillers initialize parameter blobs, as Caffe's FillerParameter describes:
//   constant           value
//   uniform            U(min, max)
//   gaussian           N(mean, std); with sparse = s >= 0, each weight is kept
//                      with probability s / shape(0) and zeroed otherwise
//   positive_unitball  U(0, 1), each of the shape(0) rows scaled to sum to 1
//   xavier             U(-a, a), a = sqrt(3 / n)
//   msra               N(0, sqrt(2 / n))
// where n is fan_in = count / shape(0), fan_out = count / shape(1), or their
// average, by variance_norm.
#pragma once

#include "net.pb.h"

namespace strata {

class Blob;
class Rng;

// Throws ConfigError for an unknown type or a blob the filler cannot fill.
void FillBlob(const FillerParameter& param, Rng* rng, Blob* blob);

// Throws ConfigError unless `param` names a known filler type.
void ValidateFiller(const FillerParameter& param);

}  // namespace strata
