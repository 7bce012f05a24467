// ChatTemplate: recognises the two chat formats by the parts of their Jinja templates that make
// the format, and renders them as those templates do (Jinja's `trim` strips whitespace at both
// ends, `capitalize` upper-cases the first character and lower-cases the rest).
#include "bitnet/chat_template.h"

#include <cctype>

#include "core/raise.h"

namespace bitnet {
namespace {

// microsoft/bitnet-b1.58-2B-4T, tokenizer_config.json.
constexpr std::string_view kBitnet2B4TSource =
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
    "message['role'] | capitalize + ': '+ message['content'] | trim + '<|eot_id|>' %}{{ content "
    "}}{% endfor %}{% if add_generation_prompt %}{{ 'Assistant: ' }}{% endif %}";

// meta-llama/Meta-Llama-3-8B-Instruct, tokenizer_config.json.
constexpr std::string_view kLlama3Source =
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
    "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | "
    "trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% "
    "endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ "
    "'<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Python's str.strip() for the whitespace that occurs in chat messages (ASCII whitespace and the
// separators U+0085, U+00A0, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000).
size_t whitespace_at(std::string_view text, size_t index) {
  const auto byte = static_cast<unsigned char>(text[index]);
  if (byte == ' ' || (byte >= '\t' && byte <= '\r') || (byte >= 0x1C && byte <= 0x1F)) return 1;
  const std::string_view rest = text.substr(index);
  for (const std::string_view space : {"\xC2\x85", "\xC2\xA0", "\xE2\x80\xA8", "\xE2\x80\xA9",
                                       "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80"}) {
    if (rest.starts_with(space)) return space.size();
  }
  if (rest.size() >= 3 && byte == 0xE2 && static_cast<unsigned char>(rest[1]) == 0x80 &&
      static_cast<unsigned char>(rest[2]) >= 0x80 && static_cast<unsigned char>(rest[2]) <= 0x8A) {
    return 3;
  }
  return 0;
}

std::string_view trim(std::string_view text) {
  size_t begin = 0;
  while (begin < text.size()) {
    const size_t width = whitespace_at(text, begin);
    if (width == 0) break;
    begin += width;
  }
  size_t end = text.size();
  while (end > begin) {
    // Step back to the start of the last character.
    size_t start = end - 1;
    while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    if (whitespace_at(text, start) != end - start) break;
    end = start;
  }
  return text.substr(begin, end - begin);
}

// Jinja's capitalize on the ASCII letters of a role name.
std::string capitalize(std::string_view role) {
  std::string text(role);
  for (size_t index = 0; index < text.size(); ++index) {
    const auto byte = static_cast<unsigned char>(text[index]);
    text[index] = static_cast<char>(index == 0 ? std::toupper(byte) : std::tolower(byte));
  }
  return text;
}

}  // namespace

ChatTemplate ChatTemplate::recognize(std::string_view source, std::string bos_token) {
  const bool bos = contains(source, "bos_token");
  if (contains(source, "<|start_header_id|>") && contains(source, "<|end_header_id|>") &&
      contains(source, "<|eot_id|>")) {
    return ChatTemplate(ChatFormat::kLlama3, bos ? std::move(bos_token) : std::string());
  }
  if (contains(source, "| capitalize + ': '") && contains(source, "<|eot_id|>") &&
      contains(source, "'Assistant: '")) {
    return ChatTemplate(ChatFormat::kBitnet2B4T, bos ? std::move(bos_token) : std::string());
  }
  constexpr size_t kShown = 120;
  const std::string shown =
      std::string(source.substr(0, kShown)) + (source.size() > kShown ? "..." : "");
  raise(ErrorKind::kUnsupported,
        "unknown chat template '{}' (supported: BitNet b1.58 2B4T instruct, LLaMA-3 Instruct); "
        "use --no-chat-template to give the prompt as plain text",
        shown);
}

std::string_view ChatTemplate::source(ChatFormat format) noexcept {
  return format == ChatFormat::kLlama3 ? kLlama3Source : kBitnet2B4TSource;
}

std::string_view ChatTemplate::name() const noexcept {
  return format_ == ChatFormat::kLlama3 ? "llama3" : "bitnet-2b4t";
}

std::string ChatTemplate::apply(std::span<const ChatMessage> messages,
                                bool add_generation_prompt) const {
  std::string prompt;
  for (size_t index = 0; index < messages.size(); ++index) {
    if (index == 0) prompt += bos_;
    const ChatMessage& message = messages[index];
    if (format_ == ChatFormat::kLlama3) {
      prompt += "<|start_header_id|>" + message.role + "<|end_header_id|>\n\n";
    } else {
      prompt += capitalize(message.role) + ": ";
    }
    prompt += trim(message.content);
    prompt += "<|eot_id|>";
  }
  if (add_generation_prompt) {
    prompt += format_ == ChatFormat::kLlama3 ? "<|start_header_id|>assistant<|end_header_id|>\n\n"
                                             : "Assistant: ";
  }
  return prompt;
}

}  // namespace bitnet
