#include "strata/image_list.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <fstream>

#include "strata/errors.hpp"

namespace strata {

std::vector<ImageListLine> ReadImageList(const std::string& source) {
  std::vector<ImageListLine> lines;
  std::ifstream in(source);
  if (!in) throw IoError(source + ": cannot open the image list");
  std::string text;
  for (int number = 1; std::getline(in, text); ++number) {
    while (!text.empty() && (text.back() == '\r' || text.back() == ' ' || text.back() == '\t')) {
      text.pop_back();
    }
    if (text.empty()) continue;
    // Caffe's rule: the label follows the last space, so paths may hold spaces.
    const size_t space = text.find_last_of(' ');
    const std::string where = source + ":" + std::to_string(number) + ": ";
    if (space == std::string::npos || space == 0) {
      throw DataError(where + "'" + text + "' has no label (expected 'path label')");
    }
    const std::string label_text = text.substr(space + 1);
    char* end = nullptr;
    errno = 0;
    const long label = std::strtol(label_text.c_str(), &end, 10);
    if (*end != '\0' || errno == ERANGE || label < INT32_MIN || label > INT32_MAX) {
      throw DataError(where + "label '" + label_text + "' is not an integer");
    }
    lines.push_back({text.substr(0, space), static_cast<int>(label), number});
  }
  if (lines.empty()) throw DataError(source + ": the image list is empty");
  return lines;
}

}  // namespace strata
