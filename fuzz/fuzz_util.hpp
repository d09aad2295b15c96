// Shared by the fuzz targets: quiet logging, a memory ceiling, and a scratch
// file for readers that take a path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace strata::fuzz {

// Once per process: glog to stderr at ERROR only, blobs limited to 512 MB.
void Init();
// Writes the input to this process's scratch file and returns its path.
std::string WriteScratch(const uint8_t* data, size_t size, const std::string& suffix = "");

}  // namespace strata::fuzz
