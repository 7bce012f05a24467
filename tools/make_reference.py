#!/usr/bin/env python3
"""Writes tests/data/hf_bitnet_tiny/: two tiny random BitNet b1.58 checkpoints run through Hugging
Face transformers' BitNetForCausalLM, with the logits and greedy tokens it computes, as a reference
for bitnet-core's CPU model runtime.

Needs torch and transformers >= 5 (the GPU machine has both; nothing is downloaded):

    python3 tools/make_reference.py OUT_DIR        # writes OUT_DIR/online/ and OUT_DIR/packed/

Each variant folder holds config.json, model.safetensors and reference.json (no tokenizer).

  online   bf16 float weights; config.json's quantization_config selects transformers'
           AutoBitLinear in online mode: each forward ternarizes every projection's weight by its
           per-tensor absmean and quantizes the projection's input to int8 per token (absmax).
  packed   the microsoft/bitnet-b1.58-2B-4T layout: every projection weight is u8 [out/4, in]
           (transformers' pack_weights, 4 trits a byte) with a bf16 weight_scale [1] beside it,
           quantization_config linear_class "bitlinear", mode "offline". The trits come from the
           same float weights as `online` (absmean per tensor), so the two variants differ only by
           the bf16 rounding of the stored scale.

Both share one architecture (2 layers, hidden 128, intermediate 352, 4 heads of 32, 2 KV heads,
vocab 512, relu2, tied embeddings, RoPE theta 10000) and one set of float weights drawn from a
fixed seed. The reference is computed on the CPU in float32 with eager attention, one thread, and
torch.compile switched off (TORCHDYNAMO_DISABLE=1: transformers' @torch.compile quantizers then run
their Python formulas as written).

Beside transformers' own numbers, the script checks, and fails when a check fails:
  - online: quantization is really applied (logits differ from the same model unquantized);
  - packed: what weight_scale means to transformers' BitLinear (probed on one layer);
  - a plain-torch forward written here from the BitNet equations matches transformers;
  - reloading the saved folder (and transformers' own save_pretrained round trip) gives
    identical logits;
  - greedy decoding with and without the KV cache, and an argmax loop over full forwards, give
    the same tokens.
"""
import argparse
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import traceback

# Before torch is imported: transformers' BitNet quantizers are decorated with @torch.compile;
# with dynamo off they run eagerly (same formulas, no C++ toolchain, no recompiles per shape).
if "--allow-compile" not in sys.argv:
    os.environ["TORCHDYNAMO_DISABLE"] = "1"

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import safetensors  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402
import transformers  # noqa: E402
from transformers import BitNetConfig, BitNetForCausalLM, GenerationConfig  # noqa: E402
from transformers.integrations import bitnet as hf_bitnet  # noqa: E402
from transformers.utils.quantization_config import BitNetQuantConfig  # noqa: E402

SEED = 20251204
WEIGHT_STD = 0.05
ARCH = dict(
    vocab_size=512,
    hidden_size=128,
    intermediate_size=352,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    hidden_act="relu2",
    max_position_embeddings=256,
    rms_norm_eps=1e-5,
    tie_word_embeddings=True,
    attention_bias=False,
    initializer_range=WEIGHT_STD,
    use_cache=True,
    bos_token_id=None,
    eos_token_id=None,
    pad_token_id=None,
)
ROPE_THETA = 10000.0
HEAD_DIM = 32
PROMPT = [1, 17, 255, 42, 511, 0, 128, 300, 7, 64, 99, 400]
SINGLE = [300]
NEW_TOKENS = 16
PROJECTIONS = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
               "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")
LOAD_KWARGS = dict(dtype=torch.float32, attn_implementation="eager")
LOAD_CALL = ("BitNetForCausalLM.from_pretrained(folder, dtype=torch.float32, "
             "attn_implementation='eager')")


def log(*args):
    print(*args, flush=True)


# ---------------------------------------------------------------------------------------------
# Model construction


def make_config():
    import inspect

    kwargs = dict(ARCH)
    params = inspect.signature(BitNetConfig.__init__).parameters
    if "rope_parameters" in params:  # transformers 5: RoPE settings live in one dict
        kwargs["rope_parameters"] = {"rope_type": "default", "rope_theta": ROPE_THETA}
    else:
        kwargs["rope_theta"] = ROPE_THETA
    config = BitNetConfig(attn_implementation="eager", **kwargs)
    return config


def rope_description(config):
    rope = getattr(config, "rope_parameters", None)
    if rope is not None:
        return {"rope_parameters": dict(rope)}
    return {"rope_theta": config.rope_theta, "rope_scaling": getattr(config, "rope_scaling", None)}


def make_float_model(config):
    """The unquantized model with our weights: linears and embedding N(0, WEIGHT_STD), norm
    weights U(0.8, 1.2) (not all ones, so a missed norm weight shows), all rounded to bf16 so the
    bf16 checkpoint holds them exactly."""
    torch.manual_seed(SEED)
    model = BitNetForCausalLM(config).to(torch.float32).eval()
    generator = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for name, param in model.named_parameters():  # tied lm_head appears once, as embed
            if name.endswith("norm.weight"):
                value = 0.8 + 0.4 * torch.rand(param.shape, generator=generator)
            else:
                value = WEIGHT_STD * torch.randn(param.shape, generator=generator)
            param.copy_(value.to(torch.bfloat16).to(torch.float32))
    assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr(), \
        "lm_head is not tied to embed_tokens"
    return model


def check_architecture(model):
    attn = model.model.layers[0].self_attn
    assert attn.head_dim == HEAD_DIM, attn.head_dim
    assert abs(attn.scaling - HEAD_DIM ** -0.5) < 1e-12, attn.scaling
    assert model.config._attn_implementation == "eager", model.config._attn_implementation
    rotary = model.model.rotary_emb
    expected = 1.0 / (ROPE_THETA ** (torch.arange(0, HEAD_DIM, 2, dtype=torch.float32) / HEAD_DIM))
    assert torch.allclose(rotary.inv_freq.float().cpu(), expected, rtol=1e-6, atol=0), \
        "RoPE inverse frequencies are not theta=10000 over head_dim 32"
    assert float(getattr(rotary, "attention_scaling", 1.0)) == 1.0


def float_state(model):
    return {name: tensor.detach().clone().float() for name, tensor in model.state_dict().items()}


def linear_names(num_layers):
    return [f"model.layers.{layer}.{proj}" for layer in range(num_layers) for proj in PROJECTIONS]


# ---------------------------------------------------------------------------------------------
# Ternary weights, packing and the meaning of weight_scale


def absmean_ternarize(weight):
    """Per-tensor absmean ternarization, as transformers' WeightQuant does it in float32:
    s = 1 / max(mean|W|, 1e-5); trits = clamp(round(W * s), -1, 1); W ~ trits / s."""
    weight = weight.float()
    inv_scale = 1.0 / weight.abs().mean().clamp(min=1e-5)
    trits = (weight * inv_scale).round().clamp(-1, 1).to(torch.int8)
    return trits, inv_scale


def pack_rule(trits):
    """The pack_weights layout, written out: byte [r, c] holds trit [i * rows + r, c] + 1 in bits
    2i..2i+1 (i = 0..3), rows = out / 4."""
    rows = trits.shape[0] // 4
    codes = (trits.to(torch.int16) + 1).to(torch.uint8)
    packed = torch.zeros((rows, trits.shape[1]), dtype=torch.uint8)
    for i in range(4):
        packed |= codes[i * rows:(i + 1) * rows] << (2 * i)
    return packed


def unpack_rule(packed):
    rows = packed.shape[0]
    parts = [((packed >> (2 * i)) & 3).to(torch.int8) - 1 for i in range(4)]
    trits = torch.cat(parts, dim=0)
    assert trits.shape[0] == 4 * rows
    return trits


def act_quant_int(x):
    """Per-token (last axis) absmax int8: scale = 127 / max(max|x|, 1e-5), q = clamp(round(x * scale),
    -128, 127). torch.round rounds halves to even."""
    scale = 127.0 / x.abs().amax(dim=-1, keepdim=True).clamp(min=1e-5)
    return (x * scale).round().clamp(-128, 127), scale


def probe_weight_scale_semantics():
    """Runs transformers' BitLinear (and AutoBitLinear offline, if it builds) on one small layer
    with weight_scale = 4 and says whether the output is divided or multiplied by it."""
    generator = torch.Generator().manual_seed(SEED + 1)
    out_features, in_features = 8, 16
    trits = torch.randint(-1, 2, (out_features, in_features), generator=generator).to(torch.int8)
    x = torch.randn(3, in_features, generator=generator)
    q, x_scale = act_quant_int(x)
    base = (q @ trits.float().T) / x_scale
    results = {}

    layer = hf_bitnet.BitLinear(in_features, out_features, bias=False, dtype=torch.float32)
    with torch.no_grad():
        layer.weight.copy_(hf_bitnet.pack_weights(trits.clone()))
        layer.weight_scale.fill_(4.0)
        y = layer(x)
    if torch.allclose(y, base / 4.0, rtol=1e-5, atol=1e-6):
        results["bitlinear"] = "divide"
    elif torch.allclose(y, base * 4.0, rtol=1e-5, atol=1e-6):
        results["bitlinear"] = "multiply"
    else:
        raise AssertionError("BitLinear output is neither x W / weight_scale nor x W * weight_scale")

    try:
        auto = hf_bitnet.AutoBitLinear(in_features, out_features, bias=False, dtype=torch.float32,
                                       online_quant=False)
        with torch.no_grad():
            auto.weight.copy_(trits.float())
            auto.weight_scale.fill_(4.0)
            y = auto(x)
        if torch.allclose(y, base / 4.0, rtol=1e-5, atol=1e-6):
            results["autobitlinear_offline"] = "divide"
        elif torch.allclose(y, base * 4.0, rtol=1e-5, atol=1e-6):
            results["autobitlinear_offline"] = "multiply"
        else:
            results["autobitlinear_offline"] = "neither"
    except Exception as error:  # not needed for the fixture; recorded only
        results["autobitlinear_offline"] = f"not probed: {type(error).__name__}: {error}"
    return results


# ---------------------------------------------------------------------------------------------
# A plain-torch BitNet forward, from the equations (checks our reading of transformers)


def rms_norm(x, weight, eps):
    x = x.float()
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def online_linear(weights):
    def apply(prefix, x):
        trits, inv_scale = absmean_ternarize(weights[prefix + ".weight"])
        q, x_scale = act_quant_int(x)
        return F.linear(q / x_scale, trits.float() / inv_scale)
    return apply


def packed_linear(tensors, semantics):
    def apply(prefix, x):
        trits = unpack_rule(tensors[prefix + ".weight"]).float()
        weight_scale = tensors[prefix + ".weight_scale"].float()
        q, x_scale = act_quant_int(x)
        acc = F.linear(q, trits)  # exact: integer sums well inside float32's 24 bits
        if semantics == "divide":
            return acc / (x_scale * weight_scale)
        return acc * weight_scale / x_scale
    return apply


def manual_forward(weights, linear, ids, config):
    eps = config.rms_norm_eps
    heads, kv_heads = config.num_attention_heads, config.num_key_value_heads
    count = len(ids)
    embed = weights["model.embed_tokens.weight"].float()
    h = embed[torch.tensor(ids)]
    inv_freq = 1.0 / (ROPE_THETA ** (torch.arange(0, HEAD_DIM, 2, dtype=torch.float32) / HEAD_DIM))
    angles = torch.arange(count, dtype=torch.float32)[:, None] * inv_freq[None, :]
    angles = torch.cat((angles, angles), dim=-1)
    cos, sin = angles.cos(), angles.sin()
    causal = torch.ones(count, count, dtype=torch.bool).triu(1)
    for layer in range(config.num_hidden_layers):
        p = f"model.layers.{layer}."
        x = rms_norm(h, weights[p + "input_layernorm.weight"], eps)
        q = linear(p + "self_attn.q_proj", x).view(count, heads, HEAD_DIM).transpose(0, 1)
        k = linear(p + "self_attn.k_proj", x).view(count, kv_heads, HEAD_DIM).transpose(0, 1)
        v = linear(p + "self_attn.v_proj", x).view(count, kv_heads, HEAD_DIM).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(heads // kv_heads, dim=0)  # query head j reads KV head j // 2
        v = v.repeat_interleave(heads // kv_heads, dim=0)
        scores = (q @ k.transpose(1, 2)) * HEAD_DIM ** -0.5
        scores = scores.masked_fill(causal, float("-inf"))
        attn = torch.softmax(scores, dim=-1) @ v
        attn = attn.transpose(0, 1).reshape(count, heads * HEAD_DIM)
        attn = rms_norm(attn, weights[p + "self_attn.attn_sub_norm.weight"], eps)
        h = h + linear(p + "self_attn.o_proj", attn)
        x = rms_norm(h, weights[p + "post_attention_layernorm.weight"], eps)
        gate = linear(p + "mlp.gate_proj", x)
        up = linear(p + "mlp.up_proj", x)
        mid = rms_norm(F.relu(gate).square() * up, weights[p + "mlp.ffn_sub_norm.weight"], eps)
        h = h + linear(p + "mlp.down_proj", mid)
    h = rms_norm(h, weights["model.norm.weight"], eps)
    return h @ embed.T  # lm_head: the tied embedding, never quantized


# ---------------------------------------------------------------------------------------------
# Running transformers


def logits_of(model, ids):
    with torch.no_grad():
        out = model(input_ids=torch.tensor([ids]), use_cache=False)
    return out.logits[0].float().clone()


def greedy(model, ids, use_cache):
    config = GenerationConfig(max_new_tokens=NEW_TOKENS, do_sample=False, num_beams=1,
                              use_cache=use_cache, bos_token_id=None, eos_token_id=None,
                              pad_token_id=None)
    input_ids = torch.tensor([ids])
    with torch.no_grad():
        out = model.generate(input_ids=input_ids, attention_mask=torch.ones_like(input_ids),
                             generation_config=config)
    tokens = out[0, len(ids):].tolist()
    assert len(tokens) == NEW_TOKENS, tokens
    return tokens


def argmax_loop(model, ids):
    """Greedy by hand: a full forward over the whole sequence for every new token."""
    sequence, tokens, margins = list(ids), [], []
    for _ in range(NEW_TOKENS):
        row = logits_of(model, sequence)[-1]
        top = torch.topk(row, 2)
        tokens.append(int(top.indices[0]))
        margins.append(float(top.values[0] - top.values[1]))
        sequence.append(tokens[-1])
    return tokens, margins


def load(folder):
    return BitNetForCausalLM.from_pretrained(folder, **LOAD_KWARGS).eval()


def check_modules(model, expected_class, online):
    names = set(linear_names(model.config.num_hidden_layers))
    seen = 0
    for name, module in model.named_modules():
        if name in names:
            assert type(module).__name__ == expected_class, (name, type(module).__name__)
            if expected_class == "AutoBitLinear":
                assert bool(module.online_quant) == online, (name, module.online_quant)
            seen += 1
    assert seen == len(names), (seen, len(names))
    assert type(model.lm_head) is torch.nn.Linear, type(model.lm_head)
    assert torch.equal(model.lm_head.weight, model.model.embed_tokens.weight), "lm_head untied"


def max_diff(a, b):
    return float((a - b).abs().max())


def patch_config(folder, quantization_config, dtype_name):
    path = os.path.join(folder, "config.json")
    with open(path) as handle:
        config = json.load(handle)
    config["quantization_config"] = quantization_config
    for key in ("dtype", "torch_dtype"):
        if key in config:
            config[key] = dtype_name
    with open(path, "w") as handle:
        json.dump(config, handle, indent=2, sort_keys=True)
        handle.write("\n")
    return config


def keep_only(folder, names):
    for entry in os.listdir(folder):
        if entry not in names:
            path = os.path.join(folder, entry)
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)


def roundtrip_identical(model, cases):
    """transformers' own save_pretrained of the loaded quantized model, reloaded."""
    with tempfile.TemporaryDirectory() as folder:
        model.save_pretrained(folder)
        with open(os.path.join(folder, "config.json")) as handle:
            saved = json.load(handle)
        assert "quantization_config" in saved, "save_pretrained dropped quantization_config"
        again = load(folder)
        return all(torch.equal(logits_of(again, ids), logits) for ids, logits in cases), \
            saved["quantization_config"]


# ---------------------------------------------------------------------------------------------
# reference.json


def fmt_row(row):
    # %.9g round-trips float32; float() of that text prints no more digits than it has.
    return "[" + ", ".join(repr(float("%.9g" % value)) for value in row.tolist()) + "]"


def write_reference(path, meta, cases):
    placeholders = {}
    for case_index, case in enumerate(cases):
        rows = []
        for row_index, row in enumerate(case.pop("logits_tensor")):
            key = f"@@ROW{case_index}_{row_index}@@"
            placeholders[key] = fmt_row(row)
            rows.append(key)
        case["logits"] = rows
    meta["cases"] = cases
    text = json.dumps(meta, indent=1)
    for key, row in placeholders.items():
        text = text.replace(f'"{key}"', row)
    with open(path, "w") as handle:
        handle.write(text + "\n")
    json.loads(text)  # still valid JSON


def reference_common(model, variant_checks):
    config = model.config
    return {
        "made_by": "python3 tools/make_reference.py OUT_DIR",
        "versions": {
            "transformers": transformers.__version__,
            "torch": torch.__version__,
            "safetensors": safetensors.__version__,
            "python": platform.python_version(),
        },
        "compute": {
            "device": "cpu",
            "dtype": "float32",
            "attn_implementation": config._attn_implementation,
            "torch_threads": torch.get_num_threads(),
            "torch_compile": "off (TORCHDYNAMO_DISABLE=1)" if os.environ.get(
                "TORCHDYNAMO_DISABLE") == "1" else "on",
            "load": LOAD_CALL,
        },
        "seed": SEED,
        "weights": f"linears and embedding N(0, {WEIGHT_STD}), norm weights U(0.8, 1.2), "
                   "rounded to bf16",
        "architecture": {
            "vocab_size": config.vocab_size,
            "hidden_size": config.hidden_size,
            "intermediate_size": config.intermediate_size,
            "num_hidden_layers": config.num_hidden_layers,
            "num_attention_heads": config.num_attention_heads,
            "num_key_value_heads": config.num_key_value_heads,
            "head_dim": HEAD_DIM,
            "max_position_embeddings": config.max_position_embeddings,
            "rms_norm_eps": config.rms_norm_eps,
            "hidden_act": config.hidden_act,
            "tie_word_embeddings": config.tie_word_embeddings,
            **rope_description(config),
        },
        "checks": variant_checks,
    }


def run_cases(model):
    return [(PROMPT, logits_of(model, PROMPT)), (SINGLE, logits_of(model, SINGLE))]


def greedy_record(model):
    cached = greedy(model, PROMPT, use_cache=True)
    uncached = greedy(model, PROMPT, use_cache=False)
    looped, margins = argmax_loop(model, PROMPT)
    assert cached == uncached, ("use_cache changes greedy tokens", cached, uncached)
    assert cached == looped, ("generate differs from the argmax loop", cached, looped)
    return {
        "input_ids": PROMPT,
        "max_new_tokens": NEW_TOKENS,
        "tokens": cached,
        "use_cache": True,
        "same_with_use_cache_false": cached == uncached,
        "same_as_argmax_over_full_forwards": cached == looped,
        "top1_minus_top2_logit": [float("%.6g" % m) for m in margins],
    }


def case_records(cases):
    names = ["prompt12", "single"]
    return [{"name": name, "input_ids": ids, "logits_tensor": logits}
            for name, (ids, logits) in zip(names, cases)]


# ---------------------------------------------------------------------------------------------


def make_online(out, float_model, float_logits):
    folder = os.path.join(out, "online")
    os.makedirs(folder, exist_ok=True)
    float_model.to(torch.bfloat16).save_pretrained(folder)
    float_model.to(torch.float32)
    keep_only(folder, {"config.json", "model.safetensors"})
    quant = BitNetQuantConfig(linear_class="autobitlinear", quantization_mode="online").to_dict()
    patch_config(folder, quant, "bfloat16")

    model = load(folder)
    check_modules(model, "AutoBitLinear", online=True)
    check_architecture(model)
    cases = run_cases(model)
    diff_float = max_diff(cases[0][1], float_logits)
    log(f"online: max |quantized - unquantized| logits = {diff_float:.4g}")
    assert diff_float > 1e-3, "online quantization changed nothing: it is not applied"

    weights = {k: v.float() for k, v in load_file(os.path.join(folder, "model.safetensors")).items()}
    manual = manual_forward(weights, online_linear(weights), PROMPT, model.config)
    diff_manual = max_diff(manual, cases[0][1])
    log(f"online: max |plain-torch forward - transformers| = {diff_manual:.4g}")
    assert diff_manual < 1e-2, "our reading of the online forward disagrees with transformers"

    again = load(folder)
    reload_same = all(torch.equal(logits_of(again, ids), logits) for ids, logits in cases)
    assert reload_same, "reloading the folder changed the logits"
    roundtrip_same, saved_quant = roundtrip_identical(model, cases)
    assert roundtrip_same, "save_pretrained + from_pretrained changed the logits"

    checks = {
        "modules": "q/k/v/o/gate/up/down are AutoBitLinear(online_quant=True); lm_head is "
                   "nn.Linear tied to embed_tokens",
        "max_abs_diff_vs_unquantized_model": diff_float,
        "max_abs_diff_plain_torch_forward": diff_manual,
        "reload_identical": reload_same,
        "save_pretrained_roundtrip_identical": roundtrip_same,
        "save_pretrained_quantization_config": saved_quant,
    }
    meta = reference_common(model, checks)
    meta["variant"] = "online"
    meta["quantization"] = {
        "config": quant,
        "weights": "per tensor, every forward: s = 1 / max(mean|W|, 1e-5); "
                   "W_q = clamp(round(W * s), -1, 1) / s",
        "activations": "input of every projection, per token: a = 127 / max(max|x|, 1e-5); "
                       "x_q = clamp(round(x * a), -128, 127) / a (round half to even)",
        "output": "y = x_q @ W_q^T; lm_head and embeddings are not quantized",
    }
    meta["greedy"] = greedy_record(model)
    write_reference(os.path.join(folder, "reference.json"), meta, case_records(cases))
    return cases


def make_packed(out, float_model, online_cases, semantics):
    folder = os.path.join(out, "packed")
    os.makedirs(folder, exist_ok=True)
    state = float_state(float_model)
    tensors = {}
    for name, tensor in state.items():
        if name == "lm_head.weight":
            continue  # tied: the checkpoint holds only the embedding
        tensors[name] = tensor.to(torch.bfloat16).contiguous()
    for prefix in linear_names(float_model.config.num_hidden_layers):
        trits, inv_scale = absmean_ternarize(state[prefix + ".weight"])
        packed = hf_bitnet.pack_weights(trits.clone())
        assert torch.equal(packed, pack_rule(trits)), f"{prefix}: pack_weights layout changed"
        assert torch.equal(unpack_rule(packed), trits), f"{prefix}: unpack rule"
        scale = inv_scale if semantics == "divide" else 1.0 / inv_scale
        tensors[prefix + ".weight"] = packed.contiguous()
        tensors[prefix + ".weight_scale"] = scale.reshape(1).to(torch.bfloat16)
    save_file(tensors, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
    float_model.config.save_pretrained(folder)
    keep_only(folder, {"config.json", "model.safetensors"})
    quant = BitNetQuantConfig(linear_class="bitlinear", quantization_mode="offline").to_dict()
    patch_config(folder, quant, "bfloat16")

    model = load(folder)
    check_modules(model, "BitLinear", online=False)
    check_architecture(model)
    for prefix in linear_names(model.config.num_hidden_layers):
        module = model.get_submodule(prefix)
        assert torch.equal(module.weight.cpu(), tensors[prefix + ".weight"]), prefix
        assert float(module.weight_scale) == float(tensors[prefix + ".weight_scale"]), prefix
    cases = run_cases(model)

    stored = load_file(os.path.join(folder, "model.safetensors"))
    weights = {k: (v if v.dtype == torch.uint8 else v.float()) for k, v in stored.items()}
    manual = manual_forward(weights, packed_linear(weights, semantics), PROMPT, model.config)
    diff_manual = max_diff(manual, cases[0][1])
    log(f"packed: max |plain-torch forward - transformers| = {diff_manual:.4g}")
    assert diff_manual < 1e-2, "our reading of the packed forward disagrees with transformers"
    diff_online = None
    if online_cases is not None:
        diff_online = max_diff(cases[0][1], online_cases[0][1])
        log(f"packed: max |packed - online| logits = {diff_online:.4g} (bf16 weight_scale only)")
        assert diff_online < 0.05 * float(online_cases[0][1].abs().max()), \
            "packed and online disagree by more than the bf16 scale rounding explains"

    again = load(folder)
    reload_same = all(torch.equal(logits_of(again, ids), logits) for ids, logits in cases)
    assert reload_same, "reloading the folder changed the logits"
    roundtrip_same, saved_quant = roundtrip_identical(model, cases)
    assert roundtrip_same, "save_pretrained + from_pretrained changed the logits"

    checks = {
        "modules": "q/k/v/o/gate/up/down are BitLinear (u8 weight, weight_scale buffers); "
                   "lm_head is nn.Linear tied to embed_tokens",
        "loaded_buffers_equal_file": True,
        "max_abs_diff_plain_torch_forward": diff_manual,
        "max_abs_diff_vs_online_variant": diff_online,
        "reload_identical": reload_same,
        "save_pretrained_roundtrip_identical": roundtrip_same,
        "save_pretrained_quantization_config": saved_quant,
    }
    meta = reference_common(model, checks)
    meta["variant"] = "packed"
    meta["quantization"] = {
        "config": quant,
        "weight_layout": "u8 [out/4, in]: byte [r, c] bits 2i..2i+1 = trit[i*out/4 + r][c] + 1",
        "weight_scale": "bf16 [1] per projection = 1 / mean|W| (absmean of the float weight); "
                        "BitLinear divides by it" if semantics == "divide" else
                        "bf16 [1] per projection = mean|W|; BitLinear multiplies by it",
        "trits": "clamp(round(W / max(mean|W|, 1e-5)), -1, 1), from the online variant's weights",
        "activations": "input of every projection, per token: a = 127 / max(max|x|, 1e-5); "
                       "q = clamp(round(x * a), -128, 127) (round half to even)",
        "output": "y = (q @ trits^T) / (a * weight_scale)" if semantics == "divide" else
                  "y = (q @ trits^T) * weight_scale / a",
    }
    meta["greedy"] = greedy_record(model)
    write_reference(os.path.join(folder, "reference.json"), meta, case_records(cases))
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="folder that receives online/ and packed/")
    parser.add_argument("--allow-compile", action="store_true",
                        help="leave torch.compile on (default: TORCHDYNAMO_DISABLE=1)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    log(f"transformers {transformers.__version__}, torch {torch.__version__}, "
        f"safetensors {safetensors.__version__}")

    semantics = probe_weight_scale_semantics()
    log(f"weight_scale semantics: {semantics}")

    config = make_config()
    float_model = make_float_model(config)
    check_architecture(float_model)
    float_logits = logits_of(float_model, PROMPT)
    state = float_state(float_model)
    manual = manual_forward(state, lambda p, x: F.linear(x, state[p + ".weight"]), PROMPT, config)
    log(f"float: max |plain-torch forward - transformers| = {max_diff(manual, float_logits):.4g}")
    assert max_diff(manual, float_logits) < 1e-4

    # Each variant runs even when the other fails, so that one run shows every problem.
    results, failed = {}, []
    for variant, make in (("online", lambda: make_online(args.out, float_model, float_logits)),
                          ("packed", lambda: make_packed(args.out, float_model,
                                                         results.get("online"),
                                                         semantics["bitlinear"]))):
        try:
            results[variant] = make()
        except Exception:
            traceback.print_exc()
            failed.append(variant)
            continue
        logits = results[variant][0][1]
        with open(os.path.join(args.out, variant, "reference.json")) as handle:
            tokens = json.load(handle)["greedy"]["tokens"]
        log(f"{variant}: logits std {float(logits.std()):.4g}, argmax per position "
            f"{logits.argmax(-1).tolist()}, greedy {tokens}")
    if failed:
        sys.exit(f"FAILED: {', '.join(failed)}")
    log("done")


if __name__ == "__main__":
    main()
