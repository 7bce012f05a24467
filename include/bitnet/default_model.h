// The model bitnet-core ships inside the library: tiny-bitnet, a BitNet b1.58 model of 11.0 M
// parameters trained from scratch on English text that Debian ships (docs/TINY_MODEL.md), stored
// as the GGUF file models/tiny-bitnet.gguf (I2_S projections, bf16 tied embedding, its byte-level
// BPE tokenizer of 4,096 tokens in the metadata). `bitnet generate` and `bitnet chat` run it when
// no model is given, so text comes out with nothing to download.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "bitnet/model.h"
#include "bitnet/tokenizer.h"

namespace bitnet {

inline constexpr std::string_view kDefaultModelName = "tiny-bitnet";

// The GGUF image compiled into the library.
[[nodiscard]] std::span<const uint8_t> default_model_gguf() noexcept;
// The model and its tokenizer, read from that image.
[[nodiscard]] Model load_default_model(const LoadOptions& options = {});
[[nodiscard]] Tokenizer default_model_tokenizer();

}  // namespace bitnet
