// Chat templates: the 2B4T instruct format and the LLaMA-3 header format, recognised from the
// models' own Jinja templates and rendered to the exact strings those templates give; the template
// read from GGUF and tokenizer_config.json; unknown templates refused with a message naming them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/model_file_builder.h"
#include "support/tiny_tokenizer.h"

namespace bitnet::testing {
namespace {

const std::vector<ChatMessage> kConversation = {{"system", "You are a helpful AI assistant."},
                                                {"user", "  How are you?\n"},
                                                {"assistant", "Fine, thanks."},
                                                {"user", "Explain BitNet in one sentence."}};

TEST(ChatTemplate, Bitnet2B4TFormat) {
  const ChatTemplate chat =
      ChatTemplate::recognize(ChatTemplate::source(ChatFormat::kBitnet2B4T), "<|begin_of_text|>");
  EXPECT_EQ(chat.format(), ChatFormat::kBitnet2B4T);
  EXPECT_EQ(chat.name(), "bitnet-2b4t");
  // Its template has no bos_token: the tokenizer's add_bos puts bos in front.
  EXPECT_EQ(chat.apply(kConversation, true),
            "System: You are a helpful AI assistant.<|eot_id|>User: How are you?<|eot_id|>"
            "Assistant: Fine, thanks.<|eot_id|>User: Explain BitNet in one sentence.<|eot_id|>"
            "Assistant: ");
  EXPECT_EQ(chat.apply(std::span(kConversation).first(2), false),
            "System: You are a helpful AI assistant.<|eot_id|>User: How are you?<|eot_id|>");
}

TEST(ChatTemplate, Llama3Format) {
  const ChatTemplate chat =
      ChatTemplate::recognize(ChatTemplate::source(ChatFormat::kLlama3), "<|begin_of_text|>");
  EXPECT_EQ(chat.format(), ChatFormat::kLlama3);
  EXPECT_EQ(chat.name(), "llama3");
  EXPECT_EQ(chat.apply(std::span(kConversation).first(2), true),
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful AI "
            "assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHow are "
            "you?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(chat.apply(std::span(kConversation).subspan(2, 1), false),
            "<|begin_of_text|><|start_header_id|>assistant<|end_header_id|>\n\nFine, "
            "thanks.<|eot_id|>");
  EXPECT_EQ(chat.apply({}, true), "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

TEST(ChatTemplate, BosOnlyWhereTheTemplateHasIt) {
  // A 2B4T-style template that writes bos_token itself, and a LLaMA-3 one that does not.
  const std::string with_bos =
      "{{ bos_token }}" + std::string(ChatTemplate::source(ChatFormat::kBitnet2B4T));
  const std::vector<ChatMessage> user = {{"user", "Hi"}};
  EXPECT_EQ(ChatTemplate::recognize(with_bos, "<s>").apply(user, true),
            "<s>User: Hi<|eot_id|>Assistant: ");
  EXPECT_EQ(ChatTemplate::recognize("{% for message in messages %}{{ '<|start_header_id|>' + "
                                    "message['role'] + '<|end_header_id|>\\n\\n' + "
                                    "message['content'] + '<|eot_id|>' }}{% endfor %}",
                                    "<s>")
                .apply(user, false),
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>");
}

TEST(ChatTemplate, TrimsContentAndCapitalizesRoles) {
  const ChatTemplate chat =
      ChatTemplate::recognize(ChatTemplate::source(ChatFormat::kBitnet2B4T), "");
  // Whitespace at both ends goes (U+00A0 and U+3000 too, as Python's strip); inside it stays.
  const std::vector<ChatMessage> messages = {
      {"USER", "\t\xC2\xA0 a  b\n\xE3\x80\x80"}, {"tool", "\xC3\xA9t\xC3\xA9"}, {"user", " \n "}};
  EXPECT_EQ(chat.apply(messages, false),
            "User: a  b<|eot_id|>Tool: \xC3\xA9t\xC3\xA9<|eot_id|>User: <|eot_id|>");
}

TEST(ChatTemplate, UnknownTemplateIsRefused) {
  const std::string chatml =
      "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
      "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}";
  expect_error_naming([&] { (void)ChatTemplate::recognize(chatml, "<s>"); },
                      {"unknown chat template", "<|im_start|>", "--no-chat-template"});
  try {
    (void)ChatTemplate::recognize(chatml, "<s>");
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kUnsupported);
  }
}

TinyBpe with_chat_tokens() {
  TinyBpe bpe;
  bpe.merges = {{"H", "i"}};
  bpe.added = {{"<|begin_of_text|>", true},
               {"<|eot_id|>", true},
               {"<|start_header_id|>", true},
               {"<|end_header_id|>", true}};
  bpe.bos = "<|begin_of_text|>";
  return bpe;
}

TEST(ChatTemplate, FromGgufMetadata) {
  const TinyBpe bpe = with_chat_tokens();
  GgufWriter writer = bpe.gguf();
  writer.set("tokenizer.chat_template", std::string(ChatTemplate::source(ChatFormat::kLlama3)));
  const Tokenizer tokenizer = TinyBpe::from_writer(writer);
  EXPECT_EQ(tokenizer.chat_template(), std::string(ChatTemplate::source(ChatFormat::kLlama3)));
  const std::vector<ChatMessage> user = {{"user", "Hi"}};
  const std::string prompt = tokenizer.apply_chat_template(user, true);
  EXPECT_EQ(prompt,
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  const int32_t start = bpe.id("<|start_header_id|>");
  const int32_t end = bpe.id("<|end_header_id|>");
  // encode_chat reads the special tokens and adds no second bos.
  EXPECT_EQ(tokenizer.encode_chat(user, true),
            (std::vector<int32_t>{bpe.id("<|begin_of_text|>"),
                                  start,
                                  'u',
                                  's',
                                  'e',
                                  'r',
                                  end,
                                  '\n',
                                  '\n',
                                  bpe.id("Hi"),
                                  bpe.id("<|eot_id|>"),
                                  start,
                                  'a',
                                  's',
                                  's',
                                  'i',
                                  's',
                                  't',
                                  'a',
                                  'n',
                                  't',
                                  end,
                                  '\n',
                                  '\n'}));
}

TEST(ChatTemplate, FromTokenizerConfig) {
  const TinyBpe bpe = with_chat_tokens();
  const std::string source(ChatTemplate::source(ChatFormat::kBitnet2B4T));
  const std::vector<ChatMessage> user = {{"user", "Hi"}};
  const nlohmann::json as_string = {{"bos_token", "<|begin_of_text|>"}, {"chat_template", source}};
  const Tokenizer plain = Tokenizer::from_hugging_face_json(bpe.json(), as_string.dump());
  EXPECT_EQ(plain.chat_template(), source);
  EXPECT_EQ(plain.apply_chat_template(user, true), "User: Hi<|eot_id|>Assistant: ");
  // Newer files list named templates; "default" is the chat template.
  const nlohmann::json as_list = {{"chat_template",
                                   {{{"name", "tool_use"}, {"template", "{{ tools }}"}},
                                    {{"name", "default"}, {"template", source}}}}};
  EXPECT_EQ(Tokenizer::from_hugging_face_json(bpe.json(), as_list.dump()).chat_template(), source);
  expect_error_naming(
      [&] { (void)Tokenizer::from_hugging_face_json(bpe.json(), R"({"chat_template": 5})", "t"); },
      {"t (tokenizer_config.json)", "chat_template is not a string or a list of templates"});
}

TEST(ChatTemplate, ModelWithoutOrWithAnUnknownTemplate) {
  const TinyBpe bpe = with_chat_tokens();
  const std::vector<ChatMessage> user = {{"user", "Hi"}};
  const Tokenizer none = bpe.from_json();
  EXPECT_FALSE(none.chat_template().has_value());
  expect_error_naming([&] { (void)none.apply_chat_template(user, true); },
                      {"no chat template", "--no-chat-template"});
  GgufWriter writer = bpe.gguf();
  writer.set("tokenizer.chat_template", std::string("{{ messages | tojson }}"));
  expect_error_naming([&] { (void)TinyBpe::from_writer(writer).apply_chat_template(user, true); },
                      {"unknown chat template '{{ messages | tojson }}'", "--no-chat-template"});
}

}  // namespace
}  // namespace bitnet::testing
