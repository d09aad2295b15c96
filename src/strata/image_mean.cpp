#include "strata/image_mean.hpp"

#include "strata/blob.hpp"
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
  for (const float s : sum) mean.add_data(s / static_cast<float>(total));
  result.channel_means = ChannelMeans(mean, reader->path());
  return result;
}

std::vector<double> ChannelMeans(const BlobProto& mean, const std::string& name) {
  const std::vector<int> shape = ProtoShape(mean);
  const bool image_shaped = (shape.size() == 4 && shape[0] == 1) || shape.size() == 3;
  if (!image_shaped || mean.data_size() == 0) {
    throw DataError(name + ": a mean image must be 1 x C x H x W with values, this one is " +
                    ShapeString(shape) + " with " + std::to_string(mean.data_size()) + " values");
  }
  const int channels = shape[shape.size() - 3];
  const size_t plane = static_cast<size_t>(shape[shape.size() - 2]) * shape.back();
  if (static_cast<size_t>(mean.data_size()) != channels * plane) {
    throw DataError(name + ": the mean image's shape " + ShapeString(shape) + " needs " +
                    std::to_string(channels * plane) + " values, it holds " +
                    std::to_string(mean.data_size()));
  }
  std::vector<double> means(channels, 0.0);
  for (int i = 0; i < mean.data_size(); ++i) means[i / plane] += mean.data(i);
  for (double& m : means) m /= static_cast<double>(plane);
  return means;
}

}  // namespace strata
