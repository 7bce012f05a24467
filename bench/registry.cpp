#include "bench/registry.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bitnet/error.h"

namespace bitnet::bench {

void SuiteRegistry::add(Suite suite) {
  if (find(suite.name) != nullptr) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("bench: suite '{}' is registered twice", suite.name));
  }
  suites_.push_back(std::move(suite));
}

const Suite* SuiteRegistry::find(std::string_view name) const noexcept {
  for (const Suite& suite : suites_) {
    if (suite.name == name) return &suite;
  }
  return nullptr;
}

std::vector<std::string> SuiteRegistry::names() const {
  std::vector<std::string> result;
  for (const Suite& suite : suites_) result.push_back(suite.name);
  return result;
}

std::vector<const Suite*> SuiteRegistry::select(const std::vector<std::string>& names) const {
  std::vector<const Suite*> selected;
  for (const std::string& name : names) {
    if (find(name) == nullptr) {
      throw Error(ErrorKind::kInvalidArgument,
                  fmt::format("bench: unknown suite '{}'; known suites: {}", name,
                              fmt::join(this->names(), ", ")));
    }
  }
  // Registration order, whatever the order asked, and each suite once.
  for (const Suite& suite : suites_) {
    if (names.empty() || std::find(names.begin(), names.end(), suite.name) != names.end()) {
      selected.push_back(&suite);
    }
  }
  return selected;
}

std::vector<Suite> filter_cases(const std::vector<const Suite*>& suites,
                                const std::vector<std::string>& patterns) {
  std::vector<Suite> filtered;
  for (const Suite* suite : suites) {
    Suite copy{suite->name, suite->description, {}};
    for (const CaseSpec& spec : suite->cases) {
      for (const std::string& pattern : patterns) {
        if (spec.name.find(pattern) != std::string::npos) {
          copy.cases.push_back(spec);
          break;
        }
      }
    }
    if (!copy.cases.empty()) filtered.push_back(std::move(copy));
  }
  return filtered;
}

}  // namespace bitnet::bench
