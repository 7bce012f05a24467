// Tokenizer::from_hugging_face: a tokenizer.json (the `tokenizers` library's serialization) whose
// pipeline is exactly the LLaMA-3 one (no normalizer, Split by the LLaMA-3 pattern then ByteLevel,
// BPE, ByteLevel decoding) or one of LLaMA-2's two forms (the legacy Prepend/Replace normalizer,
// or the Metaspace pre-tokenizer; BPE with byte fallback). Anything else is refused by name rather
// than tokenized differently.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "bitnet/tokenizer.h"
#include "core/raise.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/tokenizer_data.h"

namespace bitnet {
namespace {

using nlohmann::json;
using tokenizer_detail::ByteLevelBpeSpec;

std::string read_text_file(const std::string& path) {
  std::ifstream stream(path, std::ios::binary);
  if (!stream) raise(ErrorKind::kIo, "{}: cannot open", path);
  std::ostringstream text;
  text << stream.rdbuf();
  if (stream.bad()) raise(ErrorKind::kIo, "{}: read failed", path);
  return text.str();
}

json parse_json(std::string_view text, const std::string& name) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::exception& error) {
    raise(ErrorKind::kInvalidArgument, "{}: not valid JSON: {}", name, error.what());
  }
}

// The "type" of a component, for messages; "null" for none.
std::string type_of(const json& component) {
  if (component.is_null()) return "null";
  if (component.is_object() && component.contains("type") && component["type"].is_string()) {
    return component["type"].get<std::string>();
  }
  return component.dump();
}

bool is_false_or_missing(const json& object, const char* key) {
  return !object.contains(key) || object[key].is_null() || object[key] == false;
}

bool is_empty_or_missing(const json& object, const char* key) {
  return !object.contains(key) || object[key].is_null() || object[key] == "";
}

void check_pre_tokenizer(const json& pre, const std::string& name) {
  const auto unsupported = [&](const std::string& what) {
    raise(ErrorKind::kUnsupported,
          "{}: pre-tokenizer {} is not supported (supported: the LLaMA-3 Sequence of Split and "
          "ByteLevel)",
          name, what);
  };
  if (type_of(pre) != "Sequence") unsupported("'" + type_of(pre) + "'");
  const json& steps = pre.value("pretokenizers", json::array());
  if (steps.size() != 2) unsupported(fmt::format("Sequence of {} steps", steps.size()));
  const json& split = steps[0];
  if (type_of(split) != "Split") unsupported("'" + type_of(split) + "' as the first step");
  const json pattern = split.value("pattern", json::object());
  if (!pattern.contains("Regex") || pattern["Regex"] != tokenizer_detail::kLlama3SplitPattern) {
    unsupported("Split with pattern " + pattern.dump());
  }
  if (split.value("behavior", "") != "Isolated" || !is_false_or_missing(split, "invert")) {
    unsupported("Split with behavior '" + split.value("behavior", "") + "' and invert " +
                split.value("invert", json(false)).dump());
  }
  const json& byte_level = steps[1];
  if (type_of(byte_level) != "ByteLevel")
    unsupported("'" + type_of(byte_level) + "' as the second step");
  if (!is_false_or_missing(byte_level, "add_prefix_space") ||
      !is_false_or_missing(byte_level, "use_regex")) {
    unsupported("ByteLevel with add_prefix_space or use_regex set");
  }
}

void check_model(const json& model, const std::string& name) {
  if (!model.is_object()) raise(ErrorKind::kInvalidArgument, "{}: 'model' is missing", name);
  const std::string type = model.value("type", "BPE");
  if (type != "BPE") {
    raise(ErrorKind::kUnsupported, "{}: model type '{}' is not supported (supported: BPE)", name,
          type);
  }
  if (!model.contains("vocab") || !model["vocab"].is_object()) {
    raise(ErrorKind::kInvalidArgument, "{}: model 'vocab' is missing or not an object", name);
  }
  if (!model.contains("merges") || !model["merges"].is_array()) {
    raise(ErrorKind::kInvalidArgument, "{}: model 'merges' is missing or not an array", name);
  }
  if (model.contains("dropout") && !model["dropout"].is_null() && model["dropout"] != 0) {
    raise(ErrorKind::kUnsupported, "{}: BPE dropout {} is not supported", name,
          model["dropout"].dump());
  }
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (!is_empty_or_missing(model, key)) {
      raise(ErrorKind::kUnsupported, "{}: BPE {} {} is not supported", name, key,
            model[key].dump());
    }
  }
}

// The special tokens a post-processor puts before and after the text: a TemplateProcessing
// "single" template (possibly inside a Sequence, beside ByteLevel, which only adjusts offsets).
void read_post_processor(const json& processor, const std::string& name,
                         std::optional<std::string>& before, std::optional<std::string>& after,
                         int depth = 0) {
  const std::string type = type_of(processor);
  if (type == "null" || type == "ByteLevel") return;
  if (type == "Sequence") {
    // Real files nest one level; a bound keeps a hostile file from exhausting the stack.
    if (depth >= 4) {
      raise(ErrorKind::kUnsupported, "{}: post-processor Sequences nested deeper than 4", name);
    }
    for (const json& step : processor.value("processors", json::array())) {
      read_post_processor(step, name, before, after, depth + 1);
    }
    return;
  }
  if (type != "TemplateProcessing") {
    raise(ErrorKind::kUnsupported, "{}: post-processor '{}' is not supported", name, type);
  }
  bool seen_text = false;
  for (const json& piece : processor.value("single", json::array())) {
    if (piece.contains("Sequence")) {
      seen_text = true;
      continue;
    }
    if (!piece.contains("SpecialToken") || !piece["SpecialToken"].contains("id")) {
      raise(ErrorKind::kUnsupported, "{}: post-processor template piece {} is not supported", name,
            piece.dump());
    }
    std::optional<std::string>& slot = seen_text ? after : before;
    if (slot) {
      raise(ErrorKind::kUnsupported,
            "{}: post-processor template with more than one special token {} the text is not "
            "supported",
            name, seen_text ? "after" : "before");
    }
    slot = piece["SpecialToken"]["id"].get<std::string>();
  }
}

// A token named in tokenizer_config.json: a string or an object with "content".
std::optional<std::string> config_token(const json& config, const char* key) {
  if (!config.contains(key) || config[key].is_null()) return std::nullopt;
  const json& token = config[key];
  if (token.is_string()) return token.get<std::string>();
  if (token.is_object() && token.contains("content")) return token["content"].get<std::string>();
  return std::nullopt;
}

// Tokens by id from the model's vocabulary and the added tokens (which may extend it or mark
// tokens of it as special). Every id from 0 to the largest must be present exactly once.
template <typename Spec>
void read_tokens(const json& root, const std::string& name, Spec& spec) {
  const json& vocab = root["model"]["vocab"];
  const json added = root.value("added_tokens", json::array());
  size_t count = 0;
  const auto id_of = [&](const json& value, std::string_view token) {
    if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
        value.get<int64_t>() >= INT32_MAX) {
      raise(ErrorKind::kInvalidArgument, "{}: token '{}' has id {}, not an id from 0 to {}", name,
            token, value.dump(), INT32_MAX - 1);
    }
    return static_cast<size_t>(value.get<int64_t>());
  };
  for (const auto& [text, id] : vocab.items()) count = std::max(count, id_of(id, text) + 1);
  for (const json& token : added) {
    count = std::max(count, id_of(token.value("id", json()), token.value("content", "")) + 1);
  }
  if (count > vocab.size() + added.size()) {
    raise(ErrorKind::kInvalidArgument, "{}: token ids go up to {} but there are only {} tokens",
          name, count - 1, vocab.size() + added.size());
  }
  std::vector<bool> present(count, false);
  spec.tokens.assign(count, std::string());
  spec.kinds.assign(count, TokenKind::kNormal);
  for (const auto& [text, id_value] : vocab.items()) {
    const size_t id = id_of(id_value, text);
    if (present[id]) {
      raise(ErrorKind::kInvalidArgument, "{}: tokens '{}' and '{}' share id {}", name,
            spec.tokens[id], text, id);
    }
    present[id] = true;
    spec.tokens[id] = text;
  }
  for (const json& token : added) {
    const std::string content = token.value("content", "");
    for (const char* flag : {"single_word", "lstrip", "rstrip"}) {
      if (!is_false_or_missing(token, flag)) {
        raise(ErrorKind::kUnsupported, "{}: added token '{}' sets {}, which is not supported", name,
              content, flag);
      }
    }
    const size_t id = id_of(token.value("id", json()), content);
    if (present[id] && spec.tokens[id] != content) {
      raise(ErrorKind::kInvalidArgument, "{}: added token '{}' has id {}, which is the token '{}'",
            name, content, id, spec.tokens[id]);
    }
    present[id] = true;
    spec.tokens[id] = content;
    spec.kinds[id] = token.value("special", false) ? TokenKind::kControl : TokenKind::kUserDefined;
  }
  for (size_t id = 0; id < count; ++id) {
    if (!present[id]) raise(ErrorKind::kInvalidArgument, "{}: no token has id {}", name, id);
  }
}

template <typename Spec>
void read_merges(const json& merges, const std::string& name, Spec& spec) {
  spec.merges.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const json& merge = merges[rank];
    // Older files write "a b", newer ones ["a", "b"].
    if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
      spec.merges.emplace_back(merge[0].get<std::string>(), merge[1].get<std::string>());
      continue;
    }
    const size_t space =
        merge.is_string() ? merge.get_ref<const std::string&>().find(' ', 1) : std::string::npos;
    if (space == std::string::npos) {
      raise(ErrorKind::kInvalidArgument, "{}: merge {} {} is not two tokens", name, rank,
            merge.dump());
    }
    const std::string& text = merge.get_ref<const std::string&>();
    spec.merges.emplace_back(text.substr(0, space), text.substr(space + 1));
  }
}

template <typename Spec>
std::optional<int32_t> token_id(const Spec& spec, const std::optional<std::string>& text,
                                const std::string& name, std::string_view role) {
  if (!text) return std::nullopt;
  for (size_t id = 0; id < spec.tokens.size(); ++id) {
    if (spec.tokens[id] == *text) return static_cast<int32_t>(id);
  }
  raise(ErrorKind::kInvalidArgument, "{}: the {} token '{}' is not in the vocabulary", name, role,
        *text);
}

// chat_template: a string, or (newer files) a list of {"name", "template"} of which "default" is
// the chat template.
std::optional<std::string> config_chat_template(const json& config, const std::string& name) {
  const json field = config.value("chat_template", json());
  if (field.is_null()) return std::nullopt;
  if (field.is_string()) return field.get<std::string>();
  if (field.is_array()) {
    for (const json& entry : field) {
      if (entry.is_object() && entry.value("name", json()) == "default" &&
          entry.value("template", json()).is_string()) {
        return entry["template"].get<std::string>();
      }
    }
    return std::nullopt;
  }
  raise(ErrorKind::kInvalidArgument, "{}: chat_template is not a string or a list of templates",
        name);
}

// The special tokens, ids and flags both kinds of spec share: from the post-processor's template,
// the folder's tokenizer_config.json, and <|eot_id|> when there is one.
template <typename Spec>
void read_specials(const json& root, std::string_view config_json, const std::string& name,
                   Spec& spec) {
  std::optional<std::string> before;
  std::optional<std::string> after;
  read_post_processor(root.value("post_processor", json()), name, before, after);
  spec.bos = token_id(spec, before, name, "post-processor's first");
  spec.eos = token_id(spec, after, name, "post-processor's last");
  spec.add_bos = before.has_value();
  spec.add_eos = after.has_value();
  if (!config_json.empty()) {
    const std::string config_name = name + " (tokenizer_config.json)";
    const json config = parse_json(config_json, config_name);
    if (auto bos = token_id(spec, config_token(config, "bos_token"), config_name, "bos")) {
      spec.bos = bos;
    }
    if (auto eos = token_id(spec, config_token(config, "eos_token"), config_name, "eos")) {
      spec.eos = eos;
    }
    spec.pad = token_id(spec, config_token(config, "pad_token"), config_name, "pad");
    if (config.contains("add_bos_token") && config["add_bos_token"].is_boolean()) {
      spec.add_bos = config["add_bos_token"].get<bool>();
    }
    if (config.contains("add_eos_token") && config["add_eos_token"].is_boolean()) {
      spec.add_eos = config["add_eos_token"].get<bool>();
    }
    spec.chat_template = config_chat_template(config, config_name);
  }
  // LLaMA-3's end of turn, as llama.cpp finds it: the control token <|eot_id|>.
  for (size_t id = 0; id < spec.tokens.size(); ++id) {
    if (spec.tokens[id] == "<|eot_id|>" && spec.kinds[id] == TokenKind::kControl) {
      spec.eot = static_cast<int32_t>(id);
    }
  }
}

// LLaMA-2's tokenizer.json: Prepend('▁') and Replace(' ', '▁') as the normalizer.
bool is_sentence_piece_normalizer(const json& normalizer) {
  if (type_of(normalizer) != "Sequence") return false;
  const json steps = normalizer.value("normalizers", json::array());
  return steps.size() == 2 && type_of(steps[0]) == "Prepend" &&
         steps[0].value("prepend", "") == tokenizer_detail::kSpaceMarker &&
         type_of(steps[1]) == "Replace" &&
         steps[1].value("pattern", json()) == json{{"String", " "}} &&
         steps[1].value("content", "") == tokenizer_detail::kSpaceMarker;
}

// Its decoder: '▁' back to spaces, byte pieces to bytes, and (`strip`: where a '▁' was put in
// front) the first space dropped.
bool is_sentence_piece_decoder(const json& decoder, bool strip) {
  if (type_of(decoder) != "Sequence") return false;
  const json steps = decoder.value("decoders", json::array());
  if (steps.size() != (strip ? 4u : 3u)) return false;
  const bool replaces =
      type_of(steps[0]) == "Replace" &&
      steps[0].value("pattern", json()) == json{{"String", tokenizer_detail::kSpaceMarker}} &&
      steps[0].value("content", "") == " " && type_of(steps[1]) == "ByteFallback" &&
      type_of(steps[2]) == "Fuse";
  return replaces &&
         (!strip || (type_of(steps[3]) == "Strip" && steps[3].value("content", "") == " " &&
                     steps[3].value("start", 0) == 1 && steps[3].value("stop", 0) == 0));
}

// The Metaspace pre-tokenizer of transformers' non-legacy LLaMA conversion (no normalizer):
// spaces to '▁' and a '▁' in front by its prepend_scheme. Null when `pre` is not one.
std::optional<tokenizer_detail::SpacePrefix> metaspace_prefix(const json& pre,
                                                              const std::string& name) {
  if (type_of(pre) != "Metaspace") return std::nullopt;
  if (pre.value("replacement", "") != tokenizer_detail::kSpaceMarker) {
    raise(ErrorKind::kUnsupported, "{}: a Metaspace replacement other than '▁' is not supported",
          name);
  }
  if (pre.value("split", true)) {
    raise(ErrorKind::kUnsupported,
          "{}: Metaspace with split true is not supported (supported: split false, as "
          "transformers converts LLaMA tokenizers)",
          name);
  }
  const std::string scheme = pre.value("prepend_scheme", "always");
  if (scheme == "first") return tokenizer_detail::SpacePrefix::kFirstRunUnlessSpace;
  if (scheme == "always") return tokenizer_detail::SpacePrefix::kEveryRunUnlessSpace;
  if (scheme == "never") return tokenizer_detail::SpacePrefix::kNone;
  raise(ErrorKind::kUnsupported, "{}: Metaspace prepend_scheme '{}' is not supported", name,
        scheme);
}

// `space_prefix`: from the legacy normalizer or the Metaspace pre-tokenizer.
Tokenizer sentence_piece_from_json(const json& root, std::string_view config_json,
                                   const std::string& name,
                                   tokenizer_detail::SpacePrefix space_prefix) {
  const json decoder = root.value("decoder", json());
  if (!is_sentence_piece_decoder(decoder, space_prefix != tokenizer_detail::SpacePrefix::kNone)) {
    raise(ErrorKind::kUnsupported,
          "{}: decoder {} is not supported with SentencePiece pieces (supported: Replace '▁', "
          "ByteFallback, Fuse, and Strip of one leading space where a '▁' is put in front)",
          name, decoder.dump());
  }
  const json& model = root["model"];
  if (model.value("byte_fallback", false) != true) {
    raise(ErrorKind::kUnsupported,
          "{}: a SentencePiece BPE model without byte_fallback is not supported", name);
  }
  if (model.value("ignore_merges", false) != false) {
    raise(ErrorKind::kUnsupported, "{}: ignore_merges with SentencePiece BPE is not supported",
          name);
  }
  tokenizer_detail::SentencePieceSpec spec;
  spec.source = name;
  spec.space_prefix = space_prefix;
  read_tokens(root, name, spec);
  read_merges(model["merges"], name, spec);
  if (spec.merges.empty()) raise(ErrorKind::kInvalidArgument, "{}: the model has no merges", name);
  if (model.contains("unk_token") && model["unk_token"].is_string()) {
    spec.unknown = token_id(spec, model["unk_token"].get<std::string>(), name, "unknown");
  }
  read_specials(root, config_json, name, spec);
  return Tokenizer(tokenizer_detail::build_sentence_piece(std::move(spec)));
}

}  // namespace

namespace {

Tokenizer tokenizer_from_json(std::string_view tokenizer_json, std::string_view config_json,
                              const std::string& name) {
  const json root = parse_json(tokenizer_json, name);
  if (!root.is_object())
    raise(ErrorKind::kInvalidArgument, "{}: not a tokenizer.json object", name);
  check_model(root.value("model", json()), name);
  const json normalizer = root.value("normalizer", json());
  const json pre = root.value("pre_tokenizer", json());
  if (is_sentence_piece_normalizer(normalizer)) {
    if (!pre.is_null()) {
      raise(ErrorKind::kUnsupported,
            "{}: pre-tokenizer '{}' is not supported after the SentencePiece normalizer "
            "(supported: none)",
            name, type_of(pre));
    }
    return sentence_piece_from_json(root, config_json, name,
                                    tokenizer_detail::SpacePrefix::kEveryRun);
  }
  if (normalizer.is_null()) {
    if (const auto prefix = metaspace_prefix(pre, name))
      return sentence_piece_from_json(root, config_json, name, *prefix);
  }
  if (!normalizer.is_null()) {
    raise(ErrorKind::kUnsupported,
          "{}: normalizer '{}' is not supported (supported: none, or LLaMA-2's Prepend and Replace "
          "of '▁')",
          name, type_of(normalizer));
  }
  check_pre_tokenizer(pre, name);
  const json decoder = root.value("decoder", json());
  if (type_of(decoder) != "ByteLevel") {
    raise(ErrorKind::kUnsupported, "{}: decoder '{}' is not supported (supported: ByteLevel)", name,
          type_of(decoder));
  }
  if (!is_false_or_missing(root["model"], "byte_fallback")) {
    raise(ErrorKind::kUnsupported,
          "{}: BPE byte_fallback is not supported with a ByteLevel pre-tokenizer", name);
  }

  ByteLevelBpeSpec spec;
  spec.source = name;
  read_tokens(root, name, spec);
  read_merges(root["model"]["merges"], name, spec);
  spec.ignore_merges = root["model"].value("ignore_merges", false);
  read_specials(root, config_json, name, spec);
  return Tokenizer(tokenizer_detail::build_byte_level_bpe(std::move(spec)));
}

}  // namespace

Tokenizer Tokenizer::from_hugging_face_json(std::string_view tokenizer_json,
                                            std::string_view config_json, std::string name) {
  try {
    return tokenizer_from_json(tokenizer_json, config_json, name);
  } catch (const json::exception& error) {
    // A field of an unexpected JSON type (a number where a string belongs, an array for an
    // object) surfaces from the JSON library's accessors; it is the file's fault like any other.
    raise(ErrorKind::kInvalidArgument, "{}: unexpected JSON: {}", name, error.what());
  }
}

Tokenizer Tokenizer::from_hugging_face(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  const bool folder = fs::is_directory(path, error);
  const std::string file = folder ? (fs::path(path) / "tokenizer.json").string() : path;
  if (folder && !fs::exists(file, error)) {
    raise(ErrorKind::kIo, "{}: the folder has no tokenizer.json", path);
  }
  const fs::path config = fs::path(file).parent_path() / "tokenizer_config.json";
  const std::string config_text = fs::exists(config, error) ? read_text_file(config.string()) : "";
  return from_hugging_face_json(read_text_file(file), config_text, file);
}

}  // namespace bitnet
