// Model files: GGUF (versions 2 and 3, ggml's docs/gguf.md) and safetensors (single files and
// sharded checkpoints), with readers and writers.
//
// Readers treat every count, length and offset in a file as hostile: each is bounded by the bytes
// the file has left before anything is allocated or looped over, all size arithmetic is checked,
// and the whole layout (header, metadata, tensor table, data offsets) is validated before the file
// is memory-mapped. A malformed file gives a bitnet::Error whose message names the file, the field
// and the offending values ("model.gguf: tensor 3 'blk.0.ffn_up.weight': dimension 1 is -5"),
// never a crash; a failed open leaves nothing behind.
//
// Tensors of plain types come back as zero-copy views of the mapping (the mapping lives as long as
// any view of it); views are copy-on-write, so writing to one never changes the file. Data that is
// not aligned to its element size (possible in safetensors files) is copied instead. Ternary types
// (TQ1_0, TQ2_0, I2_S, the Hugging Face BitNet packing) are repacked into our native layout.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "bitnet/error.h"
#include "bitnet/quant.h"
#include "bitnet/tensor.h"

namespace bitnet {

namespace io {
class ByteSink;
class MappedFile;
struct GgufContents;
struct SafetensorsContents;
}  // namespace io

// ---- GGML tensor types --------------------------------------------------------------------------
// The type ids of ggml.h as GGUF files carry them; 36 is bitnet.cpp's I2_S (upstream ggml leaves
// 36-38 unused). Every known type is listed, so that a file using one can be opened and described;
// only the types with `readable` traits can give their data as tensors.
enum class GgmlType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ2_XXS = 16,
  kIQ2_XS = 17,
  kIQ3_XXS = 18,
  kIQ1_S = 19,
  kIQ4_NL = 20,
  kIQ3_S = 21,
  kIQ2_S = 22,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kIQ1_M = 29,
  kBF16 = 30,
  kTQ1_0 = 34,
  kTQ2_0 = 35,
  kI2_S = 36,
  kMXFP4 = 39,
  kNVFP4 = 40,
  kQ1_0 = 41,
  kQ2_0 = 42,
};

// One row of the GGML type table (ggml's type traits).
struct GgmlTypeTraits {
  GgmlType type;
  std::string_view name;  // ggml's name: "f32", "q8_0", "q4_K", "tq2_0", "i2_s"
  int64_t block_size;     // elements per block; a row (ne[0]) holds whole blocks
  int64_t block_bytes;    // bytes per block
  // What tensor() gives: a dtype for plain types, nullopt for quantized ones.
  std::optional<DType> dtype;
  // The packed ternary format ternary() imports, for TQ1_0, TQ2_0 and I2_S.
  std::optional<TernaryFormat> ternary;
  // Whether tensor() or ternary() can read the data (plain types, Q8_0, Q4_K, Q6_K, the ternary
  // types).
  bool readable;
};

// The traits of a type id, or nullptr when no GGML type has that id.
[[nodiscard]] const GgmlTypeTraits* find_ggml_type(uint32_t id) noexcept;
[[nodiscard]] const GgmlTypeTraits& ggml_type_traits(GgmlType type);
// Every known type, in id order.
[[nodiscard]] std::span<const GgmlTypeTraits> ggml_types() noexcept;
// "q4_K", or "unknown type 77" for an id no type has.
[[nodiscard]] std::string ggml_type_name(uint32_t id);

// ---- GGUF metadata values -----------------------------------------------------------------------
enum class GgufType : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};
// "u8", "i32", "f32", "bool", "string", "array", ...
[[nodiscard]] std::string_view gguf_type_name(GgufType type) noexcept;

// The C++ types that stand for GGUF's scalar types.
template <typename T>
concept GgufScalar = std::is_same_v<T, uint8_t> || std::is_same_v<T, int8_t> ||
    std::is_same_v<T, uint16_t> || std::is_same_v<T, int16_t> || std::is_same_v<T, uint32_t> ||
    std::is_same_v<T, int32_t> || std::is_same_v<T, float> || std::is_same_v<T, bool> ||
    std::is_same_v<T, uint64_t> || std::is_same_v<T, int64_t> || std::is_same_v<T, double>;

// One metadata value: a scalar, a string, or an array whose elements all have one type (scalars,
// strings, or arrays, nested up to kMaxGgufArrayNesting levels). Arrays of scalars are held packed,
// as in the file. Accessors throw Error(kDTypeMismatch) naming both types when the value holds
// another type than asked for.
class GgufValue {
 public:
  GgufValue() = default;  // u8 0
  template <GgufScalar T>
  explicit GgufValue(T value);
  explicit GgufValue(std::string value);
  explicit GgufValue(const char* value) : GgufValue(std::string(value)) {}

  template <GgufScalar T>
  [[nodiscard]] static GgufValue array(const std::vector<T>& values);
  [[nodiscard]] static GgufValue array(std::vector<std::string> values);
  // An array of arrays: every element must itself be an array (each with its own element type, as
  // GGUF allows). Throws Error for a non-array element or nesting past kMaxGgufArrayNesting.
  [[nodiscard]] static GgufValue array_of_arrays(std::vector<GgufValue> arrays);

  [[nodiscard]] GgufType type() const noexcept { return type_; }
  [[nodiscard]] bool is_array() const noexcept { return type_ == GgufType::kArray; }
  // The element type of an array; throws for scalars and strings.
  [[nodiscard]] GgufType element_type() const;
  // Elements of an array; throws for scalars and strings.
  [[nodiscard]] size_t size() const;

  // The scalar, when the value is exactly that type.
  template <GgufScalar T>
  [[nodiscard]] T as() const;
  [[nodiscard]] const std::string& as_string() const;
  // Any integer type (u8 ... i64) as int64; throws Error(kOverflow) for a u64 above INT64_MAX.
  [[nodiscard]] int64_t as_int() const;
  // An array of exactly T elements.
  template <GgufScalar T>
  [[nodiscard]] std::vector<T> as_array() const;
  [[nodiscard]] const std::vector<std::string>& as_strings() const;
  [[nodiscard]] const std::vector<GgufValue>& as_arrays() const;
  // Element `index` of any array, as a value of its own.
  [[nodiscard]] GgufValue element(size_t index) const;

  // Short display form: 32, 1.5, true, "text" (escaped, cut after 80 bytes), [1, 2, 3, ... (1000
  // total)] with at most `max_elements` elements per array.
  [[nodiscard]] std::string to_string(size_t max_elements = 8) const;
  // The type as text: "u32", "string", "array[string]", "array[array[i32]]".
  [[nodiscard]] std::string type_string() const;

  friend bool operator==(const GgufValue& a, const GgufValue& b);

 private:
  friend struct GgufValueAccess;  // the reader fills values in place
  GgufType type_ = GgufType::kU8;
  GgufType element_type_ = GgufType::kU8;  // arrays only
  uint64_t bits_ = 0;                      // scalars: the value's bytes, little-endian
  std::string string_;
  std::vector<uint8_t> packed_;       // arrays of scalars, as in the file
  std::vector<std::string> strings_;  // arrays of strings
  std::vector<GgufValue> arrays_;     // arrays of arrays
  size_t scalar_count_ = 0;           // arrays of scalars: element count
};

// Arrays nest at most this deep (an array of arrays of arrays ...): a cap on recursion that a
// hostile file cannot push further.
inline constexpr int kMaxGgufArrayNesting = 8;
// general.alignment must be a power of two no larger than this.
inline constexpr uint64_t kMaxGgufAlignment = uint64_t{1} << 20;
// Tensor names are shorter than ggml's GGML_MAX_NAME (64, including the terminating NUL).
inline constexpr size_t kMaxGgufTensorName = 63;
// Metadata keys are at most 65535 bytes (the GGUF spec).
inline constexpr size_t kMaxGgufKey = 65535;
inline constexpr uint64_t kDefaultGgufAlignment = 32;

struct GgufMetadataEntry {
  std::string key;
  GgufValue value;
};

struct GgufTensorInfo {
  std::string name;
  GgmlType type = GgmlType::kF32;
  // As stored: ne[0] (the contiguous, fastest-varying dimension) first.
  std::vector<int64_t> dims;
  // Row-major (our convention, as Tensor::shape()): dims reversed, so a GGUF matrix with
  // ne = [in, out] is [out, in].
  Shape shape;
  int64_t numel = 0;
  uint64_t offset = 0;       // from the start of the data section, as stored
  uint64_t file_offset = 0;  // from the start of the file
  uint64_t bytes = 0;
};

// What a repack into our native ternary layout cost.
struct RepackReport {
  std::string source_format;  // "tq2_0", "tq1_0", "i2_s", "hf_bitnet"
  std::string target_format;  // "t2", "t1"
  double seconds = 0;
  uint64_t source_bytes = 0;     // bytes read from the file
  uint64_t packed_bytes = 0;     // bytes of the resulting packed tensor
  uint64_t temporary_bytes = 0;  // peak bytes allocated on the way (trit buffer, scales)
};

class GgufFile {
 public:
  // Opens and validates `path`, then maps it. Throws Error naming the file and the problem.
  [[nodiscard]] static GgufFile open(const std::string& path);
  // Reads a GGUF image held in memory (tests, fuzzers); `name` stands for the path in messages.
  [[nodiscard]] static GgufFile from_bytes(std::vector<uint8_t> bytes,
                                           std::string name = "<memory>");

  [[nodiscard]] const std::string& path() const noexcept;
  [[nodiscard]] uint32_t version() const noexcept;
  [[nodiscard]] uint64_t alignment() const noexcept;
  [[nodiscard]] uint64_t data_offset() const noexcept;  // file offset of the data section
  [[nodiscard]] uint64_t file_size() const noexcept;

  // ---- metadata (in file order) ----
  [[nodiscard]] const std::vector<GgufMetadataEntry>& metadata() const noexcept;
  [[nodiscard]] const GgufValue* find(std::string_view key) const noexcept;
  [[nodiscard]] bool contains(std::string_view key) const noexcept { return find(key) != nullptr; }
  // Throws Error(kInvalidArgument) naming the file and key when absent.
  [[nodiscard]] const GgufValue& at(std::string_view key) const;
  // Typed access; a missing key or another type throws Error naming the file, key and types.
  template <GgufScalar T>
  [[nodiscard]] T get(std::string_view key) const;
  // `fallback` when the key is absent; another type still throws.
  template <GgufScalar T>
  [[nodiscard]] T get_or(std::string_view key, T fallback) const;
  [[nodiscard]] std::string get_string(std::string_view key) const;
  // Any integer type (u32 and u64 counts alike, as the spec recommends).
  [[nodiscard]] int64_t get_int(std::string_view key) const;
  template <GgufScalar T>
  [[nodiscard]] std::vector<T> get_array(std::string_view key) const;
  [[nodiscard]] std::vector<std::string> get_strings(std::string_view key) const;

  // ---- tensors (in table order) ----
  [[nodiscard]] const std::vector<GgufTensorInfo>& tensors() const noexcept;
  [[nodiscard]] const GgufTensorInfo* find_tensor(std::string_view name) const noexcept;
  // Throws Error naming the file and tensor when absent.
  [[nodiscard]] const GgufTensorInfo& tensor_info(std::string_view name) const;
  // The stored bytes of any tensor, whatever its type (valid while this file object lives).
  [[nodiscard]] std::span<const uint8_t> tensor_bytes(std::string_view name) const;
  // F32, F16, BF16, I8, I32, I64, F64: a zero-copy view of the mapping, shape = info.shape.
  // Q8_0, Q4_K, Q6_K: dequantized to a fresh f32 tensor. Ternary types (use ternary()) and the
  // other GGML types throw Error(kUnsupported) naming the tensor and its type.
  [[nodiscard]] Tensor tensor(std::string_view name) const;
  // Hands the mapped pages of tensor `name` back to the system once its bytes have been copied or
  // repacked, so that loading a model does not keep the whole file resident; views of the tensor
  // stay valid (they read the file again when touched). No effect on in-memory images.
  void release_pages(std::string_view name) const;
  // A plain tensor (the types tensor() views) copied into the process's memory a piece at a time,
  // each piece's mapped pages handed back once copied: loading costs the copy plus one piece, not
  // the copy plus the file's pages.
  [[nodiscard]] Tensor copy_tensor(std::string_view name) const;
  // TQ1_0, TQ2_0, I2_S: repacked into `target` as [rows, ne[0]] (rows = the product of the other
  // dimensions). TQ1_0/TQ2_0 rows must have one scale for all their blocks.
  [[nodiscard]] TernaryTensor ternary(std::string_view name,
                                      TernaryFormat target = TernaryFormat::kT2,
                                      RepackReport* report = nullptr) const;

 private:
  explicit GgufFile(std::shared_ptr<const io::GgufContents> contents);
  std::shared_ptr<const io::GgufContents> contents_;
};

// Builds a GGUF file: metadata in insertion order, tensors in insertion order, each tensor's data
// aligned and padded to the alignment (also after the last one, as ggml writes). The file is
// written to a temporary name beside `path` and renamed into place, so a failed write leaves no
// partial file.
class GgufWriter {
 public:
  // version: 2 or 3 (identical layouts for little-endian files).
  explicit GgufWriter(uint32_t version = 3);

  // Sets the alignment (a power of two up to kMaxGgufAlignment); a value other than 32 is also
  // recorded as general.alignment (u32).
  void set_alignment(uint64_t alignment);
  // Adds or replaces a metadata entry. Keys must be non-empty printable ASCII up to 65535 bytes;
  // general.alignment must be a u32 power of two.
  void set(std::string key, GgufValue value);
  template <typename T>
  void set(std::string key, T value) {
    set(std::move(key), GgufValue(std::move(value)));
  }

  // A plain tensor (f32, f16, bf16, i8, i32, i64, f64), stored as its own type; or, with
  // `type` = kQ8_0, a floating tensor quantized to Q8_0 (ggml's reference rounding). The tensor is
  // held (not copied) until the file is written.
  void add_tensor(std::string name, const Tensor& tensor);
  void add_tensor(std::string name, const Tensor& tensor, GgmlType type);
  // A ternary matrix [rows, cols] as TQ1_0, TQ2_0 or I2_S (TernaryTensor::export_as).
  void add_ternary(std::string name, const TernaryTensor& weights,
                   GgmlType type = GgmlType::kTQ2_0);
  // Any type from bytes already in its layout; `shape` is row-major (reversed into ne). The byte
  // count must match the type and shape.
  void add_raw(std::string name, GgmlType type, const Shape& shape, std::vector<uint8_t> bytes);

  void write(const std::string& path) const;
  [[nodiscard]] std::vector<uint8_t> to_bytes() const;

 private:
  struct PendingTensor;
  void add_pending(PendingTensor tensor);
  void write_to(io::ByteSink& sink) const;
  uint32_t version_;
  uint64_t alignment_ = kDefaultGgufAlignment;
  std::vector<GgufMetadataEntry> metadata_;
  std::vector<std::shared_ptr<const PendingTensor>> tensors_;
};

// ---- safetensors --------------------------------------------------------------------------------
// The safetensors header may be at most this long (the format's own limit).
inline constexpr uint64_t kMaxSafetensorsHeader = 100'000'000;

struct SafetensorsTensorInfo {
  std::string name;
  std::string dtype;  // as in the file: "F32", "BF16", "U8", "F8_E4M3", ...
  // Our dtype for the dtypes tensor() reads (F32, F16, BF16, F64, I8, U8, I32, I64, BOOL).
  std::optional<DType> element_type;
  Shape shape;
  int64_t numel = 0;
  uint64_t begin = 0;  // data_offsets, relative to the data after the header
  uint64_t end = 0;
  uint64_t file_offset = 0;  // 8 + header length + begin
  [[nodiscard]] uint64_t bytes() const noexcept { return end - begin; }
};

class SafetensorsFile {
 public:
  [[nodiscard]] static SafetensorsFile open(const std::string& path);
  [[nodiscard]] static SafetensorsFile from_bytes(std::vector<uint8_t> bytes,
                                                  std::string name = "<memory>");

  [[nodiscard]] const std::string& path() const noexcept;
  [[nodiscard]] uint64_t file_size() const noexcept;
  [[nodiscard]] uint64_t header_bytes() const noexcept;  // the JSON header's length
  [[nodiscard]] uint64_t data_offset() const noexcept;   // 8 + header_bytes()
  // The header's __metadata__ (string to string).
  [[nodiscard]] const std::map<std::string, std::string>& metadata() const noexcept;
  // Tensors in data order (by offset).
  [[nodiscard]] const std::vector<SafetensorsTensorInfo>& tensors() const noexcept;
  [[nodiscard]] const SafetensorsTensorInfo* find_tensor(std::string_view name) const noexcept;
  [[nodiscard]] const SafetensorsTensorInfo& tensor_info(std::string_view name) const;
  [[nodiscard]] std::span<const uint8_t> tensor_bytes(std::string_view name) const;
  // A zero-copy view for F32, F16, BF16, F64, I8, U8, I32, I64, BOOL (a copy when the data is not
  // aligned to the element size; BOOL bytes must be 0 or 1). Other dtypes throw
  // Error(kUnsupported).
  [[nodiscard]] Tensor tensor(std::string_view name) const;

 private:
  explicit SafetensorsFile(std::shared_ptr<const io::SafetensorsContents> contents);
  std::shared_ptr<const io::SafetensorsContents> contents_;
};

// A checkpoint: one safetensors file, or shards listed by a model.safetensors.index.json
// ({"metadata": {...}, "weight_map": {tensor: shard file name}}). The index must map every tensor
// of every shard it names to exactly that shard; shard names are plain file names in the index's
// directory.
class SafetensorsCheckpoint {
 public:
  // `path`: a .safetensors file, an index .json file, or a directory holding
  // model.safetensors.index.json or model.safetensors.
  [[nodiscard]] static SafetensorsCheckpoint open(const std::string& path);
  // A checkpoint of one file already open.
  [[nodiscard]] static SafetensorsCheckpoint from_file(SafetensorsFile file);

  [[nodiscard]] const std::string& path() const noexcept;  // the file or index opened
  [[nodiscard]] const std::vector<SafetensorsFile>& shards() const noexcept;
  // The index's metadata.total_size when present.
  [[nodiscard]] std::optional<uint64_t> total_size() const noexcept;
  // Every tensor name, sorted.
  [[nodiscard]] std::vector<std::string> tensor_names() const;
  [[nodiscard]] const SafetensorsTensorInfo* find_tensor(std::string_view name) const noexcept;
  [[nodiscard]] const SafetensorsTensorInfo& tensor_info(std::string_view name) const;
  // The shard holding `name` (throws when absent).
  [[nodiscard]] const SafetensorsFile& shard_of(std::string_view name) const;
  [[nodiscard]] Tensor tensor(std::string_view name) const;

 private:
  std::string path_;
  std::vector<SafetensorsFile> shards_;
  std::map<std::string, size_t, std::less<>> shard_index_;  // tensor name -> shards_ index
  std::optional<uint64_t> total_size_;
};

// Builds safetensors files. The header is a JSON object with keys sorted, padded with spaces to a
// multiple of 8 bytes; tensors are laid out widest element first, so every tensor is aligned to its
// element size. Writes go to a temporary name and are renamed into place.
class SafetensorsWriter {
 public:
  void set_metadata(std::string key, std::string value);
  // Any tensor of our dtypes (bool, u8, i8, i32, i64, f16, bf16, f32, f64); held, not copied,
  // until written. Names must be non-empty, unique and not "__metadata__".
  void add(std::string name, const Tensor& tensor);

  void write(const std::string& path) const;
  [[nodiscard]] std::vector<uint8_t> to_bytes() const;
  // Splits the tensors (in insertion order) into shards of at most `max_shard_bytes` of data (a
  // larger tensor gets a shard of its own), writes <stem>-0000i-of-0000n.safetensors and
  // <stem>.safetensors.index.json into `directory`, and returns the index's path.
  std::string write_sharded(const std::string& directory, uint64_t max_shard_bytes,
                            const std::string& stem = "model") const;

 private:
  std::map<std::string, std::string> metadata_;
  std::vector<std::pair<std::string, Tensor>> tensors_;
};

// ---- Hugging Face BitNet b1.58 layout -----------------------------------------------------------
// microsoft/bitnet-b1.58-2B-4T (transformers' integrations/bitnet.py) stores each BitLinear's
// ternary weight W_t [out, in] as "<prefix>.weight": u8 [out/4, in], where unpacked row
// i * (out/4) + j is bits 2i..2i+1 of packed row j, as codes 0, 1, 2 for -1, 0, +1; and
// "<prefix>.weight_scale" (bf16 [1], or one per output row) with
// y = (x_q @ W_t^T) / (x_scale * weight_scale). Our scale (W ~ scale * W_t) is 1 / weight_scale.

// Whether `weight_name` is a packed ternary weight: dtype U8, rank 2, with a weight_scale beside
// it.
[[nodiscard]] bool is_hf_bitnet_weight(const SafetensorsCheckpoint& checkpoint,
                                       std::string_view weight_name);
// Every packed ternary weight of the checkpoint, sorted.
[[nodiscard]] std::vector<std::string> hf_bitnet_weights(const SafetensorsCheckpoint& checkpoint);
// Unpacks `weight_name` and its weight_scale into a TernaryTensor [out, in] in `target`.
[[nodiscard]] TernaryTensor load_hf_bitnet_weight(const SafetensorsCheckpoint& checkpoint,
                                                  std::string_view weight_name,
                                                  TernaryFormat target = TernaryFormat::kT2,
                                                  RepackReport* report = nullptr);

struct HfBitnetPacked {
  Tensor weight;        // u8 [rows / 4, cols]
  Tensor weight_scale;  // [1] or [rows], in the dtype asked for: 1 / scale
};
// The inverse of load_hf_bitnet_weight: rows must be a multiple of 4.
[[nodiscard]] HfBitnetPacked pack_hf_bitnet_weight(const TernaryTensor& weights,
                                                   DType scale_dtype = DType::kBF16);

}  // namespace bitnet
