// ModelConfig from a Hugging Face config.json, and the consistency checks every loader runs.
#include <nlohmann/json.hpp>

#include "bitnet/model.h"
#include "core/raise.h"

namespace bitnet {
namespace {

using Json = nlohmann::json;

const Json& required(const Json& object, const char* key, const std::string& source) {
  const auto found = object.find(key);
  if (found == object.end() || found->is_null()) {
    raise(ErrorKind::kInvalidArgument, "{}: config key '{}' is missing", source, key);
  }
  return *found;
}

int64_t integer(const Json& object, const char* key, const std::string& source) {
  const Json& value = required(object, key, source);
  if (!value.is_number_integer()) {
    raise(ErrorKind::kInvalidArgument, "{}: config key '{}' must be an integer, got {}", source,
          key, value.dump());
  }
  return value.get<int64_t>();
}

double number(const Json& value, const char* key, const std::string& source) {
  if (!value.is_number()) {
    raise(ErrorKind::kInvalidArgument, "{}: config key '{}' must be a number, got {}", source, key,
          value.dump());
  }
  return value.get<double>();
}

FfnActivation activation_from_name(const std::string& name, const std::string& source) {
  if (const auto activation = ffn_activation_from_name(name)) return *activation;
  raise(ErrorKind::kUnsupported, "{}: hidden_act '{}' is not supported (supported: relu2, silu)",
        source, name);
}

}  // namespace

std::string_view ffn_activation_name(FfnActivation activation) noexcept {
  return activation == FfnActivation::kRelu2 ? "relu2" : "silu";
}

std::optional<FfnActivation> ffn_activation_from_name(std::string_view name) noexcept {
  if (name == "relu2") return FfnActivation::kRelu2;
  if (name == "silu" || name == "swish") return FfnActivation::kSilu;
  return std::nullopt;
}

ModelConfig ModelConfig::from_hugging_face_json(const std::string& json_text,
                                                const std::string& source_name) {
  Json root;
  try {
    root = Json::parse(json_text);
  } catch (const Json::exception& error) {
    raise(ErrorKind::kInvalidArgument, "{}: not valid JSON: {}", source_name, error.what());
  }
  if (!root.is_object()) {
    raise(ErrorKind::kInvalidArgument, "{}: the config must be a JSON object", source_name);
  }
  ModelConfig config;
  const Json& architectures = required(root, "architectures", source_name);
  if (!architectures.is_array() || architectures.empty() || !architectures[0].is_string()) {
    raise(ErrorKind::kInvalidArgument, "{}: 'architectures' must be a list of names, got {}",
          source_name, architectures.dump());
  }
  config.architecture = architectures[0].get<std::string>();
  if (config.architecture != "BitNetForCausalLM") {
    raise(ErrorKind::kUnsupported,
          "{}: architecture '{}' is not supported (supported: BitNetForCausalLM)", source_name,
          config.architecture);
  }
  config.vocab_size = integer(root, "vocab_size", source_name);
  config.hidden_size = integer(root, "hidden_size", source_name);
  config.intermediate_size = integer(root, "intermediate_size", source_name);
  config.num_layers = integer(root, "num_hidden_layers", source_name);
  config.num_heads = integer(root, "num_attention_heads", source_name);
  config.num_kv_heads =
      root.contains("num_key_value_heads") && !root["num_key_value_heads"].is_null()
          ? integer(root, "num_key_value_heads", source_name)
          : config.num_heads;
  config.head_dim = root.contains("head_dim") && !root["head_dim"].is_null()
                        ? integer(root, "head_dim", source_name)
                        : (config.num_heads > 0 ? config.hidden_size / config.num_heads : 0);
  config.max_position_embeddings = integer(root, "max_position_embeddings", source_name);
  config.rms_norm_eps =
      number(required(root, "rms_norm_eps", source_name), "rms_norm_eps", source_name);
  // transformers 4.x writes rope_theta at the top level, 5.x inside rope_parameters.
  if (root.contains("rope_theta") && !root["rope_theta"].is_null()) {
    config.rope_theta = number(root["rope_theta"], "rope_theta", source_name);
  } else if (root.contains("rope_parameters") && root["rope_parameters"].is_object()) {
    const Json& parameters = root["rope_parameters"];
    const std::string type = parameters.value("rope_type", std::string("default"));
    if (type != "default") {
      raise(ErrorKind::kUnsupported,
            "{}: rope_parameters.rope_type '{}' is not supported (supported: default)", source_name,
            type);
    }
    config.rope_theta = number(required(parameters, "rope_theta", source_name),
                               "rope_parameters.rope_theta", source_name);
  } else {
    raise(ErrorKind::kInvalidArgument,
          "{}: config key 'rope_theta' is missing (neither at the top level nor in "
          "rope_parameters)",
          source_name);
  }
  const Json& act = required(root, "hidden_act", source_name);
  if (!act.is_string()) {
    raise(ErrorKind::kInvalidArgument, "{}: config key 'hidden_act' must be a string, got {}",
          source_name, act.dump());
  }
  config.activation = activation_from_name(act.get<std::string>(), source_name);
  config.tied_embeddings = root.value("tie_word_embeddings", true);
  config.validate(source_name);
  return config;
}

void ModelConfig::validate(const std::string& source_name) const {
  const std::pair<const char*, int64_t> positives[] = {
      {"vocab_size", vocab_size},
      {"hidden_size", hidden_size},
      {"intermediate_size", intermediate_size},
      {"num_hidden_layers", num_layers},
      {"num_attention_heads", num_heads},
      {"num_key_value_heads", num_kv_heads},
      {"head_dim", head_dim},
      {"max_position_embeddings", max_position_embeddings}};
  for (const auto& [key, value] : positives) {
    if (value <= 0) {
      raise(ErrorKind::kInvalidArgument, "{}: {} must be positive, got {}", source_name, key,
            value);
    }
  }
  if (num_heads % num_kv_heads != 0) {
    raise(ErrorKind::kInvalidArgument,
          "{}: num_attention_heads {} is not a multiple of num_key_value_heads {}", source_name,
          num_heads, num_kv_heads);
  }
  if (head_dim % 2 != 0) {
    raise(ErrorKind::kInvalidArgument, "{}: head_dim {} must be even for rotary embeddings",
          source_name, head_dim);
  }
  if (!(rms_norm_eps > 0) || !(rope_theta > 0)) {
    raise(ErrorKind::kInvalidArgument, "{}: rms_norm_eps ({}) and rope_theta ({}) must be positive",
          source_name, rms_norm_eps, rope_theta);
  }
}

}  // namespace bitnet
