#include "strata/upgrade.hpp"

#include <glog/logging.h>

#include "strata/errors.hpp"

namespace strata {

namespace {

bool UpgradeInputFields(NetParameter* param) {
  if (param->input_size() == 0) return false;
  const int n = param->input_size();
  const bool by_shape = param->input_shape_size() > 0;
  if (by_shape && param->input_shape_size() != n && param->input_shape_size() != 1) {
    throw ConfigError("net has " + std::to_string(n) + " inputs but " +
                      std::to_string(param->input_shape_size()) + " input_shape entries");
  }
  if (!by_shape && param->input_dim_size() != 4 * n) {
    throw ConfigError("net has " + std::to_string(n) + " inputs, so needs " +
                      std::to_string(4 * n) + " input_dim values, got " +
                      std::to_string(param->input_dim_size()));
  }
  LayerParameter input;
  input.set_name("input");
  input.set_type("Input");
  for (int i = 0; i < n; ++i) {
    input.add_top(param->input(i));
    BlobShape* shape = input.mutable_input_param()->add_shape();
    if (by_shape) {
      *shape = param->input_shape(param->input_shape_size() == 1 ? 0 : i);
    } else {
      for (int d = 0; d < 4; ++d) shape->add_dim(param->input_dim(4 * i + d));
    }
  }
  NetParameter upgraded = *param;
  upgraded.clear_input();
  upgraded.clear_input_shape();
  upgraded.clear_input_dim();
  upgraded.clear_layer();
  *upgraded.add_layer() = input;
  for (const auto& layer : param->layer()) *upgraded.add_layer() = layer;
  *param = upgraded;
  return true;
}

LayerParameter UpgradeV1Layer(const V1LayerParameter& v1) {
  LayerParameter layer;
  layer.set_name(v1.name());
  const std::string type = V1TypeName(v1.type());
  if (type.empty()) throw ConfigError("V1 layer '" + v1.name() + "' has no type");
  layer.set_type(type);
  *layer.mutable_bottom() = v1.bottom();
  *layer.mutable_top() = v1.top();
  *layer.mutable_include() = v1.include();
  *layer.mutable_exclude() = v1.exclude();
  *layer.mutable_blobs() = v1.blobs();
  *layer.mutable_loss_weight() = v1.loss_weight();
  const int specs = std::max(
      {v1.param_size(), v1.blob_share_mode_size(), v1.blobs_lr_size(), v1.weight_decay_size()});
  for (int i = 0; i < specs; ++i) {
    ParamSpec* spec = layer.add_param();
    if (i < v1.param_size()) spec->set_name(v1.param(i));
    if (i < v1.blob_share_mode_size()) {
      spec->set_share_mode(static_cast<ParamSpec::DimCheckMode>(v1.blob_share_mode(i)));
    }
    if (i < v1.blobs_lr_size()) spec->set_lr_mult(v1.blobs_lr(i));
    if (i < v1.weight_decay_size()) spec->set_decay_mult(v1.weight_decay(i));
  }
  // Every *_param of V1 has a same-named field in LayerParameter.
  const auto* reflection = v1.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(v1, &fields);
  for (const auto* field : fields) {
    const std::string& name = field->name();
    if (name.size() < 6 || name.compare(name.size() - 6, 6, "_param") != 0) continue;
    const auto* target = LayerParameter::descriptor()->FindFieldByName(name);
    if (target == nullptr) throw ConfigError("V1 field " + name + " has no upgraded form");
    layer.GetReflection()
        ->MutableMessage(&layer, target)
        ->CopyFrom(reflection->GetMessage(v1, field));
  }
  return layer;
}

}  // namespace

std::string V1TypeName(V1LayerParameter::LayerType type) {
  switch (type) {
    case V1LayerParameter::NONE:
      return "";
    case V1LayerParameter::ABSVAL:
      return "AbsVal";
    case V1LayerParameter::ACCURACY:
      return "Accuracy";
    case V1LayerParameter::ARGMAX:
      return "ArgMax";
    case V1LayerParameter::BNLL:
      return "BNLL";
    case V1LayerParameter::CONCAT:
      return "Concat";
    case V1LayerParameter::CONTRASTIVE_LOSS:
      return "ContrastiveLoss";
    case V1LayerParameter::CONVOLUTION:
      return "Convolution";
    case V1LayerParameter::DATA:
      return "Data";
    case V1LayerParameter::DECONVOLUTION:
      return "Deconvolution";
    case V1LayerParameter::DROPOUT:
      return "Dropout";
    case V1LayerParameter::DUMMY_DATA:
      return "DummyData";
    case V1LayerParameter::EUCLIDEAN_LOSS:
      return "EuclideanLoss";
    case V1LayerParameter::ELTWISE:
      return "Eltwise";
    case V1LayerParameter::EXP:
      return "Exp";
    case V1LayerParameter::FLATTEN:
      return "Flatten";
    case V1LayerParameter::HDF5_DATA:
      return "HDF5Data";
    case V1LayerParameter::HDF5_OUTPUT:
      return "HDF5Output";
    case V1LayerParameter::HINGE_LOSS:
      return "HingeLoss";
    case V1LayerParameter::IM2COL:
      return "Im2col";
    case V1LayerParameter::IMAGE_DATA:
      return "ImageData";
    case V1LayerParameter::INFOGAIN_LOSS:
      return "InfogainLoss";
    case V1LayerParameter::INNER_PRODUCT:
      return "InnerProduct";
    case V1LayerParameter::LRN:
      return "LRN";
    case V1LayerParameter::MEMORY_DATA:
      return "MemoryData";
    case V1LayerParameter::MULTINOMIAL_LOGISTIC_LOSS:
      return "MultinomialLogisticLoss";
    case V1LayerParameter::MVN:
      return "MVN";
    case V1LayerParameter::POOLING:
      return "Pooling";
    case V1LayerParameter::POWER:
      return "Power";
    case V1LayerParameter::RELU:
      return "ReLU";
    case V1LayerParameter::SIGMOID:
      return "Sigmoid";
    case V1LayerParameter::SIGMOID_CROSS_ENTROPY_LOSS:
      return "SigmoidCrossEntropyLoss";
    case V1LayerParameter::SILENCE:
      return "Silence";
    case V1LayerParameter::SOFTMAX:
      return "Softmax";
    case V1LayerParameter::SOFTMAX_LOSS:
      return "SoftmaxWithLoss";
    case V1LayerParameter::SPLIT:
      return "Split";
    case V1LayerParameter::SLICE:
      return "Slice";
    case V1LayerParameter::TANH:
      return "TanH";
    case V1LayerParameter::WINDOW_DATA:
      return "WindowData";
    case V1LayerParameter::THRESHOLD:
      return "Threshold";
  }
  return "";
}

bool NetNeedsUpgrade(const NetParameter& param) {
  return param.layers_size() > 0 || param.input_size() > 0;
}

bool UpgradeNetParameter(NetParameter* param) {
  bool changed = false;
  if (param->layers_size() > 0) {
    if (param->layer_size() > 0) {
      throw ConfigError("the net mixes `layer` and deprecated `layers` entries; use one form");
    }
    for (const auto& v1 : param->layers()) *param->add_layer() = UpgradeV1Layer(v1);
    param->clear_layers();
    changed = true;
  }
  changed = UpgradeInputFields(param) || changed;
  if (changed) {
    LOG(WARNING) << "net '" << param->name()
                 << "' uses deprecated Caffe fields; upgraded on load (tools/upgrade_net writes "
                    "the new form)";
  }
  return changed;
}

}  // namespace strata
