#include "strata/solver_param.hpp"

#include <glog/logging.h>
#include <google/protobuf/text_format.h>

#include <cmath>
#include <sstream>

#include "strata/errors.hpp"
#include "strata/io.hpp"

namespace strata {

namespace {

using Descriptor = google::protobuf::FieldDescriptor;

std::string Number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// Collects the checks' verdicts with their locations.
class Checker {
 public:
  explicit Checker(const SolverSource* source) : source_(source) {}

  [[noreturn]] void Refuse(const std::string& field, const std::string& message, int index = 0) {
    throw ConfigError(Where(field, index) + message);
  }
  void Warn(const std::string& field, const std::string& message) {
    LOG(WARNING) << Where(field, 0) << message;
  }
  // A float field must be a number (NaN and infinity are never meaningful).
  void Finite(const std::string& field, double value) {
    if (!std::isfinite(value))
      Refuse(field, field + " is " + Number(value) + ", not a finite number");
  }
  void InRange(const std::string& field, double value, double low, double high, bool high_open) {
    Finite(field, value);
    if (value < low || value > high || (high_open && value == high)) {
      Refuse(field, field + " is " + Number(value) + "; it must be in [" + Number(low) + ", " +
                        Number(high) + (high_open ? ")" : "]"));
    }
  }
  void NotNegative(const std::string& field, double value, const std::string& why) {
    Finite(field, value);
    if (value < 0) Refuse(field, field + " is " + Number(value) + ": " + why);
  }

 private:
  std::string Where(const std::string& field, int index) const {
    if (source_ == nullptr) return "";
    return source_->Where(field, index);
  }
  const SolverSource* source_;
};

void CheckSchedule(const SolverParameter& p, Checker& check) {
  const std::string& policy = p.lr_policy();
  if (!p.has_lr_policy()) {
    check.Refuse("lr_policy",
                 "the solver needs an lr_policy (fixed, step, exp, inv, multistep, "
                 "poly, sigmoid)");
  }
  check.Finite("gamma", p.gamma());
  check.Finite("power", p.power());
  if (policy == "fixed") return;
  if (policy == "step") {
    if (p.stepsize() <= 0) check.Refuse("stepsize", "lr_policy 'step' needs a positive stepsize");
    if (p.gamma() <= 0)
      check.Refuse("gamma", "lr_policy 'step' needs a positive gamma, not " + Number(p.gamma()));
    if (p.gamma() > 1)
      check.Warn("gamma", "gamma " + Number(p.gamma()) + " > 1: the rate grows at every step");
  } else if (policy == "exp") {
    if (p.gamma() <= 0)
      check.Refuse("gamma", "lr_policy 'exp' needs a positive gamma, not " + Number(p.gamma()));
    if (p.gamma() > 1)
      check.Warn("gamma", "gamma " + Number(p.gamma()) + " > 1: the rate grows every iteration");
  } else if (policy == "inv") {
    // base_lr * (1 + gamma * iter)^-power: a negative gamma reaches 0 and below.
    check.NotNegative("gamma", p.gamma(),
                      "lr_policy 'inv' with a negative gamma divides by zero "
                      "and then raises a negative number to a power");
    if (p.power() < 0)
      check.Warn("power", "power " + Number(p.power()) + " < 0: the 'inv' rate grows");
  } else if (policy == "multistep") {
    if (p.gamma() <= 0)
      check.Refuse("gamma",
                   "lr_policy 'multistep' needs a positive gamma, not " + Number(p.gamma()));
    if (p.stepvalue_size() == 0)
      check.Warn("lr_policy", "lr_policy 'multistep' without stepvalue: the rate never changes");
    for (int i = 0; i < p.stepvalue_size(); ++i) {
      if (p.stepvalue(i) < 0)
        check.Refuse("stepvalue", "stepvalue " + std::to_string(p.stepvalue(i)) + " is negative",
                     i);
      if (i > 0 && p.stepvalue(i) <= p.stepvalue(i - 1)) {
        check.Refuse("stepvalue",
                     "stepvalue " + std::to_string(p.stepvalue(i)) + " follows " +
                         std::to_string(p.stepvalue(i - 1)) + ": stepvalues must increase",
                     i);
      }
    }
  } else if (policy == "poly") {
    if (p.max_iter() <= 0) check.Refuse("max_iter", "lr_policy 'poly' needs a positive max_iter");
    check.NotNegative("power", p.power(),
                      "lr_policy 'poly' with a negative power is infinite at max_iter");
  } else if (policy == "sigmoid") {
    // Caffe's own examples use a negative gamma here (a falling rate): allowed.
  } else {
    check.Refuse("lr_policy", "unknown lr_policy '" + policy +
                                  "' (known: fixed, step, exp, inv, multistep, poly, sigmoid)");
  }
}

void CheckUpdateRule(const SolverParameter& p, const std::string& type, Checker& check) {
  check.Finite("base_lr", p.base_lr());
  if (p.base_lr() < 0)
    check.Refuse("base_lr",
                 "base_lr is " + Number(p.base_lr()) + ": a negative rate climbs the loss");
  if (p.base_lr() == 0) check.Warn("base_lr", "base_lr is 0: the weights will not change");
  check.NotNegative("weight_decay", p.weight_decay(),
                    "a negative weight decay pushes weights away from 0");
  check.Finite("clip_gradients", p.clip_gradients());  // negative: off, as in Caffe
  if (p.regularization_type() != "L1" && p.regularization_type() != "L2") {
    check.Refuse("regularization_type",
                 "unknown regularization_type '" + p.regularization_type() + "' (L1 or L2)");
  }
  if (type == "AdaGrad" || type == "RMSProp") {
    if (p.momentum() != 0.f) {
      check.Refuse("momentum", type + " takes no momentum" +
                                   (type == "RMSProp" ? " (its decay is rms_decay)" : "") +
                                   "; remove it");
    }
  } else if (type == "Adam" || type == "AdamW") {
    check.InRange("momentum", p.momentum(), 0, 1, /*high_open=*/true);
    check.InRange("momentum2", p.momentum2(), 0, 1, /*high_open=*/true);
  } else {
    check.InRange("momentum", p.momentum(), 0, 1, /*high_open=*/false);
    if (p.momentum() == 1.f) check.Warn("momentum", "momentum 1 never forgets a gradient");
  }
  if (type == "RMSProp") check.InRange("rms_decay", p.rms_decay(), 0, 1, /*high_open=*/true);
  if (type != "SGD" && type != "Nesterov") {
    check.Finite("delta", p.delta());
    if (p.delta() <= 0)
      check.Refuse("delta", "delta is " + Number(p.delta()) +
                                "; it must be positive (it keeps a division away from 0)");
  }
}

void CheckRun(const SolverParameter& p, Checker& check) {
  const int train_sources =
      p.has_train_net_param() + p.has_train_net() + p.has_net_param() + p.has_net();
  if (train_sources != 1) {
    check.Refuse(
        p.has_net() ? "net" : "train_net",
        "the solver needs exactly one of net, net_param, train_net, train_net_param; it has " +
            std::to_string(train_sources));
  }
  if (p.average_loss() < 1) check.Refuse("average_loss", "average_loss must be at least 1");
  if (p.iter_size() < 1) check.Refuse("iter_size", "iter_size must be at least 1");
  if (p.max_iter() < 0) check.Refuse("max_iter", "max_iter must not be negative");
  if (p.warmup_iter() < 0) check.Refuse("warmup_iter", "warmup_iter must not be negative");
  check.InRange("warmup_start_factor", p.warmup_start_factor(), 0, 1, /*high_open=*/false);
  if (p.display() < 0) check.Refuse("display", "display must not be negative");
  if (p.snapshot() < 0) check.Refuse("snapshot", "snapshot must not be negative");
  if (p.test_interval() < 0) check.Refuse("test_interval", "test_interval must not be negative");
  for (int i = 0; i < p.test_iter_size(); ++i) {
    if (p.test_iter(i) < 1) check.Refuse("test_iter", "test_iter must be at least 1", i);
  }
  if (p.snapshot() > 0 && (!p.has_snapshot_prefix() || p.snapshot_prefix().empty())) {
    check.Refuse("snapshot", "snapshot is " + std::to_string(p.snapshot()) +
                                 " but there is no snapshot_prefix to write the snapshots to");
  }
}

}  // namespace

std::string SolverSource::Where(const std::string& field, int index) const {
  if (path.empty()) return "";
  const auto it = fields.find(field);
  if (it == fields.end() || it->second.empty()) return path + ": ";
  const auto& pos = it->second[std::min<size_t>(index, it->second.size() - 1)];
  return path + ":" + std::to_string(pos.first) + ":" + std::to_string(pos.second) + ": ";
}

SolverParameter ReadSolverParameter(const std::string& path, SolverSource* source) {
  SolverParameter param;
  if (source == nullptr) {
    ReadProtoFromTextFile(path, &param);
    return param;
  }
  google::protobuf::TextFormat::ParseInfoTree tree;
  ParseProtoWithLocations(ReadFileToString(path), path, &param, &tree);
  source->path = path;
  source->fields.clear();
  const auto* descriptor = SolverParameter::descriptor();
  for (int f = 0; f < descriptor->field_count(); ++f) {
    const Descriptor* field = descriptor->field(f);
    const int count = field->is_repeated() ? param.GetReflection()->FieldSize(param, field) : 1;
    for (int i = 0; i < count; ++i) {
      const auto location = tree.GetLocation(field, field->is_repeated() ? i : -1);
      if (location.line < 0) continue;
      source->fields[field->name()].emplace_back(location.line + 1, location.column + 1);
    }
  }
  return param;
}

std::string SolverTypeName(const SolverParameter& param) {
  if (!param.has_type() && param.has_solver_type()) {
    static const char* kNames[] = {"SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam"};
    return kNames[param.solver_type()];
  }
  return param.type();
}

void ValidateSolverParameter(const SolverParameter& param, const SolverSource* source) {
  Checker check(source);
  CheckRun(param, check);
  CheckSchedule(param, check);
  CheckUpdateRule(param, SolverTypeName(param), check);
}

}  // namespace strata
