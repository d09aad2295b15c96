#include "strata/layer.hpp"

#include <algorithm>

#include "strata/errors.hpp"
#include "strata/filler.hpp"
#include "strata/math.hpp"

namespace strata {

namespace {

std::string Plural(int n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

void CheckCount(const char* what, int actual, int exact, int min, int max) {
  if (exact >= 0 && actual != exact) {
    throw ConfigError("takes " + Plural(exact, what) + ", got " + std::to_string(actual));
  }
  if (min >= 0 && actual < min) {
    throw ConfigError("takes at least " + Plural(min, what) + ", got " + std::to_string(actual));
  }
  if (max >= 0 && actual > max) {
    throw ConfigError("takes at most " + Plural(max, what) + ", got " + std::to_string(actual));
  }
}

std::string JoinNames(const std::vector<std::string>& names) {
  if (names.empty()) return "no *_param";
  std::string list;
  for (const auto& name : names) list += (list.empty() ? "" : ", ") + name;
  return list;
}

}  // namespace

Layer::Layer(const LayerParameter& param) : layer_param_(param) {}

void Layer::SetUp(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  CheckParamFields();
  CheckBlobCounts(bottom, top);
  LayerSetUp(bottom, top);
  Reshape(bottom, top);
  SetLossWeights(top);
}

void Layer::CheckBlobCounts(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) const {
  const int nb = static_cast<int>(bottom.size());
  const int nt = static_cast<int>(top.size());
  CheckCount("bottom", nb, ExactNumBottomBlobs(), MinBottomBlobs(), MaxBottomBlobs());
  CheckCount("top", nt, ExactNumTopBlobs(), MinTopBlobs(), MaxTopBlobs());
  if (EqualNumBottomTopBlobs() && nb != nt) {
    throw ConfigError("needs as many tops as bottoms, got " + std::to_string(nb) + " bottoms and " +
                      std::to_string(nt) + " tops");
  }
}

void Layer::CheckParamFields() const {
  const auto* reflection = layer_param_.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(layer_param_, &fields);
  const std::vector<std::string> reads = ParamFields();
  for (const auto* field : fields) {
    const std::string& name = field->name();
    const bool is_param = name.size() > 6 && name.compare(name.size() - 6, 6, "_param") == 0;
    if (is_param && std::find(reads.begin(), reads.end(), name) == reads.end()) {
      throw ConfigError(std::string("does not read ") + name + " (a " + type() + " layer reads " +
                        JoinNames(reads) + ")");
    }
  }
}

void Layer::SetLossWeights(const std::vector<Blob*>& top) {
  const int n = layer_param_.loss_weight_size();
  const int num_top = static_cast<int>(top.size());
  if (n != 0 && n != num_top) {
    throw ConfigError("has " + std::to_string(n) + " loss_weight values for " +
                      std::to_string(num_top) + " tops; give one per top or none");
  }
  loss_.assign(num_top, 0.f);
  for (int i = 0; i < num_top; ++i) {
    loss_[i] = n ? layer_param_.loss_weight(i) : DefaultLossWeight(i);
    if (loss_[i] != 0.f) math::Set(top[i]->count(), loss_[i], top[i]->mutable_diff());
  }
}

float Layer::Forward(const std::vector<Blob*>& bottom, const std::vector<Blob*>& top) {
  Reshape(bottom, top);
  ForwardCpu(bottom, top);
  float loss = 0.f;
  for (size_t i = 0; i < top.size(); ++i) {
    const float weight = this->loss(static_cast<int>(i));
    if (weight == 0.f) continue;
    loss += math::Dot(top[i]->count(), top[i]->data(), top[i]->diff());
  }
  return loss;
}

void Layer::Backward(const std::vector<Blob*>& top, const std::vector<bool>& propagate_down,
                     const std::vector<Blob*>& bottom) {
  BackwardCpu(top, propagate_down, bottom);
}

void Layer::set_param_propagate_down(int i, bool value) {
  if (static_cast<int>(param_propagate_down_.size()) <= i)
    param_propagate_down_.resize(i + 1, true);
  param_propagate_down_[i] = value;
}

void Layer::SetUpParamBlobs(const std::vector<ParamBlobSpec>& specs, bool by_count) {
  if (layer_param_.blobs_size() > 0) {
    if (static_cast<size_t>(layer_param_.blobs_size()) != specs.size()) {
      throw ShapeError("the definition stores " + std::to_string(layer_param_.blobs_size()) +
                       " parameter blobs, the layer needs " + std::to_string(specs.size()));
    }
    blobs_.clear();
    for (size_t i = 0; i < specs.size(); ++i) {
      auto blob = std::make_shared<Blob>();
      blob->FromProto(layer_param_.blobs(static_cast<int>(i)));
      const std::vector<int>& shape = specs[i].shape;
      long long needed_count = 1;
      for (int d : shape) needed_count *= d;
      const bool fits = by_count ? blob->count() == needed_count : blob->shape() == shape;
      if (!fits) {
        throw ShapeError("stored blob '" + specs[i].name + "' has shape " + blob->shape_string() +
                         " but the layer needs " + ShapeString(shape));
      }
      blobs_.push_back(std::move(blob));
    }
  } else {
    for (const ParamBlobSpec& spec : specs) {
      if (spec.filler != nullptr) ValidateFiller(*spec.filler);
    }
    blobs_.clear();
    for (const ParamBlobSpec& spec : specs) {
      blobs_.push_back(std::make_shared<Blob>(spec.shape));
      if (spec.filler != nullptr) FillBlob(*spec.filler, &rng_, blobs_.back().get());
    }
  }
}

void Layer::SaveState(LayerState* state) const {
  state->set_layer(layer_param_.name());
  state->set_rng(rng_.State());
}

void Layer::RestoreState(const LayerState& state) {
  if (state.has_rng()) rng_.SetState(state.rng());
}

double Layer::ForwardFlops(const std::vector<Blob*>& /*bottom*/,
                           const std::vector<Blob*>& top) const {
  double flops = 0;
  for (const Blob* blob : top) flops += blob->count();
  return flops;
}

void Layer::ToProto(LayerParameter* param, bool write_diff) const {
  *param = layer_param_;
  param->clear_blobs();
  for (const auto& blob : blobs_) blob->ToProto(param->add_blobs(), write_diff);
}

float LossLayer::Normalizer(LossParameter::NormalizationMode fallback, int batch, int full,
                            int valid) const {
  const LossParameter& p = layer_param_.loss_param();
  LossParameter::NormalizationMode mode = fallback;
  if (p.has_normalization()) {
    mode = p.normalization();
  } else if (p.has_normalize()) {
    mode = p.normalize() ? LossParameter::VALID : LossParameter::BATCH_SIZE;
  }
  float divisor = 1.f;
  switch (mode) {
    case LossParameter::FULL:
      divisor = static_cast<float>(full);
      break;
    case LossParameter::VALID:
      divisor = static_cast<float>(valid);
      break;
    case LossParameter::BATCH_SIZE:
      divisor = static_cast<float>(batch);
      break;
    case LossParameter::NONE:
      divisor = 1.f;
      break;
  }
  // An all-ignored batch would divide by zero.
  return std::max(1.f, divisor);
}

}  // namespace strata
