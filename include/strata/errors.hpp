// Errors a user can cause. Library code throws these with the context it
// knows; tools catch `strata::Error`, print one line and exit 1.
//
//   ConfigError  a net, solver or layer definition is wrong (file:line:col, layer)
//   ShapeError   blob shapes do not fit together
//   IoError      a file is missing, unreadable or malformed
//   DataError    values a layer cannot use (a label out of range, ...)
//   InternalError  a broken invariant inside Strata (a bug, not a user error)
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace strata {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

class ConfigError : public Error {
 public:
  explicit ConfigError(const std::string& message) : Error(message) {}
};

class ShapeError : public Error {
 public:
  explicit ShapeError(const std::string& message) : Error(message) {}
};

class IoError : public Error {
 public:
  explicit IoError(const std::string& message) : Error(message) {}
};

class DataError : public Error {
 public:
  explicit DataError(const std::string& message) : Error(message) {}
};

// A value went non-finite (NaN or infinity) during training.
class NumericalError : public Error {
 public:
  explicit NumericalError(const std::string& message) : Error(message) {}
};

class InternalError : public Error {
 public:
  explicit InternalError(const std::string& message) : Error(message) {}
};

// "(2,3,4)" for error messages.
std::string ShapeString(const std::vector<int>& shape);

// Rethrows `e` (of the same kind) with `prefix` put before its message.
[[noreturn]] void RethrowWithContext(const Error& e, const std::string& prefix);

}  // namespace strata
