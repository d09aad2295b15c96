// DataTransformer: Caffe's transform_param, shared by every data layer that
// takes one (Data, HDF5Data). For each example of C x H x W values:
//   mirror     with mirror: true, flip left-right with probability 1/2
//   crop       with crop_size: s, take an s x s window: random in TRAIN,
//              centered in TEST
//   mean       subtract mean_file (a BlobProto of 1 x C x H x W, as Caffe's
//              compute_image_mean writes) or mean_value (one, or one per channel)
//   scale      multiply by scale
// i.e. out = (in - mean) * scale, as Caffe computes it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "net.pb.h"
#include "strata/blob.hpp"
#include "strata/random.hpp"

namespace strata {

// Caffe's deprecated per-layer transform fields (data_param's and
// image_data_param's scale, mean_file, crop_size, mirror) move into
// `transform`, with a warning naming `what` ("layer 'data': data_param").
void MoveDeprecatedTransformFields(bool has_scale, float scale, bool has_mean_file,
                                   const std::string& mean_file, bool has_crop_size,
                                   uint32_t crop_size, bool has_mirror, bool mirror,
                                   const std::string& what, TransformationParameter* transform);
template <class Param>
void MoveDeprecatedTransformFields(const Param& p, const std::string& what,
                                   TransformationParameter* transform) {
  MoveDeprecatedTransformFields(p.has_scale(), p.scale(), p.has_mean_file(), p.mean_file(),
                                p.has_crop_size(), p.crop_size(), p.has_mirror(), p.mirror(), what,
                                transform);
}

class DataTransformer {
 public:
  // Reads mean_file now; IoError / ConfigError on bad parameters.
  DataTransformer(const TransformationParameter& param, Phase phase);

  // The C x H' x W' shape of a transformed C x H x W example (ShapeError when
  // crop_size exceeds it or the mean does not fit).
  std::vector<int> OutputShape(int channels, int height, int width) const;

  // Transforms one example. `rng` supplies the mirror and crop draws.
  void Transform(const uint8_t* in, int channels, int height, int width, Rng* rng,
                 float* out) const;
  void Transform(const float* in, int channels, int height, int width, Rng* rng, float* out) const;

  // The random stream for the next example: a copy of `rng` as it stands, with
  // `rng` moved past the draws Transform makes for one example. Examples given
  // their own streams so can be transformed in parallel, in any order, and get
  // the draws a one-by-one pass would give them.
  Rng StreamForExample(Rng* rng) const;
  // Moves `rng` past one example's draws without keeping them (an example
  // another data-parallel shard reads).
  void SkipExample(Rng* rng) const;

  // True when the transform is the identity (no crop, mirror, mean or scale).
  bool identity() const;

 private:
  template <typename T>
  void Apply(const T* in, int channels, int height, int width, Rng* rng, float* out) const;

  TransformationParameter param_;
  Phase phase_;
  Blob mean_;
  bool has_mean_file_ = false;
};

}  // namespace strata
