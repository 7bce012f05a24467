// The list of benchmark suites the CLI knows. Suites are added by explicit calls from one list
// (suites.cpp) rather than by static initialisers, which a static library may silently drop.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bench/benchmark.h"

namespace bitnet::bench {

class SuiteRegistry {
 public:
  // Throws Error(kInvalidArgument) when a suite of that name is already registered.
  void add(Suite suite);
  [[nodiscard]] const Suite* find(std::string_view name) const noexcept;
  [[nodiscard]] const std::vector<Suite>& suites() const noexcept { return suites_; }
  [[nodiscard]] std::vector<std::string> names() const;

  // The suites named, in registration order; all of them when `names` is empty. Throws
  // Error(kInvalidArgument) naming an unknown suite and listing the known ones.
  [[nodiscard]] std::vector<const Suite*> select(const std::vector<std::string>& names) const;

 private:
  std::vector<Suite> suites_;
};

// Copies of `suites` holding only the cases whose names contain one of `patterns` (plain
// substrings); suites left with no case are dropped.
[[nodiscard]] std::vector<Suite> filter_cases(const std::vector<const Suite*>& suites,
                                              const std::vector<std::string>& patterns);

}  // namespace bitnet::bench
