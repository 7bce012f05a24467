// The transformers reference models of tests/data/hf_bitnet_tiny/<variant>/ ("online", "packed"):
// their folders and their reference.json (logits per case, the greedy continuation).
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace bitnet::testing {

inline const std::string kHfFixtures = std::string(BITNET_TEST_DATA_DIR) + "/hf_bitnet_tiny";

inline nlohmann::json hf_reference(const std::string& variant) {
  std::ifstream file(kHfFixtures + "/" + variant + "/reference.json");
  EXPECT_TRUE(file.good()) << "missing fixture " << variant;
  return nlohmann::json::parse(file);
}

inline std::vector<int32_t> ids_of(const nlohmann::json& list) {
  return list.get<std::vector<int32_t>>();
}

}  // namespace bitnet::testing
