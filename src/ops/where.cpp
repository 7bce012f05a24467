// Element selection: where (each element from one of two tensors, by a condition) and clamp (each
// element limited to a range). Both copy whole elements, never compute with them, so the kernels
// move bits and NaN payloads pass through unchanged.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "bitnet/ops.h"
#include "core/raise.h"
#include "tensor/convert.h"
#include "tensor/copy.h"
#include "tensor/dtype_dispatch.h"
#include "tensor/element_loop.h"

namespace bitnet {
namespace {

// An unsigned integer as wide as an element of `Size` bytes, to copy elements as bits.
template <size_t Size>
using ElementBits = std::conditional_t<
    Size == 1, uint8_t,
    std::conditional_t<Size == 2, uint16_t, std::conditional_t<Size == 4, uint32_t, uint64_t>>>;

// Reads a condition element as "non-zero". where() instantiates bool conditions with uint8_t, so
// that a tensor wrapping foreign bytes other than 0 and 1 is read without undefined behaviour.
template <typename Condition>
inline bool is_true(Condition value) {
  return convert_element<bool, Condition>(value);
}

template <typename Condition, typename Bits>
void where_run(char* const* pointers, const int64_t* strides, int64_t count) {
  constexpr int64_t size = sizeof(Bits);
  constexpr int64_t condition_size = sizeof(Condition);
  // Precondition: pointers are out, condition, a, b, each addressing `count` elements at its byte
  // stride (validated, broadcast views); out does not overlap the inputs (it is freshly allocated).
  if (strides[0] == size && strides[1] == condition_size && strides[2] == size &&
      strides[3] == size) {
    Bits* out = reinterpret_cast<Bits*>(pointers[0]);
    const Condition* condition = reinterpret_cast<const Condition*>(pointers[1]);
    const Bits* a = reinterpret_cast<const Bits*>(pointers[2]);
    const Bits* b = reinterpret_cast<const Bits*>(pointers[3]);
    for (int64_t i = 0; i < count; ++i) {
      // Both loads unconditional, so the loop is a vectorisable blend.
      const Bits first = a[i];
      const Bits second = b[i];
      out[i] = is_true(condition[i]) ? first : second;
    }
    return;
  }
  for (int64_t i = 0; i < count; ++i) {
    const Condition condition = *reinterpret_cast<const Condition*>(pointers[1] + i * strides[1]);
    const char* source =
        is_true(condition) ? pointers[2] + i * strides[2] : pointers[3] + i * strides[3];
    *reinterpret_cast<Bits*>(pointers[0] + i * strides[0]) = *reinterpret_cast<const Bits*>(source);
  }
}

// The broadcast shape of where's three operands; the error names all three shapes.
Shape where_shape(const Shape& condition, const Shape& a, const Shape& b) {
  const int rank = std::max({condition.rank(), a.rank(), b.rank()});
  Shape out = Shape::filled(rank, 1);
  for (int i = 0; i < rank; ++i) {
    for (const Shape* shape : {&condition, &a, &b}) {
      const int axis = i - (rank - shape->rank());
      const int64_t dim = axis >= 0 ? (*shape)[axis] : 1;
      if (dim == 1) continue;
      if (out[i] != 1 && out[i] != dim) {
        raise(ErrorKind::kShapeMismatch,
              "where: shapes {} (condition), {} and {} cannot be broadcast together",
              to_string(condition), to_string(a), to_string(b));
      }
      out[i] = dim;
    }
  }
  return out;
}

// A bound in the dtype's own type. Floats round to nearest. Integers take the nearest whole
// number inside the range (the ceiling of a lower bound, the floor of an upper one), saturated to
// the dtype's range, so clamp(x, 2.5, {}) on integers gives at least 3; bool is the range [0, 1].
template <typename T>
T convert_bound(double bound, bool is_lower) {
  if constexpr (is_float_storage_v<T>) {
    return convert_element<T, double>(bound);
  } else {
    const double whole = is_lower ? std::ceil(bound) : std::floor(bound);
    if constexpr (std::is_same_v<T, bool>) {
      return whole >= 1;
    } else {
      return convert_element<T, double>(whole);  // saturates at the ends of T's range
    }
  }
}

}  // namespace

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  if (!cond.defined() || !a.defined() || !b.defined()) {
    raise(ErrorKind::kInvalidArgument, "where: the {} is undefined",
          !cond.defined() ? "condition"
          : !a.defined()  ? "first value tensor"
                          : "second value tensor");
  }
  const Shape shape = where_shape(cond.shape(), a.shape(), b.shape());
  const DType dtype = promote_types(a.dtype(), b.dtype());
  Tensor condition = cond.shape() == shape ? cond : cond.expand(shape);
  Tensor first = a.dtype() == dtype ? a : cast(a, dtype);
  Tensor second = b.dtype() == dtype ? b : cast(b, dtype);
  if (first.shape() != shape) first = first.expand(shape);
  if (second.shape() != shape) second = second.expand(shape);
  Tensor out = allocate_tensor(shape, dtype);
  const ElementLoop<4> loop = make_element_loop<4>(shape, {&out, &condition, &first, &second});
  visit_dtype(cond.dtype(), [&](auto condition_tag) {
    using Stored = typename decltype(condition_tag)::type;
    using Condition = std::conditional_t<std::is_same_v<Stored, bool>, uint8_t, Stored>;
    visit_dtype(dtype, [&](auto value_tag) {
      using Bits = ElementBits<sizeof(typename decltype(value_tag)::type)>;
      run_element_loop(loop, where_run<Condition, Bits>);
    });
  });
  return out;
}

Tensor clamp(const Tensor& x, std::optional<double> low, std::optional<double> high) {
  if (!x.defined()) raise(ErrorKind::kInvalidArgument, "clamp: the tensor is undefined");
  if ((low && std::isnan(*low)) || (high && std::isnan(*high))) {
    raise(ErrorKind::kInvalidArgument, "clamp: the {} bound is NaN",
          low && std::isnan(*low) ? "lower" : "upper");
  }
  if (low && high && *low > *high) {
    raise(ErrorKind::kInvalidArgument, "clamp: the lower bound {} is above the upper bound {}",
          *low, *high);
  }
  Tensor out = allocate_tensor(x.shape(), x.dtype());
  const ElementLoop<2> loop = make_element_loop<2>(x.shape(), {&out, &x});
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    // An absent bound is the end of the range (-inf or +inf for floats), which never clamps.
    constexpr C lowest = std::is_floating_point_v<C> ? -std::numeric_limits<C>::infinity()
                                                     : std::numeric_limits<C>::lowest();
    constexpr C highest = std::is_floating_point_v<C> ? std::numeric_limits<C>::infinity()
                                                      : std::numeric_limits<C>::max();
    const T low_value = low ? convert_bound<T>(*low, true) : T(lowest);
    const T high_value = high ? convert_bound<T>(*high, false) : T(highest);
    const C low_compare = static_cast<C>(low_value);
    const C high_compare = static_cast<C>(high_value);
    if (low && high && low_compare > high_compare) {
      raise(ErrorKind::kInvalidArgument, "clamp: no {} value lies between {} and {}",
            dtype_name(x.dtype()), *low, *high);
    }
    run_element_loop(loop, [&](char* const* pointers, const int64_t* strides, int64_t count) {
      // Local copies: the loop then selects between registers, which the compiler vectorises.
      const T lower = low_value, upper = high_value;
      const C lower_compare = low_compare, upper_compare = high_compare;
      // Comparisons with NaN are false, so NaN is stored unchanged.
      auto limit = [=](T value) {
        const C compared = static_cast<C>(value);
        const T raised = compared < lower_compare ? lower : value;
        return upper_compare < compared ? upper : raised;
      };
      // Precondition: both pointers address `count` elements of T at their byte strides.
      if (strides[0] == sizeof(T) && strides[1] == sizeof(T)) {
        T* out_data = reinterpret_cast<T*>(pointers[0]);
        const T* in_data = reinterpret_cast<const T*>(pointers[1]);
        for (int64_t i = 0; i < count; ++i) out_data[i] = limit(in_data[i]);
        return;
      }
      for (int64_t i = 0; i < count; ++i) {
        const T value = *reinterpret_cast<const T*>(pointers[1] + i * strides[1]);
        *reinterpret_cast<T*>(pointers[0] + i * strides[0]) = limit(value);
      }
    });
  });
  return out;
}

}  // namespace bitnet
