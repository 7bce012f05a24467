// The one thread pool behind all parallel CPU work.
#pragma once

#include <cstdint>
#include <functional>

namespace bitnet {

// Calls body(chunk_begin, chunk_end) over disjoint chunks covering [begin, end), on up to
// num_threads() threads (the caller's included). Work below `grain` items per thread runs inline on
// the caller. The first exception thrown by a body is rethrown on the caller after all chunks end.
// Nested calls from inside a body run inline.
void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& body);

}  // namespace bitnet
