#include "strata/image_mean.hpp"

#include "strata/datum.hpp"
#include "strata/errors.hpp"

namespace strata {

ImageMean ComputeImageMean(DbReader* reader, const std::function<void(size_t)>& progress) {
  const size_t total = reader->size();
  if (total == 0 || !reader->First()) throw IoError(reader->path() + ": the database is empty");
  ImageMean result;
  std::vector<float> sum;
  int channels = 0, height = 0, width = 0;
  for (size_t n = 0; n < total; ++n, reader->Next()) {
    const std::string name = reader->path() + ": record '" + PrintableKey(reader->key()) + "'";
    Datum datum;
    if (!datum.ParseFromString(reader->value())) throw IoError(name + " is not a Datum");
    const DatumValues values = ReadDatumValues(datum, ImageColor::kNative, name);
    if (n == 0) {
      channels = values.channels;
      height = values.height;
      width = values.width;
      sum.assign(static_cast<size_t>(channels) * height * width, 0.f);
    } else if (values.channels != channels || values.height != height || values.width != width) {
      throw DataError(name + " is " + std::to_string(values.channels) + "x" +
                      std::to_string(values.height) + "x" + std::to_string(values.width) +
                      " but the first record is " + std::to_string(channels) + "x" +
                      std::to_string(height) + "x" + std::to_string(width) +
                      " (a mean needs records of one size: convert with resize)");
    }
    // Float sums in record order, as Caffe's tool adds them.
    const uint8_t* bytes = values.bytes();
    for (size_t i = 0; i < sum.size(); ++i) sum[i] += bytes ? bytes[i] : values.floats[i];
    if (progress) progress(n + 1);
  }
  result.count = total;
  BlobProto& mean = result.mean;
  mean.set_num(1);
  mean.set_channels(channels);
  mean.set_height(height);
  mean.set_width(width);
  const size_t plane = static_cast<size_t>(height) * width;
  result.channel_means.assign(channels, 0.0);
  for (size_t i = 0; i < sum.size(); ++i) {
    const float value = sum[i] / static_cast<float>(total);
    mean.add_data(value);
    result.channel_means[i / plane] += value;
  }
  for (double& m : result.channel_means) m /= static_cast<double>(plane);
  return result;
}

}  // namespace strata
