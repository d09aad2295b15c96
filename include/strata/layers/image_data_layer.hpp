// ImageData: batches of images read from files named in a list, as Caffe's
// ImageData layer. image_data_param.source is a text file of "path label"
// lines (the label is the last space-separated field); each image is
// root_folder + path, decoded as colour (is_color, the default) or grey,
// resized to new_height x new_width when both are set (bilinear), and
// transformed by transform_param. shuffle: a seeded random order each pass
// over the list; rand_skip: k starts at a random line (< k). Prefetched by a
// thread; a resumed run continues at the saved line and order.
// Tops: data (batch x C x H' x W'), label (batch). Images may differ in size
// when crop_size fixes the batch shape. A missing or undecodable file, or a
// list line without an integer label, is an error naming the list file and
// line. The deprecated scale, mean_file, crop_size and mirror fields move into
// transform_param with a warning.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "strata/data_transformer.hpp"
#include "strata/image.hpp"
#include "strata/image_list.hpp"
#include "strata/layers/prefetching_data_layer.hpp"

namespace strata {

class ImageDataLayer : public PrefetchingDataLayer {
 public:
  using PrefetchingDataLayer::PrefetchingDataLayer;
  ~ImageDataLayer() override;
  const char* type() const override { return "ImageData"; }
  int ExactNumTopBlobs() const override { return 2; }
  std::vector<std::string> ParamFields() const override {
    return {"image_data_param", "transform_param"};
  }
  // The base's cursors and the shuffle seed, which each pass's order comes from.
  void SaveState(LayerState* state) const override;
  void RestoreState(const LayerState& state) override;

 protected:
  void LayerSetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) override;
  void Produce(Batch* batch) override;
  int64_t SourceSize() const override { return static_cast<int64_t>(lines_.size()); }
  void SeekTo(int64_t record, int64_t epoch) override;
  std::string SourceName() const override { return layer_param_.image_data_param().source(); }

 private:
  using Line = ImageListLine;
  // The list order of pass `epoch`: the file's, or a shuffle seeded by the pass.
  void OrderFor(int64_t epoch);
  // Reads the image of list position `position` ("LIST:LINE: " before errors).
  Image ReadLine(const Line& line) const;
  std::string Where(const Line& line) const;

  std::vector<Line> lines_;
  std::vector<int> order_;  // this pass's order of lines_
  uint64_t shuffle_seed_ = 0;
  int64_t position_ = 0, epoch_ = 0;
  std::unique_ptr<DataTransformer> transformer_;
  ImageColor color_ = ImageColor::kColor;
  int batch_size_ = 0, channels_ = 0, height_ = 0, width_ = 0;
};

}  // namespace strata
