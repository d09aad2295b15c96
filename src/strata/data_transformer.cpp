#include "strata/data_transformer.hpp"

#include <glog/logging.h>

#include "blob.pb.h"
#include "strata/errors.hpp"
#include "strata/io.hpp"
#include "strata/random.hpp"

namespace strata {

DataTransformer::DataTransformer(const TransformationParameter& param, Phase phase)
    : param_(param), phase_(phase) {
  if (param.has_mean_file() && param.mean_value_size() > 0) {
    throw ConfigError("transform_param: give mean_file or mean_value, not both");
  }
  if (param.has_mean_file()) {
    BlobProto proto;
    ReadProtoFromBinaryFile(param.mean_file(), &proto);
    mean_.FromProto(proto);
    has_mean_file_ = true;
  }
  // force_color and force_gray choose how encoded records are decoded: the
  // Data layer reads them, before any example reaches the transform.
}

void MoveDeprecatedTransformFields(bool has_scale, float scale, bool has_mean_file,
                                   const std::string& mean_file, bool has_crop_size,
                                   uint32_t crop_size, bool has_mirror, bool mirror,
                                   const std::string& what, TransformationParameter* transform) {
  if (!(has_scale || has_mean_file || has_crop_size || has_mirror)) return;
  LOG(WARNING) << what << " scale/mean_file/crop_size/mirror are deprecated; use transform_param";
  if (has_scale) transform->set_scale(scale);
  if (has_mean_file) transform->set_mean_file(mean_file);
  if (has_crop_size) transform->set_crop_size(crop_size);
  if (has_mirror) transform->set_mirror(mirror);
}

bool DataTransformer::identity() const {
  return param_.crop_size() == 0 && !param_.mirror() && !has_mean_file_ &&
         param_.mean_value_size() == 0 && param_.scale() == 1.f;
}

std::vector<int> DataTransformer::OutputShape(int channels, int height, int width) const {
  const int crop = static_cast<int>(param_.crop_size());
  if (crop > height || crop > width) {
    throw ShapeError("crop_size " + std::to_string(crop) + " exceeds the " +
                     std::to_string(height) + "x" + std::to_string(width) + " examples");
  }
  if (has_mean_file_ && mean_.count() != channels * height * width) {
    throw ShapeError("mean_file " + param_.mean_file() + " has shape " + mean_.shape_string() +
                     " but the examples are " + std::to_string(channels) + "x" +
                     std::to_string(height) + "x" + std::to_string(width));
  }
  if (param_.mean_value_size() > 1 && param_.mean_value_size() != channels) {
    throw ConfigError("transform_param has " + std::to_string(param_.mean_value_size()) +
                      " mean_value entries for " + std::to_string(channels) +
                      " channels; give one, or one per channel");
  }
  return {channels, crop ? crop : height, crop ? crop : width};
}

Rng DataTransformer::StreamForExample(Rng* rng) const {
  Rng stream = *rng;
  SkipExample(rng);
  return stream;
}

void DataTransformer::SkipExample(Rng* rng) const {
  // Apply's draws: one for the mirror coin, two for a TRAIN crop's offsets.
  const int draws = (param_.mirror() ? 1 : 0) + (param_.crop_size() && phase_ == TRAIN ? 2 : 0);
  rng->engine().discard(draws);
}

template <typename T>
void DataTransformer::Apply(const T* in, int channels, int height, int width, Rng* rng,
                            float* out) const {
  // Draws in Caffe's order: mirror, then the crop offsets.
  const bool mirror = param_.mirror() && (rng->engine()() & 1);
  const int crop = static_cast<int>(param_.crop_size());
  int h_off = 0, w_off = 0, out_h = height, out_w = width;
  if (crop) {
    out_h = out_w = crop;
    if (phase_ == TRAIN) {
      h_off = static_cast<int>(rng->engine()() % static_cast<uint64_t>(height - crop + 1));
      w_off = static_cast<int>(rng->engine()() % static_cast<uint64_t>(width - crop + 1));
    } else {
      h_off = (height - crop) / 2;
      w_off = (width - crop) / 2;
    }
  }
  const float scale = param_.scale();
  const float* mean = has_mean_file_ ? mean_.data() : nullptr;
  for (int c = 0; c < channels; ++c) {
    const float channel_mean = param_.mean_value_size() == 0   ? 0.f
                               : param_.mean_value_size() == 1 ? param_.mean_value(0)
                                                               : param_.mean_value(c);
    for (int h = 0; h < out_h; ++h) {
      const size_t source = static_cast<size_t>(c * height + h_off + h) * width + w_off;
      const T* row = in + source;
      float* target = out + static_cast<size_t>(c * out_h + h) * out_w;
      // One plain loop per case, so that the common ones (no mean image, no
      // mirror) vectorize; every value is computed as in the general case.
      if (mean != nullptr) {
        const float* mean_row = mean + source;
        for (int w = 0; w < out_w; ++w) {
          target[mirror ? out_w - 1 - w : w] = (static_cast<float>(row[w]) - mean_row[w]) * scale;
        }
      } else if (mirror) {
        for (int w = 0; w < out_w; ++w) {
          target[out_w - 1 - w] = (static_cast<float>(row[w]) - channel_mean) * scale;
        }
      } else {
        for (int w = 0; w < out_w; ++w) {
          target[w] = (static_cast<float>(row[w]) - channel_mean) * scale;
        }
      }
    }
  }
}

void DataTransformer::Transform(const uint8_t* in, int channels, int height, int width, Rng* rng,
                                float* out) const {
  Apply(in, channels, height, width, rng, out);
}

void DataTransformer::Transform(const float* in, int channels, int height, int width, Rng* rng,
                                float* out) const {
  Apply(in, channels, height, width, rng, out);
}

}  // namespace strata
