// GGUF writer: every metadata value type (arrays of strings, nested and empty arrays included) and
// every tensor type we write round-trip through our reader; the writer refuses what a reader would
// refuse; a failed write leaves no file.
#include <cmath>
#include <filesystem>

#include "bitnet/io.h"
#include "support/model_file_builder.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using testing::expect_error_naming;

GgufWriter writer_with_every_value_type() {
  GgufWriter writer;
  writer.set("test.u8", uint8_t{200});
  writer.set("test.i8", int8_t{-100});
  writer.set("test.u16", uint16_t{60000});
  writer.set("test.i16", int16_t{-30000});
  writer.set("test.u32", uint32_t{4000000000u});
  writer.set("test.i32", int32_t{-2000000000});
  writer.set("test.f32", 1.5f);
  writer.set("test.bool", true);
  writer.set("test.string", std::string("h\xc3\xa9llo \"world\"\n"));
  writer.set("test.u64", uint64_t{18446744073709551615ull});
  writer.set("test.i64", int64_t{-9223372036854775807ll});
  writer.set("test.f64", 2.25);
  writer.set("test.array_u8", GgufValue::array(std::vector<uint8_t>{1, 2, 255}));
  writer.set("test.array_i32", GgufValue::array(std::vector<int32_t>{-1, 0, 7}));
  writer.set("test.array_f32", GgufValue::array(std::vector<float>{0.5f, -0.25f}));
  writer.set("test.array_bool", GgufValue::array(std::vector<bool>{true, false, true}));
  writer.set("test.array_u64", GgufValue::array(std::vector<uint64_t>{1ull << 40}));
  writer.set("test.array_f64", GgufValue::array(std::vector<double>{1e300}));
  writer.set("test.array_string",
             GgufValue::array(std::vector<std::string>{"<s>", "", "\xe2\x96\x81the"}));
  writer.set("test.array_empty", GgufValue::array(std::vector<int16_t>{}));
  writer.set("test.array_nested",
             GgufValue::array_of_arrays(
                 {GgufValue::array(std::vector<int32_t>{1, 2}),
                  GgufValue::array(std::vector<std::string>{"a", "b"}),
                  GgufValue::array_of_arrays({GgufValue::array(std::vector<uint16_t>{9})})}));
  return writer;
}

TEST(GgufWriterTest, EveryValueTypeRoundTrips) {
  const GgufWriter writer = writer_with_every_value_type();
  const GgufFile file = GgufFile::from_bytes(writer.to_bytes(), "values.gguf");
  EXPECT_EQ(file.get<uint8_t>("test.u8"), 200);
  EXPECT_EQ(file.get<int8_t>("test.i8"), -100);
  EXPECT_EQ(file.get<uint16_t>("test.u16"), 60000);
  EXPECT_EQ(file.get<int16_t>("test.i16"), -30000);
  EXPECT_EQ(file.get<uint32_t>("test.u32"), 4000000000u);
  EXPECT_EQ(file.get<int32_t>("test.i32"), -2000000000);
  EXPECT_EQ(file.get<float>("test.f32"), 1.5f);
  EXPECT_EQ(file.get<bool>("test.bool"), true);
  EXPECT_EQ(file.get_string("test.string"), "h\xc3\xa9llo \"world\"\n");
  EXPECT_EQ(file.get<uint64_t>("test.u64"), 18446744073709551615ull);
  EXPECT_EQ(file.get<int64_t>("test.i64"), -9223372036854775807ll);
  EXPECT_EQ(file.get<double>("test.f64"), 2.25);
  EXPECT_EQ(file.get_array<uint8_t>("test.array_u8"), (std::vector<uint8_t>{1, 2, 255}));
  EXPECT_EQ(file.get_array<int32_t>("test.array_i32"), (std::vector<int32_t>{-1, 0, 7}));
  EXPECT_EQ(file.get_array<float>("test.array_f32"), (std::vector<float>{0.5f, -0.25f}));
  EXPECT_EQ(file.get_array<bool>("test.array_bool"), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(file.get_array<uint64_t>("test.array_u64"), (std::vector<uint64_t>{1ull << 40}));
  EXPECT_EQ(file.get_array<double>("test.array_f64"), (std::vector<double>{1e300}));
  EXPECT_EQ(file.get_strings("test.array_string"),
            (std::vector<std::string>{"<s>", "", "\xe2\x96\x81the"}));
  EXPECT_EQ(file.at("test.array_empty").size(), 0u);
  EXPECT_EQ(file.at("test.array_empty").element_type(), GgufType::kI16);
  const GgufValue& nested = file.at("test.array_nested");
  EXPECT_EQ(nested.type_string(), "array[array]");  // elements of different types
  ASSERT_EQ(nested.size(), 3u);
  EXPECT_EQ(nested.as_arrays()[1].as_strings(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(nested.as_arrays()[2].as_arrays()[0].as_array<uint16_t>(), (std::vector<uint16_t>{9}));
  // Order and values as written.
  const GgufWriter again = writer_with_every_value_type();
  const GgufFile reread = GgufFile::from_bytes(again.to_bytes());
  ASSERT_EQ(reread.metadata().size(), file.metadata().size());
  for (size_t index = 0; index < file.metadata().size(); ++index) {
    EXPECT_EQ(file.metadata()[index].key, reread.metadata()[index].key);
    EXPECT_TRUE(file.metadata()[index].value == reread.metadata()[index].value)
        << file.metadata()[index].key;
  }
}

TEST(GgufWriterTest, ValuesDisplay) {
  EXPECT_EQ(GgufValue(uint32_t{7}).to_string(), "7");
  EXPECT_EQ(GgufValue(-1.5f).to_string(), "-1.5");
  EXPECT_EQ(GgufValue(true).to_string(), "true");
  EXPECT_EQ(GgufValue("a\"b\x01").to_string(), "\"a\\\"b\\x01\"");
  // Well-formed UTF-8 is shown as is; stray bytes and overlong forms are escaped.
  EXPECT_EQ(GgufValue("h\xc3\xa9 \xff \xc0\xaf").to_string(), "\"h\xc3\xa9 \\xff \\xc0\\xaf\"");
  EXPECT_EQ(GgufValue(std::string(100, 'x')).to_string(),
            "\"" + std::string(80, 'x') + "\"...(100 bytes)");
  EXPECT_EQ(GgufValue::array_of_arrays(
                {GgufValue::array(std::vector<int8_t>{1}), GgufValue::array(std::vector<int8_t>{})})
                .type_string(),
            "array[array[i8]]");
  EXPECT_EQ(GgufValue::array(std::vector<int32_t>{1, 2, 3, 4}).to_string(2),
            "[1, 2, ... (4 total)]");
  EXPECT_EQ(GgufValue::array(std::vector<std::string>{"x"}).type_string(), "array[string]");
  EXPECT_EQ(GgufValue(int64_t{-3}).as_int(), -3);
  expect_error_naming([] { (void)GgufValue(uint64_t{1} << 63).as_int(); },
                      {"9223372036854775808", "int64"});
  expect_error_naming([] { (void)GgufValue("x").as<float>(); }, {"string, not f32"});
  expect_error_naming([] { (void)GgufValue::array_of_arrays({GgufValue(uint8_t{1})}); },
                      {"element 0 is u8, not an array"});
}

TEST(GgufWriterTest, Versions2And3) {
  for (const uint32_t version : {2u, 3u}) {
    GgufWriter writer(version);
    writer.set("general.name", "v");
    EXPECT_EQ(GgufFile::from_bytes(writer.to_bytes()).version(), version);
  }
  expect_error_naming([] { GgufWriter writer(1); }, {"version 1"});
}

TEST(GgufWriterTest, PlainTensorsRoundTripBitExactly) {
  GgufWriter writer;
  std::vector<std::pair<std::string, Tensor>> tensors;
  uint64_t seed = 1;
  for (const DType dtype : {DType::kF32, DType::kF16, DType::kBF16, DType::kI8, DType::kI32,
                            DType::kI64, DType::kF64}) {
    const std::string name = std::string("t_") + std::string(dtype_name(dtype));
    tensors.emplace_back(name, testing::random_tensor({3, 5, 7}, dtype, ++seed));
    writer.add_tensor(name, tensors.back().second);
  }
  // A transposed (non-contiguous) tensor is written in logical order.
  const Tensor base = Tensor::arange(0, 12).view({3, 4});
  writer.add_tensor("transposed", base.transpose(0, 1));
  writer.add_tensor("scalar", Tensor::full({}, 4.5));
  const GgufFile file = GgufFile::from_bytes(writer.to_bytes());
  for (const auto& [name, tensor] : tensors) {
    SCOPED_TRACE(name);
    const Tensor loaded = file.tensor(name);
    EXPECT_EQ(loaded.dtype(), tensor.dtype());
    EXPECT_EQ(loaded.shape(), tensor.shape());
    EXPECT_EQ(file.tensor_info(name).dims, (std::vector<int64_t>{7, 5, 3}));
    testing::expect_same_values(testing::elements(loaded), testing::elements(tensor), name);
  }
  EXPECT_EQ(file.tensor("transposed").to_vector<float>(),
            base.transpose(0, 1).contiguous().to_vector<float>());
  EXPECT_EQ(file.tensor("scalar").shape(), Shape{});
  EXPECT_EQ(file.tensor("scalar").item(), 4.5);
  for (const GgufTensorInfo& info : file.tensors()) {
    EXPECT_EQ(info.offset % 32, 0u) << info.name;
  }
  // ggml's reader reads the padded size of the last tensor too.
  EXPECT_EQ(file.file_size() % 32, 0u);
}

TEST(GgufWriterTest, AlignmentIsRecordedAndUsed) {
  GgufWriter writer;
  writer.set_alignment(64);
  writer.add_tensor("a", Tensor::ones({3}));
  writer.add_tensor("b", Tensor::ones({5}));
  const GgufFile file = GgufFile::from_bytes(writer.to_bytes());
  EXPECT_EQ(file.get<uint32_t>("general.alignment"), 64u);
  EXPECT_EQ(file.alignment(), 64u);
  EXPECT_EQ(file.data_offset() % 64, 0u);
  EXPECT_EQ(file.tensor_info("b").offset, 64u);
  expect_error_naming([&] { writer.set_alignment(48); }, {"alignment 48", "power of two"});
  expect_error_naming([&] { writer.set("general.alignment", uint64_t{64}); },
                      {"general.alignment must be u32"});
}

TEST(GgufWriterTest, Q8_0FollowsGgmlReferenceRounding) {
  std::vector<float> values(64);
  for (size_t index = 0; index < values.size(); ++index) {
    values[index] = std::sin(static_cast<float>(index)) * 3.0f;
  }
  GgufWriter writer;
  writer.add_tensor("q", Tensor::from_vector(values, {2, 32}), GgmlType::kQ8_0);
  const GgufFile file = GgufFile::from_bytes(writer.to_bytes());
  EXPECT_EQ(file.tensor_info("q").type, GgmlType::kQ8_0);
  EXPECT_EQ(file.tensor_info("q").bytes, 68u);
  const std::vector<float> loaded = file.tensor("q").to_vector<float>();
  for (size_t block = 0; block < 2; ++block) {
    float absmax = 0;
    for (size_t index = 0; index < 32; ++index) {
      absmax = std::max(absmax, std::fabs(values[block * 32 + index]));
    }
    const float scale = static_cast<float>(Half(absmax / 127.0f));
    for (size_t index = 0; index < 32; ++index) {
      const size_t at = block * 32 + index;
      EXPECT_EQ(loaded[at], scale * std::round(values[at] * (127.0f / absmax))) << at;
    }
  }
}

TEST(GgufWriterTest, TernaryTypesRoundTrip) {
  const TernaryTensor per_row =
      TernaryTensor::quantize(Tensor::normal({6, 512}, 9), ScaleGranularity::kPerRow);
  const TernaryTensor per_tensor = TernaryTensor::quantize(Tensor::normal({6, 512}, 10));
  GgufWriter writer;
  writer.add_ternary("tq2", per_row, GgmlType::kTQ2_0);
  writer.add_ternary("tq1", per_row, GgmlType::kTQ1_0);
  writer.add_ternary("i2s", per_tensor, GgmlType::kI2_S);
  const GgufFile file = GgufFile::from_bytes(writer.to_bytes());
  EXPECT_EQ(file.tensor_info("tq2").bytes, 6u * 2 * 66);
  EXPECT_EQ(file.tensor_info("tq1").bytes, 6u * 2 * 54);
  EXPECT_EQ(file.tensor_info("i2s").bytes, 6u * 512 / 4 + 32);
  for (const char* name : {"tq2", "tq1", "i2s"}) {
    SCOPED_TRACE(name);
    const TernaryTensor& source = std::string(name) == "i2s" ? per_tensor : per_row;
    const TernaryTensor loaded = file.ternary(name);
    EXPECT_EQ(loaded.rows(), 6);
    EXPECT_EQ(loaded.cols(), 512);
    EXPECT_EQ(testing::elements(loaded.trits()), testing::elements(source.trits()));
    for (int64_t row = 0; row < 6; ++row) {
      // TQ formats store the scale as f16; I2_S as f32.
      const float expected = std::string(name) == "i2s"
                                 ? source.row_scale(row)
                                 : static_cast<float>(Half(source.row_scale(row)));
      EXPECT_EQ(loaded.row_scale(row), expected);
    }
  }
}

TEST(GgufWriterTest, RawTensorsAreChecked) {
  GgufWriter writer;
  writer.add_raw("k", GgmlType::kQ4_K, {2, 256}, std::vector<uint8_t>(288, 7));
  EXPECT_EQ(GgufFile::from_bytes(writer.to_bytes()).tensor_bytes("k")[287], 7);
  expect_error_naming(
      [&] {
        writer.add_raw("bad", GgmlType::kQ4_K, {2, 256}, std::vector<uint8_t>(100));
      },
      {"'bad'", "take 288 bytes, 100 given"});
  expect_error_naming(
      [&] {
        writer.add_raw("odd", GgmlType::kQ4_0, {1, 33}, std::vector<uint8_t>(18));
      },
      {"'odd'", "ne[0] = 33", "q4_0 block size 32"});
}

TEST(GgufWriterTest, RefusesWhatReadersRefuse) {
  GgufWriter writer;
  expect_error_naming([&] { writer.set("", uint8_t{1}); }, {"empty metadata key"});
  expect_error_naming([&] { writer.set("bad\x01key", uint8_t{1}); }, {"byte 0x01"});
  expect_error_naming([&] { writer.add_tensor(std::string(64, 'n'), Tensor::ones({1})); },
                      {"1 to 63 bytes", "has 64"});
  writer.add_tensor("x", Tensor::ones({1}));
  expect_error_naming([&] { writer.add_tensor("x", Tensor::ones({1})); },
                      {"duplicate tensor name 'x'"});
  expect_error_naming(
      [&] {
        writer.add_tensor("r5", Tensor::ones({1, 1, 1, 1, 1}));
      },
      {"'r5'", "5 dimensions"});
  expect_error_naming([&] { writer.add_tensor("u8", Tensor::ones({2}, DType::kU8)); },
                      {"'u8'", "u8", "no type"});
  expect_error_naming(
      [&] {
        writer.add_tensor("q", Tensor::ones({2, 30}), GgmlType::kQ8_0);
      },
      {"'q'", "ne[0] = 30"});
}

TEST(GgufWriterTest, SetReplacesAndKeepsOrder) {
  GgufWriter writer;
  writer.set("a", uint8_t{1});
  writer.set("b", uint8_t{2});
  writer.set("a", std::string("again"));
  const GgufFile file = GgufFile::from_bytes(writer.to_bytes());
  ASSERT_EQ(file.metadata().size(), 2u);
  EXPECT_EQ(file.metadata()[0].key, "a");
  EXPECT_EQ(file.get_string("a"), "again");
}

TEST(GgufWriterTest, WritesFileAtomically) {
  testing::TemporaryDirectory directory;
  GgufWriter writer = writer_with_every_value_type();
  writer.add_tensor("w", Tensor::normal({4, 4}, 1));
  const std::string path = directory.file("out.gguf");
  writer.write(path);
  EXPECT_EQ(GgufFile::open(path).tensor("w").shape(), (Shape{4, 4}));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(directory.path()),
                          std::filesystem::directory_iterator()),
            1);
  expect_error_naming([&] { writer.write(directory.file("missing/out.gguf")); },
                      {"missing/out.gguf", "temporary file"});
}

}  // namespace
}  // namespace bitnet
