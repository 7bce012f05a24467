// The BitNet transformer against Hugging Face transformers: tests/data/hf_bitnet_tiny/ holds tiny
// random BitNetForCausalLM models (float weights quantized online, and the packed 2B4T layout)
// with the logits and greedy continuation transformers computed (tools/make_reference.py).
#include "bitnet/model.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "bitnet/io.h"
#include "bitnet/ops.h"
#include "support/hf_fixture.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

const std::string& kFixtures = testing::kHfFixtures;
using testing::hf_reference;
using testing::ids_of;

// Logits within 1e-3 of the largest reference magnitude, position by position.
void expect_logits_match(const Tensor& logits, const nlohmann::json& expected,
                         const std::string& what) {
  ASSERT_EQ(logits.rank(), 2);
  ASSERT_EQ(logits.shape()[0], static_cast<int64_t>(expected.size())) << what;
  const std::vector<float> values = logits.to_vector<float>();
  const int64_t vocabulary = logits.shape()[1];
  double largest = 0;
  for (const auto& row : expected) {
    for (const auto& value : row) largest = std::max(largest, std::abs(value.get<double>()));
  }
  double worst = 0;
  for (size_t position = 0; position < expected.size(); ++position) {
    ASSERT_EQ(static_cast<int64_t>(expected[position].size()), vocabulary) << what;
    for (int64_t id = 0; id < vocabulary; ++id) {
      const double difference =
          std::abs(values[position * vocabulary + id] - expected[position][id].get<double>());
      worst = std::max(worst, difference);
    }
  }
  EXPECT_LE(worst, 1e-3 * largest)
      << what << ": worst difference " << worst << ", largest " << largest;
}

class HuggingFaceReference : public ::testing::TestWithParam<std::string> {};

TEST_P(HuggingFaceReference, LogitsMatchTransformers) {
  const Model model = Model::load(kFixtures + "/" + GetParam());
  const nlohmann::json reference = hf_reference(GetParam());
  for (const auto& test_case : reference.at("cases")) {
    const std::vector<int32_t> ids = ids_of(test_case.at("input_ids"));
    expect_logits_match(model.logits(ids), test_case.at("logits"),
                        GetParam() + " " + test_case.at("name").get<std::string>());
  }
}

// Prefill, then one token at a time through the cache: the tokens transformers chose greedily.
TEST_P(HuggingFaceReference, GreedyContinuationMatchesTransformers) {
  const Model model = Model::load(kFixtures + "/" + GetParam());
  const nlohmann::json greedy = hf_reference(GetParam()).at("greedy");
  const std::vector<int32_t> prompt = ids_of(greedy.at("input_ids"));
  const std::vector<int32_t> expected = ids_of(greedy.at("tokens"));
  Session session(model, 64);
  Tensor logits = session.forward_last(prompt);
  std::vector<int32_t> produced;
  for (size_t step = 0; step < expected.size(); ++step) {
    const auto next = static_cast<int32_t>(argmax(logits).item());
    produced.push_back(next);
    logits = session.forward_last(std::span<const int32_t>(&produced.back(), 1));
  }
  EXPECT_EQ(produced, expected);
  EXPECT_EQ(session.position(), static_cast<int64_t>(prompt.size() + expected.size()));
}

// The cache gives what a full forward gives: logits of position i from one pass over all ids
// equal those decoded one id at a time.
TEST_P(HuggingFaceReference, CachedDecodeEqualsFullForward) {
  const Model model = Model::load(kFixtures + "/" + GetParam());
  const std::vector<int32_t> ids = {5, 77, 300, 12, 499, 0, 256};
  const Tensor full = model.logits(ids);
  Session session(model);
  for (size_t index = 0; index < ids.size(); ++index) {
    const Tensor step = session.forward(std::span<const int32_t>(&ids[index], 1));
    const std::vector<float> got = step.to_vector<float>();
    const std::vector<float> want = full.select(0, static_cast<int64_t>(index)).to_vector<float>();
    ASSERT_EQ(got.size(), want.size());
    for (size_t id = 0; id < got.size(); ++id) {
      ASSERT_NEAR(got[id], want[id], 1e-4) << "position " << index << " id " << id;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, HuggingFaceReference, ::testing::Values("online", "packed"));

// The f16 cache is opt-in: it runs, rounds (so it is really f16), stays near the f32 cache on
// these random-weight models (their keys are large, which is why it is not the default), and a
// cache of another dtype is refused by name.
TEST(Session, HalfPrecisionCacheIsOptIn) {
  const Model model = Model::load(kFixtures + "/packed");
  const std::vector<int32_t> ids = {1, 17, 255, 42, 511, 0, 128, 300, 7, 64, 99, 400};
  Session half(model, 16, DType::kF16);
  Session single(model, 16);
  const std::vector<float> a = half.forward(ids).to_vector<float>();
  const std::vector<float> b = single.forward(ids).to_vector<float>();
  ASSERT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t index = 0; index < a.size(); ++index) {
    worst = std::max(worst, static_cast<double>(std::abs(a[index] - b[index])));
  }
  EXPECT_GT(worst, 0.0) << "the f16 cache rounded nothing: is it really f16?";
  EXPECT_LE(worst, 0.1);
  try {
    Session wrong(model, 16, DType::kBF16);
    ADD_FAILURE() << "a bf16 cache was accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("must be f16 or f32, got bf16"), std::string::npos)
        << error.what();
  }
}

// ---- loader errors ----------------------------------------------------------------------------

// A copy of the online fixture in a temporary folder, with its config text and tensors editable.
class BrokenFolder {
 public:
  BrokenFolder() {
    std::ifstream config(kFixtures + "/online/config.json");
    config_ = nlohmann::json::parse(config);
  }
  BrokenFolder(const BrokenFolder&) = delete;
  BrokenFolder& operator=(const BrokenFolder&) = delete;

  nlohmann::json& config() { return config_; }
  // Writes config.json and the fixture's tensors except `drop`.
  std::string write(const std::string& drop = "") {
    std::ofstream(folder_.file("config.json")) << config_.dump();
    const SafetensorsFile source = SafetensorsFile::open(kFixtures + "/online/model.safetensors");
    SafetensorsWriter writer;
    for (const auto& info : source.tensors()) {
      if (info.name != drop) writer.add(info.name, source.tensor(info.name));
    }
    writer.write(folder_.file("model.safetensors"));
    return folder_.path();
  }

 private:
  testing::TemporaryFolder folder_{"bitnet-model-test"};
  nlohmann::json config_;
};

void expect_load_error(const std::string& folder, const std::string& needle) {
  try {
    (void)Model::load(folder);
    ADD_FAILURE() << "loaded; expected an error containing: " << needle;
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(needle), std::string::npos) << error.what();
  }
}

TEST(ModelLoad, MissingTensorIsNamed) {
  BrokenFolder folder;
  expect_load_error(folder.write("model.layers.1.mlp.up_proj.weight"),
                    "tensor 'model.layers.1.mlp.up_proj.weight' is missing");
}

TEST(ModelLoad, MisshapedTensorIsNamed) {
  BrokenFolder folder;
  folder.config()["intermediate_size"] = 320;
  expect_load_error(folder.write(), "layer 0 gate must be [320, 128], got [352, 128]");
}

TEST(ModelLoad, UnknownArchitectureIsNamed) {
  BrokenFolder folder;
  folder.config()["architectures"] = {"LlamaForCausalLM"};
  expect_load_error(folder.write(), "architecture 'LlamaForCausalLM' is not supported");
}

TEST(ModelLoad, MissingConfigKeyIsNamed) {
  BrokenFolder folder;
  folder.config().erase("num_attention_heads");
  expect_load_error(folder.write(), "config key 'num_attention_heads' is missing");
}

TEST(ModelLoad, RopeThetaFromEitherPlace) {
  BrokenFolder folder;
  folder.config().erase("rope_parameters");
  expect_load_error(folder.write(), "config key 'rope_theta' is missing");
  folder.config()["rope_theta"] = 10000.0;
  const Model model = Model::load(folder.write());
  EXPECT_EQ(model.config().rope_theta, 10000.0);
}

TEST(ModelLoad, UnsupportedActivationIsNamed) {
  BrokenFolder folder;
  folder.config()["hidden_act"] = "gelu";
  expect_load_error(folder.write(), "hidden_act 'gelu' is not supported");
}

TEST(ModelLoad, HeadsThatDoNotDivideAreNamed) {
  BrokenFolder folder;
  folder.config()["num_key_value_heads"] = 3;
  expect_load_error(folder.write(),
                    "num_attention_heads 4 is not a multiple of num_key_value_heads 3");
}

// A file is read as GGUF; a path that is neither a folder nor a file is named as such.
TEST(ModelLoad, NeitherFolderNorGgufIsNamed) {
  expect_load_error(kFixtures + "/online/config.json", "expected 'GGUF'");
  expect_load_error(kFixtures + "/no-such-model", "neither a Hugging Face model folder");
}

TEST(Session, ContextOverflowIsAnErrorAndKeepsTheSession) {
  const Model model = Model::load(kFixtures + "/online");
  Session session(model, 4);
  const std::vector<int32_t> ids = {1, 2, 3};
  (void)session.forward(ids);
  EXPECT_THROW((void)session.forward(ids), Error);
  EXPECT_EQ(session.position(), 3);
  const std::vector<int32_t> one = {4};
  EXPECT_NO_THROW((void)session.forward(one));
}

TEST(Session, OutOfRangeIdIsNamed) {
  const Model model = Model::load(kFixtures + "/online");
  Session session(model, 8);
  const std::vector<int32_t> ids = {1, 512};
  try {
    (void)session.forward(ids);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("id 512 at position 1"), std::string::npos)
        << error.what();
  }
  EXPECT_EQ(session.position(), 0);
}

}  // namespace
}  // namespace bitnet
