// GGUF reader: every bad input of the GGUF CVE history (docs/TESTING.md, "Model files") is a named
// test whose error must name the file, the field and the value; and the good paths: zero-copy
// views, misaligned data, Q8_0, ternary repacking, accessors.
#include <dirent.h>

#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "bitnet/io.h"
#include "support/model_file_builder.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using testing::ByteBuilder;
using testing::expect_error_naming;
using testing::RawGguf;
using testing::RawTensorInfo;

constexpr const char* kName = "bad.gguf";

GgufFile load(const std::vector<uint8_t>& bytes) {
  return GgufFile::from_bytes(bytes, kName);
}

// One f32 tensor "w" [2, 3] (ne = [3, 2]) and two metadata entries.
RawGguf valid_file() {
  RawGguf file;
  file.entries.push_back(RawGguf::entry_string("general.architecture", "bitnet"));
  file.entries.push_back(RawGguf::entry_u32("bitnet.block_count", 2));
  file.tensors.push_back({"w", {3, 2}, 0, 0});
  file.data = testing::f32_ramp(6);
  return file;
}

void expect_bad(const std::vector<uint8_t>& bytes, std::initializer_list<std::string> fragments) {
  std::vector<std::string> all(fragments);
  all.insert(all.begin(), kName);
  try {
    (void)load(bytes);
    ADD_FAILURE() << "expected an error naming " << all.back();
  } catch (const Error& error) {
    for (const std::string& fragment : all) {
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos)
          << "missing \"" << fragment << "\" in: " << error.what();
    }
  }
}

TEST(GgufReaderTest, ValidFileReadsBack) {
  RawGguf raw = valid_file();
  const GgufFile file = load(raw.build());
  EXPECT_EQ(file.version(), 3u);
  EXPECT_EQ(file.alignment(), 32u);
  EXPECT_EQ(file.get_string("general.architecture"), "bitnet");
  EXPECT_EQ(file.get<uint32_t>("bitnet.block_count"), 2u);
  ASSERT_EQ(file.tensors().size(), 1u);
  const GgufTensorInfo& info = file.tensors()[0];
  EXPECT_EQ(info.dims, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(info.shape, (Shape{2, 3}));
  EXPECT_EQ(info.bytes, 24u);
  EXPECT_EQ(info.file_offset, raw.data_start);
  EXPECT_EQ(file.tensor("w").to_vector<float>(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
}

// copy_tensor copies a plain tensor out of a mapped file, a piece at a time; release_pages hands a
// tensor's pages back, after which its views still read the file's values.
TEST(GgufReaderTest, CopiedAndReleasedTensorsKeepTheirValues) {
  const testing::TemporaryFolder folder;
  GgufWriter writer;
  const Tensor big = Tensor::normal({1024, 1024}, 7);  // 4 MiB: several pages
  writer.add_tensor("big", big);
  writer.add_tensor("half", cast(big.slice(0, 0, 3), DType::kF16));
  writer.write(folder.file("m.gguf"));
  const GgufFile file = GgufFile::open(folder.file("m.gguf"));
  const Tensor view = file.tensor("big");
  const Tensor copy = file.copy_tensor("big");
  EXPECT_NE(copy.data(), view.data());
  EXPECT_EQ(copy.to_vector<float>(), big.to_vector<float>());
  file.release_pages("big");
  EXPECT_EQ(view.to_vector<float>(), big.to_vector<float>());
  const Tensor half = file.copy_tensor("half");
  EXPECT_EQ(half.dtype(), DType::kF16);
  EXPECT_EQ(cast(half, DType::kF32).to_vector<float>(),
            cast(cast(big.slice(0, 0, 3), DType::kF16), DType::kF32).to_vector<float>());
  // In-memory images have nothing to release; Q8_0 and ternary tensors are no plain copies.
  const GgufFile image = GgufFile::from_bytes(writer.to_bytes(), "image.gguf");
  image.release_pages("big");
  EXPECT_EQ(image.copy_tensor("big").to_vector<float>(), big.to_vector<float>());
  GgufWriter quantized;
  quantized.add_tensor("q", big.slice(0, 0, 2), GgmlType::kQ8_0);
  expect_error_naming(
      [&] { (void)GgufFile::from_bytes(quantized.to_bytes(), "q.gguf").copy_tensor("q"); },
      {"q.gguf", "'q'", "not a plain tensor"});
}

// ---- empty and truncated files ------------------------------------------------------------------
TEST(GgufReaderTest, EmptyFile) {
  testing::TemporaryDirectory directory;
  const std::string path = directory.write("empty.gguf", {});
  expect_error_naming([&] { (void)GgufFile::open(path); }, {path, "empty"});
  expect_bad({}, {"empty"});
}

TEST(GgufReaderTest, TruncatedInHeader) {
  std::vector<uint8_t> bytes = valid_file().build();
  bytes.resize(12);
  expect_bad(bytes, {"12 bytes", "header", "truncated"});
}

TEST(GgufReaderTest, TruncatedInMetadata) {
  RawGguf raw = valid_file();
  raw.entries[0] = RawGguf::entry_string("general.architecture", std::string(200, 'a'));
  std::vector<uint8_t> bytes = raw.build();
  // Inside the first entry's string value: the count check passes, the string does not fit.
  bytes.resize(raw.metadata_start + 8 + 20 + 4 + 8 + 100);
  expect_bad(bytes, {"metadata entry 0 'general.architecture'", "string", "truncated"});
}

TEST(GgufReaderTest, TruncatedInTensorTable) {
  RawGguf raw = valid_file();
  std::vector<uint8_t> bytes = raw.build();
  bytes.resize(raw.tensor_table_start + 8 + 1 + 4 + 8);  // name, n_dims, first dimension
  expect_bad(bytes, {"tensor 0 'w'", "dimension", "truncated"});
}

TEST(GgufReaderTest, TruncatedInData) {
  RawGguf raw = valid_file();
  std::vector<uint8_t> bytes = raw.build();
  bytes.resize(bytes.size() - 5);
  expect_bad(bytes, {"tensor 0 'w'", "runs past the end of the file", "truncated data"});
}

TEST(GgufReaderTest, TruncatedBeforeDataSection) {
  RawGguf raw = valid_file();
  std::vector<uint8_t> bytes = raw.build();
  bytes.resize(raw.data_start - 2);  // inside the padding after the tensor table
  expect_bad(bytes, {"data section starts at", "past the end of the file"});
}

// ---- header -------------------------------------------------------------------------------------
TEST(GgufReaderTest, WrongMagic) {
  RawGguf raw = valid_file();
  raw.magic = "GGML";
  expect_bad(raw.build(), {"header", "wrong magic 'GGML'", "expected 'GGUF'"});
}

TEST(GgufReaderTest, UnsupportedVersion) {
  for (const uint32_t version : {0u, 1u, 4u, 77u}) {
    RawGguf raw = valid_file();
    raw.version = version;
    expect_bad(raw.build(), {"header", fmt::format("version {} is not supported", version)});
  }
}

TEST(GgufReaderTest, BigEndianVersionIsNamed) {
  RawGguf raw = valid_file();
  raw.version = 0x03000000;
  expect_bad(raw.build(), {"0x03000000", "big-endian"});
}

TEST(GgufReaderTest, Version2Reads) {
  RawGguf raw = valid_file();
  raw.version = 2;
  EXPECT_EQ(load(raw.build()).version(), 2u);
}

TEST(GgufReaderTest, TensorCountLargerThanFileCouldHold) {
  RawGguf raw = valid_file();
  raw.tensor_count = int64_t{1} << 40;
  expect_bad(raw.build(), {"tensor count is 1099511627776", "more than the", "could hold"});
}

TEST(GgufReaderTest, MetadataCountLargerThanFileCouldHold) {
  RawGguf raw = valid_file();
  raw.entry_count = std::numeric_limits<int64_t>::max();
  expect_bad(raw.build(), {"metadata count is 9223372036854775807", "could hold"});
}

TEST(GgufReaderTest, CountsTogetherLargerThanFileCouldHold) {
  RawGguf raw = valid_file();
  // Each count fits alone; both tables together cannot.
  const uint64_t left = raw.build().size() - 24;
  raw.entry_count = static_cast<int64_t>(left / 14);
  raw.tensor_count = static_cast<int64_t>(left / 25);
  expect_bad(raw.build(), {"metadata entries", "tensors", "cannot fit"});
}

// ---- metadata -----------------------------------------------------------------------------------
TEST(GgufReaderTest, KeyLengthPastEndOfFile) {
  RawGguf raw = valid_file();
  raw.entries[0] = ByteBuilder().u64(60000).raw("general").bytes;
  expect_bad(raw.build(), {"metadata entry 0", "key needs 60000 bytes", "truncated"});
}

TEST(GgufReaderTest, KeyLengthOverLimit) {
  RawGguf raw = valid_file();
  raw.entries[0] = ByteBuilder().u64(70000).raw("general").bytes;
  expect_bad(raw.build(), {"metadata entry 0", "key is 70000 bytes long", "limit of 65535"});
}

TEST(GgufReaderTest, StringLengthPastEndOfFile) {
  RawGguf raw = valid_file();
  raw.entries[0] = ByteBuilder().str("general.name").u32(testing::kGgufString).u64(~0ull).bytes;
  expect_bad(raw.build(),
             {"metadata entry 0 'general.name'", "string needs 18446744073709551615 bytes"});
}

TEST(GgufReaderTest, ArrayLengthPastEndOfFile) {
  RawGguf raw = valid_file();
  raw.entries[0] = ByteBuilder()
                       .str("tokenizer.ggml.scores")
                       .u32(testing::kGgufArray)
                       .u32(testing::kGgufF32)
                       .u64(1ull << 40)
                       .bytes;
  expect_bad(raw.build(),
             {"'tokenizer.ggml.scores'", "array length is 1099511627776", "could hold"});
}

TEST(GgufReaderTest, StringArrayLengthPastEndOfFile) {
  RawGguf raw = valid_file();
  raw.entries[0] = ByteBuilder()
                       .str("tokenizer.ggml.tokens")
                       .u32(testing::kGgufArray)
                       .u32(testing::kGgufString)
                       .u64(1ull << 60)
                       .bytes;
  expect_bad(raw.build(),
             {"'tokenizer.ggml.tokens'", "array length is 1152921504606846976", "8 bytes each"});
}

TEST(GgufReaderTest, StringInArrayPastEndOfFile) {
  RawGguf raw = valid_file();
  raw.entries[0] = ByteBuilder()
                       .str("tokenizer.ggml.tokens")
                       .u32(testing::kGgufArray)
                       .u32(testing::kGgufString)
                       .u64(1)
                       .u64(1000)
                       .bytes;
  expect_bad(raw.build(), {"'tokenizer.ggml.tokens'", "array string needs 1000 bytes"});
}

TEST(GgufReaderTest, UnknownValueType) {
  RawGguf raw = valid_file();
  raw.entries[0] = ByteBuilder().str("general.name").u32(13).u32(0).bytes;
  expect_bad(raw.build(), {"'general.name'", "value type is 13", "not a GGUF value type"});
}

TEST(GgufReaderTest, UnknownArrayElementType) {
  RawGguf raw = valid_file();
  raw.entries[0] = ByteBuilder().str("general.tags").u32(testing::kGgufArray).u32(99).u64(0).bytes;
  expect_bad(raw.build(), {"'general.tags'", "array element type is 99"});
}

TEST(GgufReaderTest, NestedArraysRead) {
  RawGguf raw = valid_file();
  // [[1, 2], ["a"]]: each element of an array of arrays is an array value (type, length, data).
  raw.entries.push_back(ByteBuilder()
                            .str("test.nested")
                            .u32(testing::kGgufArray)
                            .u32(testing::kGgufArray)
                            .u64(2)
                            .u32(testing::kGgufI32)
                            .u64(2)
                            .value<int32_t>(1)
                            .value<int32_t>(2)
                            .u32(testing::kGgufString)
                            .u64(1)
                            .str("a")
                            .bytes);
  const GgufFile file = load(raw.build());
  const GgufValue& nested = file.at("test.nested");
  ASSERT_EQ(nested.size(), 2u);
  EXPECT_EQ(nested.as_arrays()[0].as_array<int32_t>(), (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(nested.as_arrays()[1].as_strings(), (std::vector<std::string>{"a"}));
  EXPECT_EQ(nested.to_string(), "[[1, 2], [\"a\"]]");
}

// Regression (gguf_fuzzer's first finding): an empty array has no buffer, and copying zero bytes
// into it passed a null pointer to memcpy (undefined behaviour that UBSan reports).
TEST(GgufReaderTest, EmptyArraysOfEveryTypeRead) {
  RawGguf raw = valid_file();
  for (uint32_t type = 0; type <= testing::kGgufF64; ++type) {
    raw.entries.push_back(ByteBuilder()
                              .str(fmt::format("test.empty{}", type))
                              .u32(testing::kGgufArray)
                              .u32(type)
                              .u64(0)
                              .bytes);
  }
  const GgufFile file = load(raw.build());
  for (uint32_t type = 0; type <= testing::kGgufF64; ++type) {
    const GgufValue& value = file.at(fmt::format("test.empty{}", type));
    EXPECT_EQ(value.size(), 0u);
    EXPECT_EQ(static_cast<uint32_t>(value.element_type()), type);
  }
}

TEST(GgufReaderTest, ArraysNestTooDeep) {
  RawGguf raw = valid_file();
  ByteBuilder entry;
  entry.str("test.deep").u32(testing::kGgufArray);
  for (int level = 0; level < 20; ++level) entry.u32(testing::kGgufArray).u64(1);
  entry.u32(testing::kGgufU8).u64(0);
  raw.entries[0] = entry.bytes;
  expect_bad(raw.build(), {"'test.deep'", "nest deeper than the limit of 8"});
}

TEST(GgufReaderTest, BoolValueNotZeroOrOne) {
  RawGguf raw = valid_file();
  raw.entries[0] = ByteBuilder().str("test.flag").u32(testing::kGgufBool).u8(2).bytes;
  expect_bad(raw.build(), {"'test.flag'", "bool value is 2"});
  raw.entries[0] = ByteBuilder()
                       .str("test.flags")
                       .u32(testing::kGgufArray)
                       .u32(testing::kGgufBool)
                       .u64(3)
                       .u8(0)
                       .u8(1)
                       .u8(7)
                       .bytes;
  expect_bad(raw.build(), {"'test.flags'", "bool array element 2 is 7"});
}

TEST(GgufReaderTest, DuplicateKey) {
  RawGguf raw = valid_file();
  raw.entries.push_back(RawGguf::entry_string("general.architecture", "llama"));
  expect_bad(raw.build(), {"metadata entry 2 'general.architecture'", "duplicate key", "entry 0"});
}

TEST(GgufReaderTest, EmptyKey) {
  RawGguf raw = valid_file();
  raw.entries[1] = RawGguf::entry_u32("", 5);
  expect_bad(raw.build(), {"metadata entry 1", "key is empty"});
}

TEST(GgufReaderTest, NonAsciiKey) {
  RawGguf raw = valid_file();
  raw.entries[1] = RawGguf::entry_u32("general.n\xc3\xa4me", 5);
  expect_bad(raw.build(), {"metadata entry 1", "byte 0xc3 at position 9", "printable ASCII"});
}

// ---- alignment ----------------------------------------------------------------------------------
TEST(GgufReaderTest, AlignmentZero) {
  RawGguf raw = valid_file();
  raw.entries.push_back(RawGguf::entry_u32("general.alignment", 0));
  expect_bad(raw.build(), {"general.alignment", "alignment is 0", "power of two"});
}

TEST(GgufReaderTest, AlignmentNotPowerOfTwo) {
  RawGguf raw = valid_file();
  raw.entries.push_back(RawGguf::entry_u32("general.alignment", 48));
  expect_bad(raw.build(), {"general.alignment", "alignment is 48", "power of two"});
}

TEST(GgufReaderTest, AlignmentAbsurd) {
  RawGguf raw = valid_file();
  raw.entries.push_back(RawGguf::entry_u32("general.alignment", 1u << 31));
  expect_bad(raw.build(), {"general.alignment", "alignment is 2147483648", "1048576"});
}

TEST(GgufReaderTest, AlignmentNotU32) {
  RawGguf raw = valid_file();
  raw.entries.push_back(
      ByteBuilder().str("general.alignment").u32(testing::kGgufU64).u64(32).bytes);
  expect_bad(raw.build(), {"general.alignment", "is u64, not u32"});
}

TEST(GgufReaderTest, CustomAlignmentPlacesData) {
  RawGguf raw = valid_file();
  raw.alignment = 256;
  raw.entries.push_back(RawGguf::entry_u32("general.alignment", 256));
  const std::vector<uint8_t> bytes = raw.build();
  const GgufFile file = load(bytes);
  EXPECT_EQ(file.alignment(), 256u);
  EXPECT_EQ(file.data_offset(), 256u);
  EXPECT_EQ(file.tensor("w").to_vector<float>()[5], 5.0f);
}

// ---- tensor table -------------------------------------------------------------------------------
TEST(GgufReaderTest, UnknownTensorType) {
  RawGguf raw = valid_file();
  raw.tensors[0].type = 77;
  expect_bad(raw.build(), {"tensor 0 'w'", "type 77 is not a known GGML type"});
}

TEST(GgufReaderTest, RemovedTensorType) {
  RawGguf raw = valid_file();
  raw.tensors[0].type = 31;
  expect_bad(raw.build(), {"tensor 0 'w'", "type 31 (q4_0_4_4)", "removed"});
}

TEST(GgufReaderTest, MoreThanFourDimensions) {
  RawGguf raw = valid_file();
  raw.tensors[0].dims = {3, 2, 1, 1, 1};
  expect_bad(raw.build(), {"tensor 0 'w'", "n_dims is 5", "limit of 4"});
}

TEST(GgufReaderTest, NegativeDimension) {
  RawGguf raw = valid_file();
  raw.tensors[0].dims = {3, static_cast<uint64_t>(-5)};
  expect_bad(raw.build(), {"tensor 0 'w'", "dimension 1 is -5"});
}

TEST(GgufReaderTest, ElementCountOverflows) {
  RawGguf raw = valid_file();
  raw.tensors[0].dims = {1ull << 32, 1ull << 32};
  expect_bad(raw.build(), {"tensor 0 'w'", "dimensions [4294967296, 4294967296]", "overflow"});
}

TEST(GgufReaderTest, ElementCountOverflowsEvenWithAZeroDimension) {
  // Zero elements, but a view's strides would multiply the other dimensions.
  RawGguf raw = valid_file();
  raw.tensors[0].dims = {0, 1ull << 40, 1ull << 40};
  expect_bad(raw.build(), {"tensor 0 'w'", "overflow"});
}

TEST(GgufReaderTest, ByteSizeOverflows) {
  RawGguf raw = valid_file();
  raw.tensors[0].type = 28;  // f64: 2^62 elements are 2^65 bytes
  raw.tensors[0].dims = {1ull << 31, 1ull << 31};
  expect_bad(raw.build(), {"tensor 0 'w'", "4611686018427387904 elements of f64", "overflow"});
}

TEST(GgufReaderTest, RowNotMultipleOfBlockSize) {
  RawGguf raw = valid_file();
  raw.tensors[0].type = 35;  // tq2_0, 256 per block
  raw.tensors[0].dims = {100, 2};
  expect_bad(raw.build(), {"tensor 0 'w'", "ne[0] is 100", "tq2_0 block size 256"});
}

TEST(GgufReaderTest, DuplicateTensorName) {
  RawGguf raw = valid_file();
  raw.tensors.push_back({"w", {3, 2}, 0, 32});
  raw.data.resize(64 + 24);
  expect_bad(raw.build(), {"tensor 1 'w'", "duplicate tensor name", "tensor 0"});
}

TEST(GgufReaderTest, EmptyTensorName) {
  RawGguf raw = valid_file();
  raw.tensors[0].name = "";
  expect_bad(raw.build(), {"tensor 0", "name is empty"});
}

TEST(GgufReaderTest, TensorNameTooLong) {
  RawGguf raw = valid_file();
  raw.tensors[0].name = std::string(64, 'x');
  expect_bad(raw.build(), {"tensor 0", "name is 64 bytes long", "limit of 63"});
}

// ---- data offsets -------------------------------------------------------------------------------
TEST(GgufReaderTest, DataOffsetPastEnd) {
  RawGguf raw = valid_file();
  raw.tensors[0].offset = 1ull << 40;
  expect_bad(raw.build(),
             {"tensor 0 'w'", "data at offset 1099511627776", "runs past the end of the file"});
  // The only tensor at offset 0 but larger than the file holds.
  raw = valid_file();
  raw.tensors[0].dims = {3, 2000};
  expect_bad(raw.build(), {"tensor 0 'w'", "24000 bytes", "runs past the end of the file"});
}

TEST(GgufReaderTest, DataOffsetNearUint64MaxDoesNotWrap) {
  RawGguf raw = valid_file();
  raw.tensors[0].offset = ~uint64_t{31};  // aligned, and offset + data start wraps around
  expect_bad(raw.build(), {"tensor 0 'w'", "18446744073709551584"});
}

TEST(GgufReaderTest, MisalignedOffset) {
  RawGguf raw = valid_file();
  raw.tensors[0].offset = 4;
  expect_bad(raw.build(), {"tensor 0 'w'", "data offset 4", "not a multiple of the alignment 32"});
}

TEST(GgufReaderTest, NonContiguousOffsets) {
  RawGguf raw = valid_file();
  raw.tensors.push_back({"v", {3, 2}, 0, 64});  // 'w' ends at 24, padded 32: 64 leaves a gap
  raw.data.resize(64 + 24);
  expect_bad(raw.build(),
             {"tensor 1 'v'", "data offset 64 leaves a gap", "expected 32", "where 'w' ends"});
}

TEST(GgufReaderTest, OverlappingOffsets) {
  RawGguf raw = valid_file();
  raw.tensors[0].dims = {16, 2};  // 128 bytes
  raw.tensors.push_back({"v", {3, 2}, 0, 64});
  raw.data.resize(128 + 32);
  expect_bad(raw.build(), {"tensor 1 'v'", "data offset 64 overlaps tensor 'w'", "runs to 128"});
}

TEST(GgufReaderTest, OffsetsMayListTensorsOutOfOrder) {
  RawGguf raw = valid_file();
  raw.tensors[0].offset = 32;
  raw.tensors.push_back({"v", {3, 2}, 0, 0});
  raw.data = testing::f32_ramp(14);
  const GgufFile file = load(raw.build());
  EXPECT_EQ(file.tensor("v").to_vector<float>()[0], 0.0f);
  EXPECT_EQ(file.tensor("w").to_vector<float>()[0], 8.0f);
}

TEST(GgufReaderTest, ZeroSizedTensorsShareOffsets) {
  RawGguf raw = valid_file();
  raw.tensors.insert(raw.tensors.begin(), RawTensorInfo{"empty", {0, 5}, 0, 0});
  raw.tensors.push_back({"empty2", {3, 0}, 0, 32});
  raw.data.resize(32);  // padded after the last tensor, as ggml writes
  const GgufFile file = load(raw.build());
  EXPECT_EQ(file.tensor("empty").shape(), (Shape{5, 0}));
  EXPECT_EQ(file.tensor("empty2").numel(), 0);
}

// ---- tensor access ------------------------------------------------------------------------------
TEST(GgufReaderTest, PlainTensorsAreZeroCopyViewsThatOutliveTheFile) {
  RawGguf raw = valid_file();
  Tensor view;
  {
    const GgufFile file = load(raw.build());
    view = file.tensor("w");
    const std::span<const uint8_t> bytes = file.tensor_bytes("w");
    EXPECT_EQ(view.data(), static_cast<const void*>(bytes.data()));
  }
  EXPECT_EQ(view.to_vector<float>(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
}

TEST(GgufReaderTest, MappedFileSurvivesRemovalOfItsPath) {
  testing::TemporaryDirectory directory;
  RawGguf raw = valid_file();
  const std::string path = directory.write("model.gguf", raw.build());
  const GgufFile file = GgufFile::open(path);
  std::filesystem::remove(path);
  EXPECT_EQ(file.tensor("w").to_vector<float>()[4], 4.0f);
}

TEST(GgufReaderTest, WritingToAViewNeverChangesTheFile) {
  testing::TemporaryDirectory directory;
  const std::vector<uint8_t> bytes = valid_file().build();
  const std::string path = directory.write("model.gguf", bytes);
  {
    const GgufFile file = GgufFile::open(path);
    const Tensor view = file.tensor("w");
    view.data_as<float>()[0] = 99.0f;  // copy-on-write page
    EXPECT_EQ(file.tensor("w").to_vector<float>()[0], 99.0f);
  }
  EXPECT_EQ(GgufFile::open(path).tensor("w").to_vector<float>()[0], 0.0f);
}

TEST(GgufReaderTest, MisalignedDataIsCopied) {
  RawGguf raw = valid_file();
  raw.alignment = 1;
  raw.entries.push_back(RawGguf::entry_u32("general.alignment", 1));
  std::vector<uint8_t> bytes = raw.build();
  // Make the data start at an odd address inside the image.
  const GgufFile file = load(bytes);
  const GgufTensorInfo& info = file.tensor_info("w");
  ASSERT_NE(info.file_offset % 4, 0u) << "fixture should leave the data misaligned";
  const Tensor tensor = file.tensor("w");
  EXPECT_NE(tensor.data(), static_cast<const void*>(file.tensor_bytes("w").data()));
  EXPECT_EQ(tensor.to_vector<float>(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
}

TEST(GgufReaderTest, Q8_0IsDequantized) {
  RawGguf raw = valid_file();
  ByteBuilder block;
  block.value<uint16_t>(0x3800);  // f16 0.5
  for (int index = 0; index < 32; ++index) block.value<int8_t>(static_cast<int8_t>(index - 16));
  raw.tensors[0] = {"q", {32, 1}, 8, 0};
  raw.data = block.bytes;
  const GgufFile file = load(raw.build());
  const std::vector<float> values = file.tensor("q").to_vector<float>();
  ASSERT_EQ(values.size(), 32u);
  for (int index = 0; index < 32; ++index) EXPECT_EQ(values[index], 0.5f * (index - 16));
}

// One Q4_K block written by hand: eight sub-blocks of 32 with 6-bit scales and mins (sub-blocks
// 4-7 split across the packed bytes), d = 0.5, dmin = 0.25.
TEST(GgufReaderTest, Q4_KIsDequantized) {
  const int scales[8] = {1, 2, 3, 4, 37, 6, 7, 56};
  const int mins[8] = {0, 1, 2, 3, 19, 2, 0, 48};
  ByteBuilder block;
  block.value<uint16_t>(0x3800);  // d = 0.5
  block.value<uint16_t>(0x3400);  // dmin = 0.25
  for (const int byte : {0x81, 0x02, 0x03, 0xC4, 0x40, 0x01, 0x02, 0xC3, 0x35, 0x26, 0x07, 0x08}) {
    block.value<uint8_t>(static_cast<uint8_t>(byte));
  }
  for (int index = 0; index < 128; ++index) {
    const int low = index % 16;
    block.value<uint8_t>(static_cast<uint8_t>(low | ((15 - low) << 4)));
  }
  RawGguf raw = valid_file();
  raw.tensors[0] = {"q", {256, 1}, 12, 0};
  raw.data = block.bytes;
  const GgufFile file = load(raw.build());
  const std::vector<float> values = file.tensor("q").to_vector<float>();
  ASSERT_EQ(values.size(), 256u);
  for (int weight = 0; weight < 256; ++weight) {
    const int sub_block = weight / 32;
    const int low = weight % 16;
    const int code = sub_block % 2 == 0 ? low : 15 - low;
    const float expected = 0.5f * static_cast<float>(scales[sub_block]) * static_cast<float>(code) -
                           0.25f * static_cast<float>(mins[sub_block]);
    EXPECT_EQ(values[weight], expected) << "weight " << weight;
  }
}

// One Q6_K block written by hand: 6-bit codes (w * 7 + 3) % 64 split into low nibbles and high
// bit pairs, sixteen signed scales g - 8, d = 0.5.
TEST(GgufReaderTest, Q6_KIsDequantized) {
  std::vector<uint8_t> low(128, 0);
  std::vector<uint8_t> high(64, 0);
  for (int weight = 0; weight < 256; ++weight) {
    const int code = (weight * 7 + 3) % 64;
    const int half = weight / 128;
    const int quadrant = (weight % 128) / 32;
    const int lane = weight % 32;
    const int low_index = 64 * half + lane + (quadrant % 2 == 1 ? 32 : 0);
    low[low_index] |= static_cast<uint8_t>((code & 0x0F) << (quadrant >= 2 ? 4 : 0));
    high[32 * half + lane] |= static_cast<uint8_t>((code >> 4) << (2 * quadrant));
  }
  ByteBuilder block;
  for (const uint8_t byte : low) block.value<uint8_t>(byte);
  for (const uint8_t byte : high) block.value<uint8_t>(byte);
  for (int group = 0; group < 16; ++group) block.value<int8_t>(static_cast<int8_t>(group - 8));
  block.value<uint16_t>(0x3800);  // d = 0.5
  RawGguf raw = valid_file();
  raw.tensors[0] = {"q", {256, 1}, 14, 0};
  raw.data = block.bytes;
  const GgufFile file = load(raw.build());
  const std::vector<float> values = file.tensor("q").to_vector<float>();
  ASSERT_EQ(values.size(), 256u);
  for (int weight = 0; weight < 256; ++weight) {
    const int code = (weight * 7 + 3) % 64;
    const float expected =
        0.5f * static_cast<float>(weight / 16 - 8) * static_cast<float>(code - 32);
    EXPECT_EQ(values[weight], expected) << "weight " << weight;
  }
}

TEST(GgufReaderTest, KnownButUnreadableTypeIsListedAndRefused) {
  RawGguf raw = valid_file();
  raw.tensors[0] = {"k", {256, 1}, 13, 0};  // q5_K: 176 bytes per 256
  raw.data.assign(176, 0);
  const GgufFile file = load(raw.build());
  EXPECT_EQ(file.tensor_info("k").type, GgmlType::kQ5_K);
  EXPECT_EQ(file.tensor_bytes("k").size(), 176u);
  expect_error_naming([&] { (void)file.tensor("k"); },
                      {kName, "tensor 'k'", "type q5_K", "cannot read"});
  expect_error_naming([&] { (void)file.ternary("k"); }, {kName, "'k'", "q5_K", "not a ternary"});
}

TEST(GgufReaderTest, TernaryTypesNeedTernary) {
  const TernaryTensor weights =
      TernaryTensor::quantize(Tensor::normal({4, 256}, 3), ScaleGranularity::kPerRow);
  GgufWriter writer;
  writer.add_ternary("t", weights, GgmlType::kTQ2_0);
  const GgufFile file = GgufFile::from_bytes(writer.to_bytes(), kName);
  expect_error_naming([&] { (void)file.tensor("t"); }, {kName, "'t'", "tq2_0", "ternary()"});
}

TEST(GgufReaderTest, TernaryRepackReportsTimeAndMemory) {
  const TernaryTensor weights = TernaryTensor::quantize(Tensor::normal({8, 512}, 5));
  GgufWriter writer;
  writer.add_ternary("t", weights, GgmlType::kI2_S);
  const GgufFile file = GgufFile::from_bytes(writer.to_bytes());
  RepackReport report;
  const TernaryTensor loaded = file.ternary("t", TernaryFormat::kT1, &report);
  EXPECT_EQ(loaded.format(), TernaryFormat::kT1);
  EXPECT_EQ(report.source_format, "i2_s");
  EXPECT_EQ(report.target_format, "t1");
  EXPECT_EQ(report.source_bytes, 8u * 512 / 4 + 32);
  EXPECT_EQ(report.packed_bytes, static_cast<uint64_t>(loaded.rows() * loaded.bytes_per_row()));
  EXPECT_EQ(report.temporary_bytes, 8u * 512 + 8 * 4);
  EXPECT_GE(report.seconds, 0.0);
  EXPECT_EQ(testing::elements(loaded.trits()), testing::elements(weights.trits()));
}

// Regression (gguf_fuzzer): a ternary tensor with no rows holds 0 bytes whatever its row length,
// so ne[0] = 2^36 passed every size check and the repack sized a buffer by it.
TEST(GgufReaderTest, TernaryTensorWithNoRowsAndHugeRowLength) {
  RawGguf raw = valid_file();
  raw.tensors.push_back({"t", {uint64_t{1} << 36, 0}, 35, 32});
  raw.data.resize(32);
  const GgufFile file = load(raw.build());
  const TernaryTensor weights = file.ternary("t");
  EXPECT_EQ(weights.rows(), 0);
  EXPECT_EQ(weights.cols(), int64_t{1} << 36);
}

TEST(GgufReaderTest, MissingTensorAndKeyAreNamed) {
  const GgufFile file = load(valid_file().build());
  expect_error_naming([&] { (void)file.tensor("nope"); }, {kName, "no tensor named 'nope'"});
  expect_error_naming([&] { (void)file.at("general.nope"); }, {kName, "'general.nope'"});
  EXPECT_EQ(file.find("general.nope"), nullptr);
  EXPECT_EQ(file.find_tensor("nope"), nullptr);
}

TEST(GgufReaderTest, AccessorTypeMismatchNamesFileKeyAndTypes) {
  const GgufFile file = load(valid_file().build());
  expect_error_naming([&] { (void)file.get<uint64_t>("bitnet.block_count"); },
                      {kName, "'bitnet.block_count'", "u32, not u64"});
  expect_error_naming([&] { (void)file.get_string("bitnet.block_count"); },
                      {kName, "u32, not string"});
  expect_error_naming([&] { (void)file.get_array<float>("general.architecture"); },
                      {kName, "string, not array[f32]"});
  EXPECT_EQ(file.get_int("bitnet.block_count"), 2);
  EXPECT_EQ(file.get_or<uint32_t>("missing", 7u), 7u);
}

// ---- nothing left behind ------------------------------------------------------------------------
size_t open_descriptors() {
  size_t count = 0;
  if (DIR* directory = ::opendir("/proc/self/fd")) {
    while (::readdir(directory) != nullptr) ++count;
    ::closedir(directory);
  }
  return count;
}

TEST(GgufReaderTest, FailedOpenLeavesNoDescriptorBehind) {
  testing::TemporaryDirectory directory;
  RawGguf raw = valid_file();
  raw.tensors[0].type = 77;
  const std::string bad = directory.write("bad.gguf", raw.build());
  const std::string truncated = directory.write("short.gguf", {'G', 'G', 'U', 'F'});
  const size_t before = open_descriptors();
  for (int attempt = 0; attempt < 50; ++attempt) {
    EXPECT_THROW((void)GgufFile::open(bad), Error);
    EXPECT_THROW((void)GgufFile::open(truncated), Error);
    EXPECT_THROW((void)GgufFile::open(directory.path()), Error);
    EXPECT_THROW((void)GgufFile::open(directory.file("missing.gguf")), Error);
  }
  EXPECT_EQ(open_descriptors(), before);
}

TEST(GgufReaderTest, OpenNamesMissingFileAndDirectories) {
  testing::TemporaryDirectory directory;
  expect_error_naming([&] { (void)GgufFile::open(directory.file("missing.gguf")); },
                      {"missing.gguf", "cannot open"});
  expect_error_naming([&] { (void)GgufFile::open(directory.path()); },
                      {directory.path(), "not a regular file"});
}

}  // namespace
}  // namespace bitnet
