// Chat prompts in the formats of the models bitnet-core runs, chosen from the model's own Jinja
// template (GGUF key tokenizer.chat_template, or chat_template in tokenizer_config.json). The
// template is recognised, not interpreted: a template of another format is refused with an error
// that names it, rather than rendered wrongly. Recognised:
//
//   kBitnet2B4T  BitNet b1.58 2B4T instruct: "System: ...<|eot_id|>User: ...<|eot_id|>Assistant: "
//                (the role capitalised, then ": ", the content trimmed, then <|eot_id|>)
//   kLlama3      LLaMA-3 Instruct headers: "<|begin_of_text|><|start_header_id|>user
//                <|end_header_id|>\n\n...<|eot_id|>" and "<|start_header_id|>assistant
//                <|end_header_id|>\n\n" as the generation prompt
//
// Either puts the bos token's text in front of the first message when its template does
// (`bos_token` in the template); such a prompt is encoded with EncodeOptions{.add_bos = false,
// .parse_special = true}, so that the special tokens become their ids and bos is not doubled.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace bitnet {

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant" (any role is written as given)
  std::string content;
};

enum class ChatFormat { kBitnet2B4T, kLlama3 };

class ChatTemplate {
 public:
  // Recognises `source`, a model's Jinja chat template; `bos_token` is the text its bos_token
  // stands for. Throws Error(kUnsupported) quoting the start of an unknown template and suggesting
  // --no-chat-template.
  [[nodiscard]] static ChatTemplate recognize(std::string_view source, std::string bos_token);
  // The template of a format, as the models' own files write it (for tests and for models whose
  // files carry none).
  [[nodiscard]] static std::string_view source(ChatFormat format) noexcept;

  [[nodiscard]] ChatFormat format() const noexcept { return format_; }
  // "bitnet-2b4t" or "llama3".
  [[nodiscard]] std::string_view name() const noexcept;
  // The prompt text of `messages`, followed by the assistant's header when add_generation_prompt.
  [[nodiscard]] std::string apply(std::span<const ChatMessage> messages,
                                  bool add_generation_prompt) const;

 private:
  ChatTemplate(ChatFormat format, std::string bos) : format_(format), bos_(std::move(bos)) {}
  ChatFormat format_;
  std::string bos_;  // put in front of the first message; empty when the template does not
};

}  // namespace bitnet
