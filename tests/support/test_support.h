// Shared test helpers: seeds (fixed plus fresh ones, printed on failure), an independent element
// reader that walks shapes and strides itself, comparison helpers, and a guard that restores the
// thread count.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bitnet/bitnet.h"

namespace bitnet::testing {

// Fixed seeds plus two drawn from the clock (or the one in BITNET_TEST_SEED, to replay a failure);
// use with SCOPED_TRACE(seed_trace(seed)).
[[nodiscard]] std::vector<uint64_t> test_seeds();
[[nodiscard]] std::string seed_trace(uint64_t seed);

// Reads element `linear` (row-major order over the tensor's shape) as double, walking the raw
// strides: independent of the library's iteration code.
[[nodiscard]] double element_at(const Tensor& tensor, int64_t linear);
// All elements in row-major order as doubles (through element_at).
[[nodiscard]] std::vector<double> elements(const Tensor& tensor);
// Multi-index of a row-major linear position.
[[nodiscard]] std::vector<int64_t> unravel(const Shape& shape, int64_t linear);

// A random tensor of `dtype` with values drawn for that dtype (small integers for integer types,
// 0/1 for bool), made non-contiguous when `layout` asks: "contiguous", "transposed" (last two
// axes swapped in memory), "strided" (every other element), "offset" (a view starting inside a
// larger buffer).
[[nodiscard]] Tensor random_tensor(const Shape& shape, DType dtype, uint64_t seed,
                                   const std::string& layout = "contiguous", double low = -3.0,
                                   double high = 3.0);

// Layout names for random_tensor, to loop over.
[[nodiscard]] const std::vector<std::string>& layouts();

// Normalised mean squared error sum((a-b)^2)/sum(b^2) (0 when both are zero).
[[nodiscard]] double nmse(const std::vector<double>& actual, const std::vector<double>& expected);

// Expects every element equal as doubles, treating NaN as equal to NaN; reports the first index.
void expect_same_values(const std::vector<double>& actual, const std::vector<double>& expected,
                        const std::string& context);
// Expects |actual - expected| <= abs_tol + rel_tol * |expected| elementwise (NaN matches NaN,
// Inf matches the same Inf).
void expect_close(const std::vector<double>& actual, const std::vector<double>& expected,
                  double rel_tol, double abs_tol, const std::string& context);

// Restores, when it goes out of scope, the thread count (set_num_threads) a test changes.
class ThreadCountGuard {
 public:
  ThreadCountGuard() : saved_(num_threads()) {}
  ~ThreadCountGuard() { set_num_threads(saved_); }
  ThreadCountGuard(const ThreadCountGuard&) = delete;
  ThreadCountGuard& operator=(const ThreadCountGuard&) = delete;

 private:
  int saved_;
};

// A new, uniquely named folder under the system's temporary directory (mkdtemp), removed with
// everything in it when the object goes. Unique across processes: CTest runs test processes in
// parallel, and under qemu (no address randomisation) two of them can have the same addresses.
class TemporaryFolder {
 public:
  explicit TemporaryFolder(const std::string& prefix = "bitnet-test");
  ~TemporaryFolder();
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;

  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  // `name` inside the folder.
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Expects `statement` to throw bitnet::Error whose message contains `fragment`.
#define EXPECT_BITNET_ERROR(statement, fragment)                                     \
  do {                                                                               \
    try {                                                                            \
      (void)(statement);                                                             \
      ADD_FAILURE() << "expected bitnet::Error containing \"" << (fragment) << "\""; \
    } catch (const ::bitnet::Error& error_) {                                        \
      EXPECT_NE(std::string(error_.what()).find(fragment), std::string::npos)        \
          << "message: " << error_.what();                                           \
    }                                                                                \
  } while (0)

}  // namespace bitnet::testing
