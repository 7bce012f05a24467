// Where a tensor's storage lives. Only the CPU exists in this build; the enum leaves room for the
// CUDA and Metal backends.
#pragma once

#include <string>

namespace bitnet {

enum class DeviceType { kCpu, kCuda, kMetal };

struct Device {
  DeviceType type = DeviceType::kCpu;
  int index = 0;

  static Device cpu() noexcept { return {}; }
  friend bool operator==(const Device&, const Device&) = default;
};

[[nodiscard]] std::string to_string(const Device& device);

}  // namespace bitnet
