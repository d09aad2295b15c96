#include "strata/layers/label.hpp"

#include <cmath>
#include <sstream>

#include "strata/errors.hpp"

namespace strata {

int LabelToInt(float value, int position, const char* what) {
  // 2^31 is exactly representable; anything at or past it overflows int.
  if (!std::isfinite(value) || std::fabs(value) >= 2147483648.f) {
    std::ostringstream message;
    message << what << " " << value << " at position " << position
            << " is not a finite number within int's range";
    throw DataError(message.str());
  }
  return static_cast<int>(value);
}

}  // namespace strata
