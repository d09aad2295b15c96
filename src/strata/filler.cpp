#include "strata/filler.hpp"

#include <cmath>
#include <string>

#include "strata/blob.hpp"
#include "strata/errors.hpp"
#include "strata/math.hpp"
#include "strata/random.hpp"

namespace strata {

namespace {

void FillUniform(float low, float high, Rng* rng, Blob* blob) {
  float* data = blob->mutable_data();
  for (int i = 0; i < blob->count(); ++i) data[i] = rng->Uniform(low, high);
}

void FillGaussian(float mean, float stddev, Rng* rng, Blob* blob) {
  float* data = blob->mutable_data();
  for (int i = 0; i < blob->count(); ++i) data[i] = rng->Gaussian(mean, stddev);
}

void RequireAxes(const Blob& blob, int axes, const std::string& type) {
  if (blob.num_axes() < axes || blob.count() == 0) {
    throw ConfigError("filler '" + type + "' needs a non-empty blob with at least " +
                      std::to_string(axes) + " axes, got shape " + blob.shape_string());
  }
}

// The `n` of xavier and msra.
float FanNormalizer(const FillerParameter& param, const Blob& blob) {
  RequireAxes(blob, 1, param.type());
  const float fan_in = static_cast<float>(blob.count()) / blob.shape(0);
  const float fan_out =
      blob.num_axes() > 1 ? static_cast<float>(blob.count()) / blob.shape(1) : blob.count();
  switch (param.variance_norm()) {
    case FillerParameter::FAN_OUT:
      return fan_out;
    case FillerParameter::AVERAGE:
      return (fan_in + fan_out) / 2;
    default:
      return fan_in;
  }
}

}  // namespace

void ValidateFiller(const FillerParameter& param) {
  const std::string& type = param.type();
  if (type != "constant" && type != "uniform" && type != "gaussian" &&
      type != "positive_unitball" && type != "xavier" && type != "msra") {
    throw ConfigError("unknown filler type '" + type +
                      "' (known: constant, uniform, gaussian, positive_unitball, xavier, msra)");
  }
  if (type == "uniform" && param.min() > param.max()) {
    throw ConfigError("uniform filler has min " + std::to_string(param.min()) + " > max " +
                      std::to_string(param.max()));
  }
  if (type == "gaussian" && param.std() < 0) {
    throw ConfigError("gaussian filler has negative std " + std::to_string(param.std()));
  }
}

void FillBlob(const FillerParameter& param, Rng* rng, Blob* blob) {
  ValidateFiller(param);
  const std::string& type = param.type();
  if (type == "constant") {
    math::Set(blob->count(), param.value(), blob->mutable_data());
  } else if (type == "uniform") {
    FillUniform(param.min(), param.max(), rng, blob);
  } else if (type == "gaussian") {
    FillGaussian(param.mean(), param.std(), rng, blob);
    if (param.sparse() >= 0) {
      RequireAxes(*blob, 1, type);
      const float keep = static_cast<float>(param.sparse()) / blob->shape(0);
      float* data = blob->mutable_data();
      for (int i = 0; i < blob->count(); ++i) {
        if (!rng->Bernoulli(keep)) data[i] = 0.f;
      }
    }
  } else if (type == "positive_unitball") {
    RequireAxes(*blob, 1, type);
    FillUniform(0.f, 1.f, rng, blob);
    const int rows = blob->shape(0);
    const int dim = blob->count() / rows;
    float* data = blob->mutable_data();
    for (int r = 0; r < rows; ++r) {
      double sum = 0;
      for (int j = 0; j < dim; ++j) sum += data[r * dim + j];
      for (int j = 0; j < dim; ++j) data[r * dim + j] = static_cast<float>(data[r * dim + j] / sum);
    }
  } else if (type == "xavier") {
    const float scale = std::sqrt(3.f / FanNormalizer(param, *blob));
    FillUniform(-scale, scale, rng, blob);
  } else if (type == "msra") {
    FillGaussian(0.f, std::sqrt(2.f / FanNormalizer(param, *blob)), rng, blob);
  }
}

}  // namespace strata
