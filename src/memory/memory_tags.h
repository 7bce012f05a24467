// The registry of MemoryTag names (process-wide) and the calling thread's current tag.
#pragma once

#include <cstdint>

namespace bitnet::memory {

// Ids handed out so far, including 0 (untagged): every valid id is below this.
[[nodiscard]] uint32_t memory_tag_count() noexcept;

}  // namespace bitnet::memory
