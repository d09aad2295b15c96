#include "strata/layer_registry.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "strata/errors.hpp"
#include "strata/layer.hpp"
#include "strata/python_support.hpp"
#include "strata/registry.hpp"

namespace strata {

namespace {
// Function-local so that registrations from any translation unit see it built.
internal::Registry<LayerRegistry::Creator>& Creators() {
  static internal::Registry<LayerRegistry::Creator> creators("layer");
  return creators;
}
}  // namespace

void LayerRegistry::Add(const std::string& type, Creator creator) {
  Creators().Add(type, std::move(creator));
}

bool LayerRegistry::Has(const std::string& type) { return Creators().Find(type) != nullptr; }

std::vector<std::string> LayerRegistry::Types() { return Creators().Names(); }

namespace {

// Edit distance, letters compared without case ("relu" is one step from nothing).
int Distance(const std::string& a, const std::string& b) {
  std::vector<int> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const int above = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string LayerRegistry::ClosestType(const std::string& type) {
  std::string best;
  int best_distance = 1 << 30;
  for (const auto& known : Types()) {
    const int d = Distance(type, known);
    if (d < best_distance) {
      best_distance = d;
      best = known;
    }
  }
  return best;
}

namespace {

// Caffe 1.0's types that Strata does not build, with what to do instead;
// they get this answer rather than a guess at a similar name.
const char* CaffeTypeAdvice(const std::string& type) {
  static const std::map<std::string, const char*> advice = {
      {"WindowData",
       "Caffe's R-CNN window sampler; cut the windows into image files and read them with "
       "ImageData, or into a database with convert_imageset"},
      {"Recurrent", "Caffe's abstract base of RNN and LSTM; use one of those"},
  };
  const auto it = advice.find(type);
  return it == advice.end() ? nullptr : it->second;
}

}  // namespace

std::unique_ptr<Layer> LayerRegistry::Create(const LayerParameter& param) {
  const Creator* creator = Creators().Find(param.type());
  if (creator == nullptr && param.type() == "Python") {
    StartEmbeddedPython();  // its module registers the type
    creator = Creators().Find(param.type());
  }
  if (creator == nullptr) {
    if (const char* advice = CaffeTypeAdvice(param.type())) {
      throw ConfigError("layer type '" + param.type() +
                        "' is Caffe's but not implemented "
                        "in Strata (" +
                        advice + ")");
    }
    throw ConfigError("unknown layer type '" + param.type() + "'; did you mean '" +
                      ClosestType(param.type()) + "'? (known types: " + Creators().NameList() +
                      ")");
  }
  return (*creator)(param);
}

}  // namespace strata
