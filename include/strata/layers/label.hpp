// Labels and indices arrive as floats in blobs. Casting a NaN, an infinity or
// a value beyond int to int is undefined behaviour, so every layer that reads
// one as an integer goes through LabelToInt.
#pragma once

namespace strata {

// static_cast<int>(value), as Caffe reads labels (1.7 -> 1), after refusing
// a value that is not a finite number within int's range: DataError
// "<what> nan at position 3 is not a finite number within int's range".
int LabelToInt(float value, int position, const char* what = "label");

}  // namespace strata
