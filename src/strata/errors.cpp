#include "strata/errors.hpp"

#include <sstream>

namespace strata {

std::string ShapeString(const std::vector<int>& shape) {
  std::ostringstream out;
  out << "(";
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? "," : "") << shape[i];
  out << ")";
  return out.str();
}

void RethrowWithContext(const Error& e, const std::string& prefix) {
  const std::string message = prefix + e.what();
  if (dynamic_cast<const ConfigError*>(&e)) throw ConfigError(message);
  if (dynamic_cast<const ShapeError*>(&e)) throw ShapeError(message);
  if (dynamic_cast<const IoError*>(&e)) throw IoError(message);
  if (dynamic_cast<const DataError*>(&e)) throw DataError(message);
  if (dynamic_cast<const InternalError*>(&e)) throw InternalError(message);
  throw Error(message);
}

}  // namespace strata
