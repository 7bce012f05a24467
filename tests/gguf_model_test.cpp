// Models as GGUF files: the Hugging Face fixtures (tests/data/hf_bitnet_tiny/) and a synthetic
// model with block-aligned shapes, written by save_gguf in TQ2_0, TQ1_0 and I2_S and loaded back;
// every loader refusal by name; the FFN activation's sources and the 2B4T-signature warning.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "bitnet/half.h"
#include "bitnet/io.h"
#include "bitnet/model.h"
#include "bitnet/ops.h"
#include "support/hf_fixture.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

const std::string& kFixtures = testing::kHfFixtures;
using testing::hf_reference;
using testing::ids_of;

using TempFolder = testing::TemporaryFolder;

double max_difference(const Tensor& a, const Tensor& b) {
  const std::vector<float> x = a.to_vector<float>();
  const std::vector<float> y = b.to_vector<float>();
  EXPECT_EQ(x.size(), y.size());
  double worst = 0;
  for (size_t index = 0; index < x.size() && index < y.size(); ++index) {
    worst = std::max(worst, std::abs(static_cast<double>(x[index]) - y[index]));
  }
  return worst;
}

bool equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.to_vector<int8_t>() == b.to_vector<int8_t>();
}

std::string format_name(TernaryFormat format) {
  return std::string(ternary_format_traits(format).name);
}

// ---- the Hugging Face fixtures ------------------------------------------------------------------

using FixtureCase = std::tuple<std::string, TernaryFormat>;

class FixtureAsGguf : public ::testing::TestWithParam<FixtureCase> {};

// The fixtures' rows (128 and 352 weights) are whole I2_S blocks for q, k, v, o, gate and up and
// no TQ block at all, so those go as F32 scale * trits; every way keeps trits and f32 scales
// exactly, so the logits must be identical to the folder's, bit for bit (tolerance 0).
TEST_P(FixtureAsGguf, LogitsEqualTheFolders) {
  const auto& [variant, format] = GetParam();
  const Model folder = Model::load(kFixtures + "/" + variant);
  TempFolder temp;
  const std::string path = temp.file("model.gguf");
  save_gguf(folder, path, format);
  const Model file = Model::load(path);

  EXPECT_EQ(file.config().activation, folder.config().activation);
  EXPECT_EQ(file.config().rms_norm_eps, folder.config().rms_norm_eps);
  EXPECT_EQ(file.config().rope_theta, folder.config().rope_theta);
  EXPECT_EQ(file.config().tied_embeddings, folder.config().tied_embeddings);
  const GgufFile gguf = GgufFile::open(path);
  EXPECT_EQ(gguf.get_string("general.architecture"), "bitnet");
  EXPECT_EQ(gguf.get_string("bitnet.ffn_activation"), "relu2");
  EXPECT_EQ(gguf.tensor_info("blk.0.attn_q.weight").type,
            format == TernaryFormat::kI2S ? GgmlType::kI2_S : GgmlType::kF32);
  EXPECT_EQ(gguf.tensor_info("blk.0.ffn_down.weight").type, GgmlType::kF32);

  // Held by name: a range-for over a member of a temporary would read the freed json (C++20).
  const nlohmann::json reference = hf_reference(variant);
  for (const auto& test_case : reference.at("cases")) {
    const std::vector<int32_t> ids = ids_of(test_case.at("input_ids"));
    EXPECT_EQ(max_difference(file.logits(ids), folder.logits(ids)), 0.0)
        << test_case.at("name").get<std::string>();
  }
  const nlohmann::json& greedy = reference.at("greedy");
  Session session(file, 64);
  Tensor logits = session.forward_last(ids_of(greedy.at("input_ids")));
  std::vector<int32_t> produced;
  for (size_t step = 0; step < greedy.at("tokens").size(); ++step) {
    produced.push_back(static_cast<int32_t>(argmax(logits).item()));
    logits = session.forward_last(std::span<const int32_t>(&produced.back(), 1));
  }
  EXPECT_EQ(produced, ids_of(greedy.at("tokens")));
}

INSTANTIATE_TEST_SUITE_P(Variants, FixtureAsGguf,
                         ::testing::Combine(::testing::Values("online", "packed"),
                                            ::testing::Values(TernaryFormat::kTQ2_0,
                                                              TernaryFormat::kTQ1_0,
                                                              TernaryFormat::kI2S)),
                         [](const auto& info) {
                           return std::get<0>(info.param) + "_" +
                                  format_name(std::get<1>(info.param));
                         });

// ---- a block-aligned synthetic model -----------------------------------------------------------

struct Shapes {
  int64_t vocab = 300;
  int64_t hidden = 256;
  int64_t intermediate = 512;
  int64_t heads = 4;
  int64_t kv_heads = 2;
  int64_t layers = 2;
};

TernaryTensor random_projection(int64_t rows, int64_t cols, uint64_t seed) {
  return TernaryTensor::quantize(Tensor::normal({rows, cols}, seed, 0.0, 0.02));
}

Tensor random_norm(int64_t size, uint64_t seed) {
  return Tensor::uniform({size}, seed, 0.5, 1.5);
}

Model synthetic_model(const Shapes& shapes, DType embedding_dtype = DType::kF16,
                      FfnActivation activation = FfnActivation::kRelu2) {
  ModelConfig config;
  config.architecture = "BitNetForCausalLM";
  config.vocab_size = shapes.vocab;
  config.hidden_size = shapes.hidden;
  config.intermediate_size = shapes.intermediate;
  config.num_layers = shapes.layers;
  config.num_heads = shapes.heads;
  config.num_kv_heads = shapes.kv_heads;
  config.head_dim = shapes.hidden / shapes.heads;
  config.max_position_embeddings = 64;
  config.rms_norm_eps = 1e-6;
  config.rope_theta = 500000.0;
  config.activation = activation;
  ModelWeights weights;
  weights.embedding =
      cast(Tensor::normal({shapes.vocab, shapes.hidden}, 1, 0.0, 1.0), embedding_dtype);
  weights.head = weights.embedding;  // tied, in its dtype, as the loaders keep it
  weights.final_norm = random_norm(shapes.hidden, 2);
  const int64_t kv_width = shapes.kv_heads * config.head_dim;
  for (int64_t index = 0; index < shapes.layers; ++index) {
    const uint64_t seed = 100 + 20 * static_cast<uint64_t>(index);
    LayerWeights layer;
    layer.input_norm = random_norm(shapes.hidden, seed);
    layer.q = random_projection(shapes.hidden, shapes.hidden, seed + 1);
    layer.k = random_projection(kv_width, shapes.hidden, seed + 2);
    layer.v = random_projection(kv_width, shapes.hidden, seed + 3);
    layer.attention_sub_norm = random_norm(shapes.hidden, seed + 4);
    layer.o = random_projection(shapes.hidden, shapes.hidden, seed + 5);
    layer.post_attention_norm = random_norm(shapes.hidden, seed + 6);
    layer.gate = random_projection(shapes.intermediate, shapes.hidden, seed + 7);
    layer.up = random_projection(shapes.intermediate, shapes.hidden, seed + 8);
    layer.ffn_sub_norm = random_norm(shapes.intermediate, seed + 9);
    layer.down = random_projection(shapes.hidden, shapes.intermediate, seed + 10);
    weights.layers.push_back(std::move(layer));
  }
  return Model::from_weights(std::move(config), std::move(weights));
}

// The model with every projection's scale rounded to f16, as TQ1_0/TQ2_0 blocks store it.
Model with_f16_scales(const Model& model) {
  ModelWeights weights = model.weights();
  const auto round = [](const TernaryTensor& projection) {
    std::vector<float> scales = projection.scales().to_vector<float>();
    for (float& scale : scales) scale = f16_bits_to_float(float_to_f16_bits(scale));
    return TernaryTensor::from_trits(
        projection.trits(), Tensor::from_vector(scales, {static_cast<int64_t>(scales.size())}));
  };
  for (LayerWeights& layer : weights.layers) {
    for (TernaryTensor* projection :
         {&layer.q, &layer.k, &layer.v, &layer.o, &layer.gate, &layer.up, &layer.down}) {
      *projection = round(*projection);
    }
  }
  return Model::from_weights(model.config(), std::move(weights));
}

std::vector<const TernaryTensor*> projections(const Model& model) {
  std::vector<const TernaryTensor*> all;
  for (const LayerWeights& layer : model.weights().layers) {
    for (const TernaryTensor* projection :
         {&layer.q, &layer.k, &layer.v, &layer.o, &layer.gate, &layer.up, &layer.down}) {
      all.push_back(projection);
    }
  }
  return all;
}

const std::vector<int32_t> kIds = {5, 77, 299, 12, 150, 0, 256, 31};

class SyntheticAsGguf : public ::testing::TestWithParam<TernaryFormat> {};

// Rows of 256 and 512 weights are whole blocks of every format, so each projection goes in the
// format asked for. Trits come back exactly; I2_S keeps the f32 tensor scale, TQ1_0/TQ2_0 one f16
// scale per block: the loaded model must equal the original with its scales rounded that way,
// bit for bit.
TEST_P(SyntheticAsGguf, RoundTripIsExactUpToTheFormatsScale) {
  const TernaryFormat format = GetParam();
  const Model model = synthetic_model(Shapes{});
  TempFolder temp;
  const std::string path = temp.file("model.gguf");
  save_gguf(model, path, format);
  const GgufFile gguf = GgufFile::open(path);
  const GgmlType expected_type = format == TernaryFormat::kTQ2_0   ? GgmlType::kTQ2_0
                                 : format == TernaryFormat::kTQ1_0 ? GgmlType::kTQ1_0
                                                                   : GgmlType::kI2_S;
  EXPECT_EQ(gguf.tensor_info("blk.1.ffn_down.weight").type, expected_type);
  EXPECT_EQ(gguf.tensor_info("token_embd.weight").type, GgmlType::kF16);

  const Model loaded = Model::load(path);
  const Model expected = format == TernaryFormat::kI2S ? model : with_f16_scales(model);
  const auto got = projections(loaded);
  const auto want = projections(expected);
  ASSERT_EQ(got.size(), want.size());
  for (size_t index = 0; index < got.size(); ++index) {
    EXPECT_TRUE(equal(got[index]->trits(), want[index]->trits())) << "projection " << index;
    const std::vector<float> scales = got[index]->scales().to_vector<float>();
    const float scale = want[index]->row_scale(0);
    for (const float value : scales) ASSERT_EQ(value, scale) << "projection " << index;
  }
  EXPECT_EQ(max_difference(loaded.logits(kIds), expected.logits(kIds)), 0.0);
  // Against the f32 scales: the f16 rounding (relative 2^-11 at most) moves the logits a little.
  const double drift = max_difference(loaded.logits(kIds), model.logits(kIds));
  const double largest = max_difference(model.logits(kIds), Tensor::zeros({8, 300}));
  EXPECT_LE(drift, 1e-2 * largest) << "drift " << drift << " of largest " << largest;
  RecordProperty("drift_from_f32_scales", std::to_string(drift / largest));
}

INSTANTIATE_TEST_SUITE_P(Formats, SyntheticAsGguf,
                         ::testing::Values(TernaryFormat::kTQ2_0, TernaryFormat::kTQ1_0,
                                           TernaryFormat::kI2S),
                         [](const auto& info) { return format_name(info.param); });

TEST(SaveGguf, RefusesOurOwnLayouts) {
  const Model model = synthetic_model(Shapes{});
  TempFolder temp;
  try {
    save_gguf(model, temp.file("model.gguf"), TernaryFormat::kT2);
    ADD_FAILURE() << "wrote t2";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("tq2_0, tq1_0 or i2_s, not t2"), std::string::npos)
        << error.what();
  }
  EXPECT_FALSE(std::filesystem::exists(temp.file("model.gguf")));
}

// The progress callback sees every layer, then the written file.
TEST(SaveGguf, ReportsProgressPerLayerThenTheWrite) {
  const Model model = synthetic_model(Shapes{});
  TempFolder temp;
  std::vector<std::pair<int64_t, int64_t>> calls;
  save_gguf(model, temp.file("model.gguf"), TernaryFormat::kTQ2_0, {},
            [&](int64_t done, int64_t steps) { calls.emplace_back(done, steps); });
  const auto steps = static_cast<int64_t>(model.config().num_layers) + 1;
  ASSERT_EQ(calls.size(), static_cast<size_t>(steps));
  for (int64_t index = 0; index < steps; ++index) {
    EXPECT_EQ(calls[static_cast<size_t>(index)], std::make_pair(index + 1, steps));
  }
  EXPECT_TRUE(std::filesystem::exists(temp.file("model.gguf")));
}

// An untied head goes as output.weight and comes back.
TEST(SaveGguf, UntiedHeadRoundTrips) {
  const Model tied = synthetic_model(Shapes{});
  ModelConfig config = tied.config();
  config.tied_embeddings = false;
  ModelWeights weights = tied.weights();
  weights.head = Tensor::normal({300, 256}, 9, 0.0, 1.0);
  const Model model = Model::from_weights(config, weights);
  TempFolder temp;
  save_gguf(model, temp.file("model.gguf"), TernaryFormat::kI2S);
  const Model loaded = Model::load(temp.file("model.gguf"));
  EXPECT_FALSE(loaded.config().tied_embeddings);
  EXPECT_EQ(max_difference(loaded.weights().head, weights.head), 0.0);
  EXPECT_EQ(max_difference(loaded.logits(kIds), model.logits(kIds)), 0.0);
}

// ---- rewriting a file ---------------------------------------------------------------------------

struct RawTensor {
  std::string name;
  GgmlType type;
  Shape shape;
  std::vector<uint8_t> bytes;
};

struct Contents {
  std::vector<GgufMetadataEntry> metadata;
  std::vector<RawTensor> tensors;

  GgufValue* find(const std::string& key) {
    for (auto& entry : metadata) {
      if (entry.key == key) return &entry.value;
    }
    return nullptr;
  }
  void erase_key(const std::string& key) {
    std::erase_if(metadata, [&](const GgufMetadataEntry& entry) { return entry.key == key; });
  }
  RawTensor& tensor(const std::string& name) {
    for (auto& tensor : tensors) {
      if (tensor.name == name) return tensor;
    }
    throw std::runtime_error("no tensor " + name);
  }
  void erase_tensor(const std::string& name) {
    std::erase_if(tensors, [&](const RawTensor& tensor) { return tensor.name == name; });
  }
};

Contents read_contents(const std::string& path) {
  const GgufFile file = GgufFile::open(path);
  Contents contents{file.metadata(), {}};
  for (const GgufTensorInfo& info : file.tensors()) {
    const auto bytes = file.tensor_bytes(info.name);
    contents.tensors.push_back(
        {info.name, info.type, info.shape, std::vector<uint8_t>(bytes.begin(), bytes.end())});
  }
  return contents;
}

void write_contents(const Contents& contents, const std::string& path) {
  GgufWriter writer;
  for (const auto& entry : contents.metadata) writer.set(entry.key, entry.value);
  for (const auto& tensor : contents.tensors) {
    writer.add_raw(tensor.name, tensor.type, tensor.shape, tensor.bytes);
  }
  writer.write(path);
}

// The online fixture in I2_S, edited, then loaded: the error must contain every needle.
class BrokenGguf : public ::testing::Test {
 protected:
  void SetUp() override {
    save_gguf(Model::load(kFixtures + "/online"), temp_.file("good.gguf"), TernaryFormat::kI2S);
    contents_ = read_contents(temp_.file("good.gguf"));
  }
  void expect_error(const std::vector<std::string>& needles) {
    const std::string path = temp_.file("bad.gguf");
    write_contents(contents_, path);
    expect_load_error(path, needles);
  }
  static void expect_load_error(const std::string& path, const std::vector<std::string>& needles) {
    try {
      (void)Model::load(path);
      ADD_FAILURE() << "loaded; expected an error containing: " << needles.front();
    } catch (const Error& error) {
      for (const auto& needle : needles) {
        EXPECT_NE(std::string(error.what()).find(needle), std::string::npos) << error.what();
      }
    }
  }
  TempFolder temp_;
  Contents contents_;
};

TEST_F(BrokenGguf, UnchangedFileLoads) {
  const std::string path = temp_.file("same.gguf");
  write_contents(contents_, path);
  EXPECT_EQ(Model::load(path).config().num_layers, 2);
}

TEST_F(BrokenGguf, UnknownArchitectureIsNamed) {
  *contents_.find("general.architecture") = GgufValue("llama");
  expect_error({"bad.gguf", "general.architecture 'llama' is not supported",
                "bitnet, bitnet-b1.58, bitnet-25"});
}

TEST_F(BrokenGguf, MissingArchitectureIsNamed) {
  contents_.erase_key("general.architecture");
  expect_error({"bad.gguf", "'general.architecture' is missing"});
}

TEST_F(BrokenGguf, MissingMetadataIsNamed) {
  contents_.erase_key("bitnet.block_count");
  expect_error({"bad.gguf", "metadata 'bitnet.block_count' is missing"});
}

TEST_F(BrokenGguf, MistypedMetadataIsNamed) {
  *contents_.find("bitnet.embedding_length") = GgufValue("128");
  expect_error({"bad.gguf", "'bitnet.embedding_length' must be an integer, got string"});
}

TEST_F(BrokenGguf, MissingTensorIsNamed) {
  contents_.erase_tensor("blk.1.ffn_down.weight");
  expect_error({"bad.gguf", "tensor 'blk.1.ffn_down.weight' is missing"});
}

TEST_F(BrokenGguf, MissingNormIsNamed) {
  contents_.erase_tensor("blk.0.attn_sub_norm.weight");
  expect_error({"bad.gguf", "tensor 'blk.0.attn_sub_norm.weight' is missing"});
}

TEST_F(BrokenGguf, MisshapedTensorIsNamed) {
  // q [128, 128] where k must be [64, 128].
  RawTensor q = contents_.tensor("blk.0.attn_q.weight");
  q.name = "blk.0.attn_k.weight";
  contents_.tensor("blk.0.attn_k.weight") = q;
  expect_error({"bad.gguf", "tensor 'blk.0.attn_k.weight' has shape [128,128], expected [64,128]"});
}

TEST_F(BrokenGguf, MisshapedNormIsNamed) {
  RawTensor& norm = contents_.tensor("blk.1.ffn_norm.weight");
  norm.shape = {64};
  norm.bytes.resize(64 * 4);
  expect_error({"bad.gguf", "tensor 'blk.1.ffn_norm.weight' has shape [64], expected [128]"});
}

TEST_F(BrokenGguf, UnsupportedProjectionTypeIsNamed) {
  RawTensor& up = contents_.tensor("blk.0.ffn_up.weight");
  up.type = GgmlType::kQ4_0;  // 18 bytes per 32 weights
  up.bytes.assign(static_cast<size_t>(352 * 128 / 32 * 18), 0);
  expect_error(
      {"bad.gguf", "tensor 'blk.0.ffn_up.weight' has type q4_0", "ternary projection cannot take"});
}

TEST_F(BrokenGguf, UnsupportedEmbeddingTypeIsNamed) {
  RawTensor& embedding = contents_.tensor("token_embd.weight");
  embedding.type = GgmlType::kTQ2_0;
  embedding.shape = {512, 256};  // ne[0] must be whole TQ2_0 blocks
  embedding.bytes.assign(static_cast<size_t>(512 * 66), 0);
  expect_error({"bad.gguf", "'token_embd.weight' has shape [512,256], expected [vocab, 128]"});
  embedding.shape = {512, 128};
  embedding.type = GgmlType::kI2_S;
  embedding.bytes.assign(static_cast<size_t>(512 * 128 / 4 + 32), 0);
  expect_error({"bad.gguf", "tensor 'token_embd.weight' has type i2_s", "f32, f16, bf16, q8_0"});
}

TEST_F(BrokenGguf, VocabularyMismatchIsNamed) {
  *contents_.find("bitnet.vocab_size") = GgufValue(uint32_t{511});
  expect_error(
      {"bad.gguf", "'bitnet.vocab_size' is 511", "tensor 'token_embd.weight' has 512 rows"});
}

TEST_F(BrokenGguf, TokenizerVocabularyMismatchIsNamed) {
  contents_.metadata.push_back(
      {"tokenizer.ggml.tokens", GgufValue::array(std::vector<std::string>(500, "x"))});
  expect_error({"bad.gguf", "the tokenizer has 500 tokens", "has 512 rows"});
}

TEST_F(BrokenGguf, UnknownActivationIsNamed) {
  *contents_.find("bitnet.ffn_activation") = GgufValue("gelu");
  expect_error({"bad.gguf", "'bitnet.ffn_activation' is \"gelu\"", "relu2"});
}

TEST_F(BrokenGguf, TruncatedFileIsNamed) {
  std::ifstream in(temp_.file("good.gguf"), std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bytes.resize(bytes.size() - 1000);
  const std::string path = temp_.file("short.gguf");
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  expect_load_error(path, {"short.gguf", "past the end of the file", "truncated"});
}

// A separate ".scale" tensor, as llama.cpp's BitNet GGUFs may carry, multiplies the weight.
TEST_F(BrokenGguf, ScaleTensorMultipliesTheWeight) {
  const std::vector<float> three = {3.0f};
  contents_.tensors.push_back(
      {"blk.0.attn_v.scale",
       GgmlType::kF32,
       {1},
       std::vector<uint8_t>(reinterpret_cast<const uint8_t*>(three.data()),
                            reinterpret_cast<const uint8_t*>(three.data()) + 4)});
  const std::string path = temp_.file("scaled.gguf");
  write_contents(contents_, path);
  const Model plain = Model::load(temp_.file("good.gguf"));
  const Model scaled = Model::load(path);
  EXPECT_EQ(scaled.weights().layers[0].v.row_scale(0),
            3.0f * plain.weights().layers[0].v.row_scale(0));
  EXPECT_TRUE(equal(scaled.weights().layers[0].v.trits(), plain.weights().layers[0].v.trits()));
}

// A Q8_0 embedding (as llama.cpp's quantizer may leave it) is dequantized, and the tied head is
// that same table in f32.
TEST_F(BrokenGguf, QuantizedEmbeddingIsDequantized) {
  const Model plain = Model::load(temp_.file("good.gguf"));
  GgufWriter quantizer;
  quantizer.add_tensor("e", cast(plain.weights().embedding, DType::kF32).contiguous(),
                       GgmlType::kQ8_0);
  const GgufFile quantized = GgufFile::from_bytes(quantizer.to_bytes());
  const auto bytes = quantized.tensor_bytes("e");
  RawTensor& embedding = contents_.tensor("token_embd.weight");
  embedding.type = GgmlType::kQ8_0;
  embedding.bytes.assign(bytes.begin(), bytes.end());
  const std::string path = temp_.file("q8.gguf");
  write_contents(contents_, path);
  const Model model = Model::load(path);
  const Tensor expected = quantized.tensor("e");
  EXPECT_EQ(model.weights().embedding.dtype(), DType::kF32);
  EXPECT_EQ(max_difference(model.weights().embedding, expected), 0.0);
  EXPECT_EQ(max_difference(model.weights().head, expected), 0.0);
  EXPECT_GT(max_difference(expected, cast(plain.weights().embedding, DType::kF32)), 0.0);
  const std::vector<int32_t> ids = {1, 2, 3};
  EXPECT_EQ(model.logits(ids).shape(), (Shape{3, 512}));
}

// ---- the FFN activation -------------------------------------------------------------------------

TEST_F(BrokenGguf, ActivationComesFromTheKeyThenTheArchitecture) {
  EXPECT_EQ(Model::load(temp_.file("good.gguf")).config().activation, FfnActivation::kRelu2);
  contents_.erase_key("bitnet.ffn_activation");
  write_contents(contents_, temp_.file("bitnet.gguf"));
  EXPECT_EQ(Model::load(temp_.file("bitnet.gguf")).config().activation, FfnActivation::kSilu);

  // bitnet.cpp's architecture (and the name its 2B4T converter writes): relu^2 by default, its
  // own key prefix.
  for (const std::string architecture : {"bitnet-b1.58", "bitnet-25"}) {
    Contents renamed = contents_;
    for (auto& entry : renamed.metadata) {
      if (entry.key.starts_with("bitnet.")) entry.key = architecture + "." + entry.key.substr(7);
    }
    *renamed.find("general.architecture") = GgufValue(architecture);
    write_contents(renamed, temp_.file("b158.gguf"));
    EXPECT_EQ(Model::load(temp_.file("b158.gguf")).config().activation, FfnActivation::kRelu2)
        << architecture;
  }
}

TEST_F(BrokenGguf, OverrideReplacesTheActivation) {
  const Model relu2 = Model::load(temp_.file("good.gguf"));
  const Model silu = Model::load(temp_.file("good.gguf"), {.ffn_activation = FfnActivation::kSilu});
  EXPECT_EQ(silu.config().activation, FfnActivation::kSilu);
  const std::vector<int32_t> ids = {1, 2, 3};
  EXPECT_GT(max_difference(silu.logits(ids), relu2.logits(ids)), 1e-3);
  // The same override on the Hugging Face folder gives the same model.
  const Model folder = Model::load(kFixtures + "/online", {.ffn_activation = FfnActivation::kSilu});
  EXPECT_EQ(folder.config().activation, FfnActivation::kSilu);
  EXPECT_EQ(max_difference(folder.logits(ids), silu.logits(ids)), 0.0);
}

// 2B4T's signature (vocabulary 128256, 20 heads, 5 kv heads) in a `bitnet` file without an
// activation key: SiLU with a warning. With the key or an override there is nothing to warn about.
TEST(GgufActivation, TwoB4TSignatureInBitnetFileWarns) {
  Shapes shapes;
  shapes.vocab = 128256;
  shapes.hidden = 40;
  shapes.intermediate = 16;
  shapes.heads = 20;
  shapes.kv_heads = 5;
  shapes.layers = 1;
  TempFolder temp;
  save_gguf(synthetic_model(shapes), temp.file("with-key.gguf"));
  Contents contents = read_contents(temp.file("with-key.gguf"));
  contents.erase_key("bitnet.ffn_activation");
  write_contents(contents, temp.file("no-key.gguf"));

  ::testing::internal::CaptureStderr();
  const Model warned = Model::load(temp.file("no-key.gguf"));
  const std::string warning = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(warned.config().activation, FfnActivation::kSilu);
  EXPECT_NE(warning.find("no-key.gguf"), std::string::npos) << warning;
  EXPECT_NE(warning.find("2B4T"), std::string::npos) << warning;
  EXPECT_NE(warning.find("relu2"), std::string::npos) << warning;

  ::testing::internal::CaptureStderr();
  const Model overridden =
      Model::load(temp.file("no-key.gguf"), {.ffn_activation = FfnActivation::kRelu2});
  const Model keyed = Model::load(temp.file("with-key.gguf"));
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(overridden.config().activation, FfnActivation::kRelu2);
  EXPECT_EQ(keyed.config().activation, FfnActivation::kRelu2);
}

// A file of another shape and no key: SiLU, silently.
TEST(GgufActivation, OtherShapesDoNotWarn) {
  TempFolder temp;
  save_gguf(synthetic_model(Shapes{}), temp.file("with-key.gguf"));
  Contents contents = read_contents(temp.file("with-key.gguf"));
  contents.erase_key("bitnet.ffn_activation");
  write_contents(contents, temp.file("no-key.gguf"));
  ::testing::internal::CaptureStderr();
  const Model model = Model::load(temp.file("no-key.gguf"));
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(model.config().activation, FfnActivation::kSilu);
}

// ---- float projections --------------------------------------------------------------------------

// llama.cpp's converter writes BitNet projections as f32/f16 scale * {-1, 0, 1}: those keep their
// scale (per row when rows differ); any other float matrix is ternarized by absmean.
TEST(GgufFloatProjections, TernaryValuesKeepTheirScales) {
  TempFolder temp;
  save_gguf(Model::load(kFixtures + "/online"), temp.file("f32.gguf"), TernaryFormat::kTQ2_0);
  Contents contents = read_contents(temp.file("f32.gguf"));
  const Model reference = Model::load(temp.file("f32.gguf"));

  // Per-row scales: row r of q times (r + 1).
  RawTensor& q = contents.tensor("blk.0.attn_q.weight");
  ASSERT_EQ(q.type, GgmlType::kF32);
  auto* values = reinterpret_cast<float*>(q.bytes.data());
  for (int64_t row = 0; row < 128; ++row) {
    for (int64_t col = 0; col < 128; ++col) values[row * 128 + col] *= static_cast<float>(row + 1);
  }
  // A raw float matrix: k plus a small perturbation everywhere.
  RawTensor& k = contents.tensor("blk.0.attn_k.weight");
  auto* k_values = reinterpret_cast<float*>(k.bytes.data());
  std::vector<float> raw(k_values, k_values + 64 * 128);
  for (size_t index = 0; index < raw.size(); ++index) {
    raw[index] += 1e-3f * static_cast<float>(index % 7);
    k_values[index] = raw[index];
  }
  write_contents(contents, temp.file("edited.gguf"));
  const Model model = Model::load(temp.file("edited.gguf"));

  const TernaryTensor& loaded_q = model.weights().layers[0].q;
  const TernaryTensor& reference_q = reference.weights().layers[0].q;
  EXPECT_TRUE(equal(loaded_q.trits(), reference_q.trits()));
  for (int64_t row = 0; row < 128; ++row) {
    ASSERT_EQ(loaded_q.row_scale(row), reference_q.row_scale(0) * static_cast<float>(row + 1));
  }
  const TernaryTensor absmean =
      TernaryTensor::quantize(Tensor::from_vector(raw, {64, 128}), ScaleGranularity::kPerTensor);
  EXPECT_TRUE(equal(model.weights().layers[0].k.trits(), absmean.trits()));
  EXPECT_EQ(model.weights().layers[0].k.row_scale(0), absmean.row_scale(0));
}

}  // namespace
}  // namespace bitnet
