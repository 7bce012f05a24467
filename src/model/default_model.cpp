// The built-in model: the GGUF file is assembled into the library's read-only data with .incbin,
// which costs nothing at compile time (a 6 MB array initializer would take the compiler minutes).
// BITNET_DEFAULT_MODEL_PATH and its BITNET_DEFAULT_MODEL_SHA256 come from src/CMakeLists.txt;
// the hash is in the preprocessed text so that a compiler cache rebuilds this file when the model
// changes.
#include "bitnet/default_model.h"

#include <vector>

#include "bitnet/io.h"

#ifndef BITNET_DEFAULT_MODEL_PATH
#error "BITNET_DEFAULT_MODEL_PATH must name models/tiny-bitnet.gguf"
#endif

#define BITNET_STRINGIFY_INNER(x) #x
#define BITNET_STRINGIFY(x) BITNET_STRINGIFY_INNER(x)

// GGUF aligns tensor data to 32 bytes; the image is copied before use, so the alignment is only
// for whoever maps it directly.
__asm__(".section .rodata\n"
        ".balign 64\n"
        ".global bitnet_default_model_begin\n"
        "bitnet_default_model_begin:\n"
        ".incbin \"" BITNET_STRINGIFY(BITNET_DEFAULT_MODEL_PATH) "\"\n"
        ".global bitnet_default_model_end\n"
        "bitnet_default_model_end:\n"
        ".previous\n");

extern "C" const uint8_t bitnet_default_model_begin[];
extern "C" const uint8_t bitnet_default_model_end[];

namespace bitnet {
namespace {

[[maybe_unused]] constexpr const char* kImageSha256 = BITNET_STRINGIFY(BITNET_DEFAULT_MODEL_SHA256);

GgufFile default_model_file() {
  const std::span<const uint8_t> image = default_model_gguf();
  return GgufFile::from_bytes(std::vector<uint8_t>(image.begin(), image.end()),
                              std::string("<built-in ") + std::string(kDefaultModelName) + ">");
}

}  // namespace

std::span<const uint8_t> default_model_gguf() noexcept {
  return {bitnet_default_model_begin,
          static_cast<size_t>(bitnet_default_model_end - bitnet_default_model_begin)};
}

Model load_default_model(const LoadOptions& options) {
  return Model::load_gguf(default_model_file(), options);
}

Tokenizer default_model_tokenizer() {
  return Tokenizer::from_gguf(default_model_file());
}

}  // namespace bitnet
