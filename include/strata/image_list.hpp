// Caffe's image lists (ImageData's source, convert_imageset's LISTFILE): one
// "path label" line per image, the label an integer after the last space (so
// paths may hold spaces); blank lines are skipped.
#pragma once

#include <string>
#include <vector>

namespace strata {

struct ImageListLine {
  std::string path;
  int label;
  int number;  // the line in the file, from 1
};

// DataError "LIST:LINE: ..." for a line without an integer label, or an empty
// list; IoError when the file cannot be read.
std::vector<ImageListLine> ReadImageList(const std::string& path);

}  // namespace strata
