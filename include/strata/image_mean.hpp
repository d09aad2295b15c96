// The mean image of a database of Datum records, as Caffe's
// compute_image_mean computes it: the records' values summed element by
// element in float, in key order, then divided by the count; encoded records
// decoded with their own channels.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "blob.pb.h"
#include "strata/db.hpp"

namespace strata {

struct ImageMean {
  BlobProto mean;                     // 1 x C x H x W in Caffe's legacy fields
  std::vector<double> channel_means;  // the mean of each channel's plane
  size_t count = 0;
};

// Reads every record of `reader` from the first; `progress` is called after
// each record with the number read. DataError naming the record when its
// size differs from the first record's.
ImageMean ComputeImageMean(DbReader* reader, const std::function<void(size_t)>& progress = {});

// The mean of each channel's plane of a mean image (C x H x W or 1 x C x H x W),
// as Caffe's cpp_classification reduces a mean file; DataError naming `name`
// for another shape or a value count that does not match it.
std::vector<double> ChannelMeans(const BlobProto& mean, const std::string& name);

}  // namespace strata
