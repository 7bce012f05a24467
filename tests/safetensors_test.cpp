// safetensors reader and writer: every bad header of docs/TESTING.md is a named test whose error
// names the file, the field and the value; every dtype round-trips bit-exactly; unaligned data is
// copied; BOOL bytes are checked.
#include <cstring>

#include "bitnet/io.h"
#include "support/model_file_builder.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using testing::ByteBuilder;
using testing::expect_error_naming;

constexpr const char* kName = "bad.safetensors";

// A file from a header and data, with the header length as given (or its real length).
std::vector<uint8_t> file_with(const std::string& header, const std::vector<uint8_t>& data,
                               std::optional<uint64_t> declared_length = std::nullopt) {
  return ByteBuilder().u64(declared_length.value_or(header.size())).raw(header).raw(data).bytes;
}

std::vector<uint8_t> one_tensor(const std::string& entry, size_t data_bytes) {
  return file_with("{\"w\":" + entry + "}", std::vector<uint8_t>(data_bytes, 0));
}

// Tensors "a" and "b" from their header entries, then `data_bytes` zero bytes.
std::vector<uint8_t> two_tensors(const std::string& a, const std::string& b, size_t data_bytes) {
  return file_with("{\"a\":" + a + ",\"b\":" + b + "}", std::vector<uint8_t>(data_bytes, 0));
}

void expect_bad(const std::vector<uint8_t>& bytes, std::initializer_list<std::string> fragments) {
  try {
    (void)SafetensorsFile::from_bytes(bytes, kName);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(kName), std::string::npos) << message;
    for (const std::string& fragment : fragments) {
      EXPECT_NE(message.find(fragment), std::string::npos)
          << "missing \"" << fragment << "\" in: " << message;
    }
  }
}

TEST(SafetensorsTest, ReadsAHandWrittenFile) {
  const std::vector<uint8_t> data = testing::f32_ramp(6);
  const SafetensorsFile file = SafetensorsFile::from_bytes(
      file_with(R"({"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],)"
                R"("data_offsets":[0,24]}}  )",
                data),
      kName);
  EXPECT_EQ(file.metadata().at("format"), "pt");
  const SafetensorsTensorInfo& info = file.tensor_info("w");
  EXPECT_EQ(info.dtype, "F32");
  EXPECT_EQ(info.shape, (Shape{2, 3}));
  EXPECT_EQ(file.tensor("w").to_vector<float>(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
}

// ---- sizes --------------------------------------------------------------------------------------
TEST(SafetensorsTest, EmptyFile) {
  testing::TemporaryDirectory directory;
  const std::string path = directory.write("empty.safetensors", {});
  expect_error_naming([&] { (void)SafetensorsFile::open(path); }, {path, "empty"});
  expect_bad({}, {"empty"});
}

TEST(SafetensorsTest, ShorterThanTheLength) {
  expect_bad({1, 2, 3}, {"3 bytes", "8-byte header", "truncated"});
}

TEST(SafetensorsTest, HeaderLengthLargerThanFile) {
  expect_bad(file_with("{}", {}, 1000),
             {"header length 1000", "past the end of the file", "2 bytes after the length"});
}

TEST(SafetensorsTest, HeaderLengthOver100MB) {
  expect_bad(file_with("{}", {}, 100'000'001), {"header length 100000001", "limit of 100000000"});
  expect_bad(file_with("{}", {}, ~uint64_t{0}), {"header length 18446744073709551615"});
}

TEST(SafetensorsTest, HeaderLengthZero) {
  expect_bad(file_with("", {}), {"header length is 0"});
}

TEST(SafetensorsTest, TruncatedData) {
  expect_bad(one_tensor(R"({"dtype":"F32","shape":[4],"data_offsets":[0,16]})", 10),
             {"tensor 'w'", "data_offsets [0, 16]", "past the end of the data (10 bytes"});
}

// ---- JSON ---------------------------------------------------------------------------------------
TEST(SafetensorsTest, MalformedJson) {
  expect_bad(file_with(R"({"w": {"dtype": "F32",)", {}), {"header", "malformed JSON"});
  expect_bad(file_with(std::string("{\"w\":1}\0\0", 9), {}), {"header", "malformed JSON"});
  expect_bad(file_with("{\"a\xff\":1}", {}), {"header", "malformed JSON"});
}

TEST(SafetensorsTest, HeaderNotAnObject) {
  expect_bad(file_with("[1,2]", {}), {"header", "not '{'"});
  expect_bad(file_with("{}{}", {}), {"header", "malformed JSON"});
}

TEST(SafetensorsTest, NestedTooDeep) {
  expect_bad(one_tensor(R"({"dtype":"F32","shape":[[1]],"data_offsets":[0,4]})", 4),
             {"header", "nests deeper than 3"});
}

TEST(SafetensorsTest, DuplicateNames) {
  expect_bad(file_with(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                       R"("w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
                       {0, 0}),
             {"header", "duplicate key 'w'"});
  expect_bad(one_tensor(R"({"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]})", 1),
             {"duplicate key 'dtype'"});
}

TEST(SafetensorsTest, EntryNotAnObject) {
  expect_bad(one_tensor(R"("F32")", 0), {"tensor 'w'", "the string \"F32\", not an object"});
}

TEST(SafetensorsTest, MissingAndUnknownFields) {
  expect_bad(one_tensor(R"({"dtype":"F32","shape":[1]})", 4),
             {"tensor 'w'", "'data_offsets' is missing"});
  expect_bad(one_tensor(R"({"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1})", 4),
             {"tensor 'w'", "unknown field 'x'"});
}

TEST(SafetensorsTest, UnknownDType) {
  expect_bad(one_tensor(R"({"dtype":"F33","shape":[1],"data_offsets":[0,4]})", 4),
             {"tensor 'w'", "dtype 'F33' is not a safetensors dtype"});
  expect_bad(one_tensor(R"({"dtype":4,"shape":[1],"data_offsets":[0,4]})", 4),
             {"tensor 'w'", "dtype is 4, not a string"});
}

TEST(SafetensorsTest, NonIntegerShape) {
  expect_bad(one_tensor(R"({"dtype":"F32","shape":[1.5],"data_offsets":[0,4]})", 4),
             {"tensor 'w'", "shape[0] is 1.5, not a non-negative integer"});
  expect_bad(one_tensor(R"({"dtype":"F32","shape":["2"],"data_offsets":[0,8]})", 8),
             {"tensor 'w'", "shape[0] is the string \"2\""});
  expect_bad(one_tensor(R"({"dtype":"F32","shape":4,"data_offsets":[0,16]})", 16),
             {"tensor 'w'", "shape is 4, not an array"});
}

TEST(SafetensorsTest, NegativeShape) {
  expect_bad(one_tensor(R"({"dtype":"F32","shape":[2,-3],"data_offsets":[0,24]})", 24),
             {"tensor 'w'", "shape[1] is -3"});
}

TEST(SafetensorsTest, ShapeOverflows) {
  expect_bad(
      one_tensor(R"({"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,1]})", 1),
      {"tensor 'w'", "shape [4294967296,4294967296", "overflows"});
  expect_bad(one_tensor(R"({"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,1]})", 1),
             {"tensor 'w'", "4611686018427387904 elements of F64 overflow"});
  expect_bad(one_tensor(R"({"dtype":"U8","shape":[18446744073709551615],"data_offsets":[0,1]})", 1),
             {"tensor 'w'", "overflows int64"});
}

TEST(SafetensorsTest, RankOverLimit) {
  expect_bad(one_tensor(R"({"dtype":"U8","shape":[1,1,1,1,1,1,1,1,1,1,1,1,1],)"
                        R"("data_offsets":[0,1]})",
                        1),
             {"tensor 'w'", "13 dimensions", "limit of 12"});
}

TEST(SafetensorsTest, OffsetsDoNotMatchDTypeAndShape) {
  expect_bad(one_tensor(R"({"dtype":"F32","shape":[3],"data_offsets":[0,10]})", 10),
             {"tensor 'w'", "data_offsets [0, 10] hold 10 bytes", "F32 and shape [3] need 12"});
  expect_bad(one_tensor(R"({"dtype":"F32","shape":[3],"data_offsets":[12,0]})", 12),
             {"tensor 'w'", "end before they begin"});
  expect_bad(one_tensor(R"({"dtype":"F32","shape":[3],"data_offsets":[0]})", 12),
             {"tensor 'w'", "not [begin, end]"});
  expect_bad(one_tensor(R"({"dtype":"F32","shape":[3],"data_offsets":[0,-12]})", 12),
             {"tensor 'w'", "data_offsets[1] is -12"});
  expect_bad(one_tensor(R"({"dtype":"F4","shape":[3],"data_offsets":[0,2]})", 2),
             {"tensor 'w'", "3 elements of F4", "not whole bytes"});
}

TEST(SafetensorsTest, GapBetweenTensors) {
  expect_bad(two_tensors(R"({"dtype":"U8","shape":[2],"data_offsets":[0,2]})",
                         R"({"dtype":"U8","shape":[2],"data_offsets":[4,6]})", 6),
             {"tensor 'b'", "gap of 2 bytes", "contiguous from 2"});
  expect_bad(one_tensor(R"({"dtype":"U8","shape":[2],"data_offsets":[1,3]})", 3),
             {"tensor 'w'", "gap of 1 bytes", "contiguous from 0"});
}

TEST(SafetensorsTest, OverlappingTensors) {
  expect_bad(two_tensors(R"({"dtype":"U8","shape":[4],"data_offsets":[0,4]})",
                         R"({"dtype":"U8","shape":[2],"data_offsets":[2,4]})", 4),
             {"tensor 'b'", "overlap tensor 'a'", "ends at 4"});
}

TEST(SafetensorsTest, TrailingBytes) {
  expect_bad(one_tensor(R"({"dtype":"U8","shape":[2],"data_offsets":[0,2]})", 5),
             {"3 trailing bytes after the last tensor"});
}

TEST(SafetensorsTest, MetadataMustBeStrings) {
  expect_bad(file_with(R"({"__metadata__":{"n":5}})", {}), {"__metadata__ 'n' is 5, not a string"});
  expect_bad(file_with(R"({"__metadata__":[1]})", {}), {"__metadata__ is an array"});
}

TEST(SafetensorsTest, EmptyTensorName) {
  expect_bad(file_with(R"({"":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}})", {}),
             {"tensor name is empty"});
}

TEST(SafetensorsTest, BoolBytesMustBeZeroOrOne) {
  const SafetensorsFile file = SafetensorsFile::from_bytes(
      one_tensor(R"({"dtype":"BOOL","shape":[3],"data_offsets":[0,3]})", 3), kName);
  (void)file;  // data all zero: fine
  std::vector<uint8_t> bytes =
      file_with(R"({"w":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}})", {1, 0, 2});
  const SafetensorsFile bad = SafetensorsFile::from_bytes(bytes, kName);
  expect_error_naming([&] { (void)bad.tensor("w"); }, {kName, "'w'", "element 2 is 2"});
}

// ---- good paths ---------------------------------------------------------------------------------
TEST(SafetensorsTest, EveryDTypeRoundTripsBitExactly) {
  SafetensorsWriter writer;
  writer.set_metadata("format", "pt");
  std::vector<std::pair<std::string, Tensor>> tensors;
  uint64_t seed = 20;
  for (const DType dtype : kAllDTypes) {
    const std::string name = std::string("t.") + std::string(dtype_name(dtype));
    tensors.emplace_back(name, testing::random_tensor({3, 1, 5}, dtype, ++seed));
    writer.add(name, tensors.back().second);
  }
  writer.add("empty", Tensor::zeros({0, 4}));
  writer.add("scalar", Tensor::full({}, 3.0, DType::kBF16));
  const std::vector<uint8_t> bytes = writer.to_bytes();
  const SafetensorsFile file = SafetensorsFile::from_bytes(bytes);
  EXPECT_EQ(file.data_offset() % 8, 0u);
  EXPECT_EQ(file.metadata().at("format"), "pt");
  for (const auto& [name, tensor] : tensors) {
    SCOPED_TRACE(name);
    const Tensor loaded = file.tensor(name);
    EXPECT_EQ(loaded.dtype(), tensor.dtype());
    EXPECT_EQ(loaded.shape(), tensor.shape());
    testing::expect_same_values(testing::elements(loaded), testing::elements(tensor), name);
    // Widest first: every tensor is aligned to its element size, hence a view.
    EXPECT_EQ(loaded.data(), static_cast<const void*>(file.tensor_bytes(name).data()));
  }
  EXPECT_EQ(file.tensor("empty").shape(), (Shape{0, 4}));
  EXPECT_EQ(file.tensor("scalar").item(), 3.0);
}

TEST(SafetensorsTest, UnalignedDataIsCopiedBitExactly) {
  // A 1-byte tensor first, then an f32 tensor at an odd offset.
  std::vector<uint8_t> data = {9};
  const std::vector<uint8_t> floats = testing::f32_ramp(3);
  data.insert(data.end(), floats.begin(), floats.end());
  std::string header = R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                       R"("b":{"dtype":"F32","shape":[3],"data_offsets":[1,13]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  const SafetensorsFile file = SafetensorsFile::from_bytes(file_with(header, data));
  const Tensor b = file.tensor("b");
  EXPECT_NE(b.data(), static_cast<const void*>(file.tensor_bytes("b").data()));
  EXPECT_EQ(b.to_vector<float>(), (std::vector<float>{0, 1, 2}));
  EXPECT_EQ(file.tensor("a").to_vector<uint8_t>(), (std::vector<uint8_t>{9}));
}

TEST(SafetensorsTest, KnownButUnreadableDTypeIsListedAndRefused) {
  const SafetensorsFile file = SafetensorsFile::from_bytes(
      one_tensor(R"({"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]})", 4), kName);
  EXPECT_EQ(file.tensor_info("w").dtype, "F8_E4M3");
  EXPECT_FALSE(file.tensor_info("w").element_type.has_value());
  expect_error_naming([&] { (void)file.tensor("w"); }, {kName, "'w'", "F8_E4M3", "cannot read"});
}

TEST(SafetensorsTest, WriterRefusesBadNames) {
  SafetensorsWriter writer;
  writer.add("a", Tensor::ones({1}));
  expect_error_naming([&] { writer.add("a", Tensor::ones({1})); }, {"duplicate tensor name 'a'"});
  expect_error_naming([&] { writer.add("__metadata__", Tensor::ones({1})); }, {"__metadata__"});
  expect_error_naming([&] { writer.add("", Tensor::ones({1})); }, {"cannot name a tensor"});
  SafetensorsWriter bad_utf8;
  bad_utf8.add("\xff", Tensor::ones({1}));
  expect_error_naming([&] { (void)bad_utf8.to_bytes(); }, {"not UTF-8"});
}

// ---- sharded checkpoints ------------------------------------------------------------------------
TEST(SafetensorsTest, ShardedCheckpointRoundTrips) {
  testing::TemporaryDirectory directory;
  SafetensorsWriter writer;
  std::vector<Tensor> tensors;
  for (int index = 0; index < 5; ++index) {
    tensors.push_back(Tensor::normal({16, 16}, static_cast<uint64_t>(index)));
    writer.add("layer." + std::to_string(index), tensors.back());
  }
  const std::string index_path = writer.write_sharded(directory.path(), 2048);
  EXPECT_EQ(index_path, directory.file("model.safetensors.index.json"));
  for (const std::string& path : {index_path, directory.path()}) {
    const SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint::open(path);
    EXPECT_EQ(checkpoint.shards().size(), 3u);  // 1024 bytes each: two per shard
    EXPECT_EQ(checkpoint.total_size(), 5u * 1024);
    EXPECT_EQ(checkpoint.tensor_names().size(), 5u);
    for (int index = 0; index < 5; ++index) {
      const std::string name = "layer." + std::to_string(index);
      EXPECT_EQ(checkpoint.tensor(name).to_vector<float>(), tensors[index].to_vector<float>());
    }
    EXPECT_NE(checkpoint.shard_of("layer.4").path().find("model-00003-of-00003.safetensors"),
              std::string::npos);
  }
}

TEST(SafetensorsTest, SingleFileCheckpoint) {
  testing::TemporaryDirectory directory;
  SafetensorsWriter writer;
  writer.add("x", Tensor::ones({2}));
  writer.write(directory.file("model.safetensors"));
  const SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint::open(directory.path());
  EXPECT_EQ(checkpoint.shards().size(), 1u);
  EXPECT_EQ(checkpoint.tensor("x").to_vector<float>(), (std::vector<float>{1, 1}));
  expect_error_naming([&] { (void)checkpoint.tensor("y"); }, {"no tensor named 'y'"});
}

class BadIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SafetensorsWriter first;
    first.add("a", Tensor::ones({2}));
    first.write(directory.file("one.safetensors"));
    SafetensorsWriter second;
    second.add("b", Tensor::ones({2}));
    second.add("a", Tensor::ones({2}));
    second.write(directory.file("two.safetensors"));
  }
  std::string index(const std::string& text) {
    return directory.write("model.safetensors.index.json",
                           std::vector<uint8_t>(text.begin(), text.end()));
  }
  testing::TemporaryDirectory directory;
};

TEST_F(BadIndexTest, ShardNameThatIsAPath) {
  const std::string path = index(R"({"weight_map":{"a":"../one.safetensors"}})");
  expect_error_naming([&] { (void)SafetensorsCheckpoint::open(path); },
                      {path, "'a'", "'../one.safetensors'", "not a plain file name"});
}

TEST_F(BadIndexTest, MappedTensorMissingFromShard) {
  const std::string path = index(R"({"weight_map":{"b":"one.safetensors"}})");
  expect_error_naming([&] { (void)SafetensorsCheckpoint::open(path); },
                      {path, "puts 'b' in", "one.safetensors", "does not hold it"});
}

TEST_F(BadIndexTest, ShardTensorTheIndexOmits) {
  const std::string path = index(R"({"weight_map":{"b":"two.safetensors"}})");
  expect_error_naming([&] { (void)SafetensorsCheckpoint::open(path); },
                      {path, "two.safetensors holds 'a'", "omits"});
}

TEST_F(BadIndexTest, TensorInTwoShards) {
  const std::string path = index(R"({"weight_map":{"a":"one.safetensors","b":"two.safetensors"}})");
  expect_error_naming([&] { (void)SafetensorsCheckpoint::open(path); },
                      {path, "'a' is in both", "two.safetensors", "one.safetensors"});
}

TEST_F(BadIndexTest, MalformedIndex) {
  const std::string path = index(R"({"weight_map":{"a":"one.safetensors","a":"x"}})");
  expect_error_naming([&] { (void)SafetensorsCheckpoint::open(path); },
                      {path, "duplicate key 'a'"});
  const std::string no_map = index(R"({"metadata":{}})");
  expect_error_naming([&] { (void)SafetensorsCheckpoint::open(no_map); }, {"weight_map"});
  const std::string bad_size = index(R"({"metadata":{"total_size":-1},"weight_map":{}})");
  expect_error_naming([&] { (void)SafetensorsCheckpoint::open(bad_size); }, {"total_size is -1"});
}

TEST_F(BadIndexTest, MissingShardFile) {
  const std::string path = index(R"({"weight_map":{"a":"gone.safetensors"}})");
  expect_error_naming([&] { (void)SafetensorsCheckpoint::open(path); },
                      {"gone.safetensors", "cannot open"});
}

}  // namespace
}  // namespace bitnet
