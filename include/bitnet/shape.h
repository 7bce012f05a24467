// Shapes and strides: int64 dimensions stored inline (no heap traffic on the small-op path).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

namespace bitnet {

inline constexpr int kMaxRank = 12;

// A short list of int64 values: the dimensions of a shape or the strides (in elements) of a view.
class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  explicit Shape(std::span<const int64_t> dims);
  Shape(const std::vector<int64_t>& dims) : Shape(std::span<const int64_t>(dims)) {}
  // A shape of `rank` copies of `value`.
  static Shape filled(int rank, int64_t value);

  [[nodiscard]] int rank() const noexcept { return rank_; }
  [[nodiscard]] size_t size() const noexcept { return static_cast<size_t>(rank_); }
  [[nodiscard]] bool empty() const noexcept { return rank_ == 0; }
  int64_t& operator[](int i) noexcept { return dims_[i]; }
  int64_t operator[](int i) const noexcept { return dims_[i]; }
  int64_t* data() noexcept { return dims_; }
  [[nodiscard]] const int64_t* data() const noexcept { return dims_; }
  int64_t* begin() noexcept { return dims_; }
  int64_t* end() noexcept { return dims_ + rank_; }
  [[nodiscard]] const int64_t* begin() const noexcept { return dims_; }
  [[nodiscard]] const int64_t* end() const noexcept { return dims_ + rank_; }
  [[nodiscard]] int64_t back() const noexcept { return dims_[rank_ - 1]; }

  void push_back(int64_t value);
  void insert(int position, int64_t value);
  void erase(int position);
  void resize(int rank, int64_t fill = 0);

  [[nodiscard]] std::vector<int64_t> to_vector() const { return {begin(), end()}; }
  [[nodiscard]] std::span<const int64_t> span() const noexcept { return {dims_, size()}; }

  friend bool operator==(const Shape& a, const Shape& b) noexcept;

 private:
  int64_t dims_[kMaxRank] = {};
  int rank_ = 0;
};

// "[2,3]"; "[]" for a 0-d shape.
[[nodiscard]] std::string to_string(const Shape& shape);

// Product of the dimensions; throws Error(kOverflow) naming the shape when it exceeds int64, and
// Error(kInvalidArgument) for a negative dimension.
[[nodiscard]] int64_t checked_numel(const Shape& shape);
// numel * element size, checked for overflow.
[[nodiscard]] int64_t checked_bytes(int64_t numel, size_t element_size, const char* what);

// Row-major (C order) strides in elements.
[[nodiscard]] Shape contiguous_strides(const Shape& shape);

// Normalises an axis in [-rank, rank) to [0, rank); throws Error naming `op`, the axis and rank.
[[nodiscard]] int normalize_axis(int64_t axis, int rank, const char* op);

// NumPy broadcasting of two shapes; throws Error(kShapeMismatch) naming `op` and both shapes.
[[nodiscard]] Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace bitnet
