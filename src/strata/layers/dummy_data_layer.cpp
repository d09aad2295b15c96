#include "strata/layers/dummy_data_layer.hpp"

#include <algorithm>

#include "strata/errors.hpp"
#include "strata/filler.hpp"
#include "strata/layer_registry.hpp"

namespace strata {

namespace {

// Either zero entries, one for all tops, or one per top.
int PickIndex(int entries, int top_index, int num_tops, const char* field) {
  if (entries != 1 && entries != num_tops) {
    throw ConfigError(std::string("dummy_data_param has ") + std::to_string(entries) + " " + field +
                      " entries for " + std::to_string(num_tops) +
                      " tops; give one, or one per top");
  }
  return entries == 1 ? 0 : top_index;
}

}  // namespace

void DummyDataLayer::LayerSetUp(const std::vector<Blob*>& /*bottom*/,
                                const std::vector<Blob*>& top) {
  const DummyDataParameter& param = layer_param_.dummy_data_param();
  const int num_tops = static_cast<int>(top.size());
  const bool legacy = param.num_size() > 0 || param.channels_size() > 0 ||
                      param.height_size() > 0 || param.width_size() > 0;
  if (legacy && param.shape_size() > 0) {
    throw ConfigError("dummy_data_param: give shape or num/channels/height/width, not both");
  }
  if (!legacy && param.shape_size() == 0) throw ConfigError("dummy_data_param needs a shape");
  for (int i = 0; i < num_tops; ++i) {
    if (legacy) {
      top[i]->Reshape(std::vector<int>{
          static_cast<int>(param.num(PickIndex(param.num_size(), i, num_tops, "num"))),
          static_cast<int>(
              param.channels(PickIndex(param.channels_size(), i, num_tops, "channels"))),
          static_cast<int>(param.height(PickIndex(param.height_size(), i, num_tops, "height"))),
          static_cast<int>(param.width(PickIndex(param.width_size(), i, num_tops, "width")))});
    } else {
      top[i]->Reshape(param.shape(PickIndex(param.shape_size(), i, num_tops, "shape")));
    }
  }
  fillers_.clear();
  refill_.clear();
  for (int i = 0; i < num_tops; ++i) {
    FillerParameter filler;  // constant 0 by default
    if (param.data_filler_size() > 0) {
      filler = param.data_filler(PickIndex(param.data_filler_size(), i, num_tops, "data_filler"));
    }
    ValidateFiller(filler);
    fillers_.push_back(filler);
    refill_.push_back(filler.type() != "constant");
    FillBlob(filler, &rng_, top[i]);
  }
}

bool DummyDataLayer::WritesTopsEveryPass() const {
  return std::all_of(refill_.begin(), refill_.end(), [](bool refill) { return refill; });
}

void DummyDataLayer::ForwardCpu(const std::vector<Blob*>& /*bottom*/,
                                const std::vector<Blob*>& top) {
  for (size_t i = 0; i < top.size(); ++i) {
    if (refill_[i]) FillBlob(fillers_[i], &rng_, top[i]);
  }
}

STRATA_REGISTER_LAYER(DummyData);

}  // namespace strata
