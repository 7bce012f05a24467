#include "bitnet/device.h"

#include <fmt/format.h>

namespace bitnet {

std::string to_string(const Device& device) {
  switch (device.type) {
    case DeviceType::kCpu:
      return "cpu";
    case DeviceType::kCuda:
      return fmt::format("cuda:{}", device.index);
    case DeviceType::kMetal:
      return fmt::format("metal:{}", device.index);
  }
  return "unknown";
}

}  // namespace bitnet
