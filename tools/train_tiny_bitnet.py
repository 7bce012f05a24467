#!/usr/bin/env python3
"""Trains the default model of bitnet-core: a small BitNet b1.58 language model, ternary from the
first step, on the English text that scripts/tiny_model/build_corpus.py gathers from Debian
packages. Runs on the GPU machine (torch, transformers >= 5 and tokenizers are installed there;
nothing is downloaded):

    python3 scripts/tiny_model/build_corpus.py .corpus          # here: train.txt, heldout.txt
    python3 tools/train_tiny_bitnet.py .corpus OUT_DIR [--seconds 300]

Steps, each checked:
  1. a byte-level BPE tokenizer (4,096 ids) trained with Hugging Face `tokenizers` on train.txt,
     with exactly LLaMA-3's pre-tokenizer (its Split pattern, then ByteLevel), so that
     bitnet-core's tokenizer.json loader takes it; <|begin_of_text|> and <|end_of_text|> added;
  2. transformers' BitNetForCausalLM (relu², sub-norms, GQA, RoPE, tied embedding) built with
     quantization_config autobitlinear/online: every projection's weight is ternarized by its
     absmean and its input quantized to int8 per token (absmax) in every forward, with
     straight-through gradients, as in the BitNet b1.58 paper; AdamW on random windows of the
     token stream (documents separated by <|end_of_text|>) for --seconds of wall time;
  3. export in microsoft/bitnet-b1.58-2B-4T's packed layout (u8 trits, 4 a byte, bf16
     weight_scale, bf16 embedding), reloaded by transformers as an offline BitLinear model;
  4. on that reloaded model: the held-out perplexity as llama.cpp's perplexity tool computes it
     (chunks of CONTEXT tokens, the second half of each scored), the logits of a fixed prompt,
     and a greedy continuation.

OUT_DIR receives: model/ (config.json, model.safetensors, tokenizer.json, tokenizer_config.json),
reference.json (the checks above), loss.csv and loss.png.
"""
import argparse
import json
import math
import os
import sys
import time

# The checks in tools/make_reference.py (pack layout, weight_scale semantics) are shared.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_reference as ref  # noqa: E402  (sets TORCHDYNAMO_DISABLE: quantizers run eagerly)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers  # noqa: E402
import transformers  # noqa: E402
from transformers import BitNetConfig, BitNetForCausalLM  # noqa: E402
from transformers.integrations import bitnet as hf_bitnet  # noqa: E402
from transformers.utils.quantization_config import BitNetQuantConfig  # noqa: E402

LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| "
                  r"?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
BOS, EOS = "<|begin_of_text|>", "<|end_of_text|>"
VOCAB = 4096
ARCH = dict(vocab_size=VOCAB, hidden_size=384, intermediate_size=1024, num_hidden_layers=6,
            num_attention_heads=6, num_key_value_heads=2, max_position_embeddings=512,
            hidden_act="relu2", rms_norm_eps=1e-5, tie_word_embeddings=True,
            attention_bias=False, attention_dropout=0.0, initializer_range=0.02)
ROPE_THETA = 10000.0
CONTEXT = 256  # training window and perplexity chunk
BATCH = 64
PROMPT = "The Python interpreter"
SEED = 20261205


def log(*args):
    print(*args, flush=True)


def train_tokenizer(train_path, out_folder):
    tokenizer = Tokenizer(models.BPE(ignore_merges=True))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=[BOS, EOS],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tokenizer.train([train_path], trainer)
    assert tokenizer.get_vocab_size() == VOCAB, tokenizer.get_vocab_size()
    tokenizer.save(os.path.join(out_folder, "tokenizer.json"))
    with open(os.path.join(out_folder, "tokenizer_config.json"), "w") as handle:
        json.dump({"bos_token": BOS, "eos_token": EOS, "add_bos_token": False,
                   "model_max_length": ARCH["max_position_embeddings"]}, handle, indent=2)
        handle.write("\n")
    return tokenizer


def documents(path):
    with open(path, encoding="utf-8") as handle:
        return [d for d in handle.read().split("\n\n") if d.strip()]


def token_stream(tokenizer, docs):
    """Documents encoded and joined, each followed by <|end_of_text|>."""
    eos = tokenizer.token_to_id(EOS)
    ids = []
    for encoding in tokenizer.encode_batch(docs):
        ids.extend(encoding.ids)
        ids.append(eos)
    return torch.tensor(ids, dtype=torch.long)


def config():
    return BitNetConfig(attn_implementation="sdpa",
                        rope_parameters={"rope_type": "default", "rope_theta": ROPE_THETA},
                        bos_token_id=0, eos_token_id=1, **ARCH)


def online_model(folder, device):
    """A fresh model saved and reloaded with the online AutoBitLinear quantization config."""
    torch.manual_seed(SEED)
    BitNetForCausalLM(config()).to(torch.float32).save_pretrained(folder)
    quant = BitNetQuantConfig(linear_class="autobitlinear", quantization_mode="online").to_dict()
    ref.patch_config(folder, quant, "float32")
    model = BitNetForCausalLM.from_pretrained(folder, dtype=torch.float32,
                                              attn_implementation="sdpa").to(device)
    for name, module in model.named_modules():
        if name.endswith(ref.PROJECTIONS):
            assert type(module).__name__ == "AutoBitLinear" and module.online_quant, name
    return model


def train(model, stream, seconds, device, loss_rows):
    model.train()
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05},
                                   {"params": no_decay, "weight_decay": 0.0}],
                                  lr=2e-3, betas=(0.9, 0.95))
    generator = torch.Generator().manual_seed(SEED)
    data = stream.to(device)
    start = time.time()
    step = 0
    warmup = 100
    while True:
        elapsed = time.time() - start
        if elapsed >= seconds:
            break
        # Linear warm-up, then cosine decay to 10 % over the wall-clock budget.
        progress = min(1.0, elapsed / seconds)
        lr = 2e-3 * (min(1.0, (step + 1) / warmup)) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))
        for group in optimizer.param_groups:
            group["lr"] = lr
        starts = torch.randint(0, len(stream) - CONTEXT - 1, (BATCH,), generator=generator)
        batch = torch.stack([data[s:s + CONTEXT + 1] for s in starts.tolist()])
        with torch.autocast("cuda", dtype=torch.bfloat16):
            logits = model(input_ids=batch[:, :-1]).logits
        loss = F.cross_entropy(logits.float().reshape(-1, VOCAB), batch[:, 1:].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % 25 == 0:
            loss_rows.append((step, round(time.time() - start, 1), float(loss)))
            if step % 200 == 0:
                log(f"step {step} {time.time() - start:.0f}s loss {float(loss):.3f} lr {lr:.2e}")
        step += 1
    return step, time.time() - start


def export_packed(model, folder, semantics):
    """microsoft/bitnet-b1.58-2B-4T's layout from the trained float weights."""
    state = {k: v.detach().float().cpu() for k, v in model.state_dict().items()}
    tensors = {}
    projections = set(ref.linear_names(ARCH["num_hidden_layers"]))
    for name, tensor in state.items():
        if name == "lm_head.weight" or name[:-len(".weight")] in projections:
            continue
        tensors[name] = tensor.to(torch.bfloat16).contiguous()
    for prefix in sorted(projections):
        trits, inv_scale = ref.absmean_ternarize(state[prefix + ".weight"])
        packed = hf_bitnet.pack_weights(trits.clone())
        assert torch.equal(packed, ref.pack_rule(trits)), prefix
        scale = inv_scale if semantics == "divide" else 1.0 / inv_scale
        tensors[prefix + ".weight"] = packed.contiguous()
        tensors[prefix + ".weight_scale"] = scale.reshape(1).to(torch.bfloat16)
    save_file(tensors, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
    described = config()
    described.architectures = ["BitNetForCausalLM"]  # set by a model's save, not a config's
    described.save_pretrained(folder)
    quant = BitNetQuantConfig(linear_class="bitlinear", quantization_mode="offline").to_dict()
    ref.patch_config(folder, quant, "bfloat16")


@torch.no_grad()
def perplexity(model, ids):
    """llama.cpp's definition: chunks of CONTEXT, tokens context/2 .. context-1 scored."""
    nll, count, chunks = 0.0, 0, 0
    first = CONTEXT // 2
    for start in range(0, len(ids) - CONTEXT + 1, CONTEXT):
        chunk = ids[start:start + CONTEXT].unsqueeze(0)
        logits = model(input_ids=chunk).logits[0].double()
        logp = torch.log_softmax(logits[first:CONTEXT - 1], dim=-1)
        targets = chunk[0, first + 1:CONTEXT]
        nll -= float(logp.gather(1, targets.unsqueeze(1)).sum())
        count += CONTEXT - 1 - first
        chunks += 1
    return math.exp(nll / count), chunks, count, nll


def plot(rows, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib is missing: loss.png not drawn (loss.csv has the curve)")
        return
    figure, axis = plt.subplots(figsize=(5, 3), dpi=100)
    axis.plot([r[0] for r in rows], [r[2] for r in rows], linewidth=1)
    axis.set_xlabel("step")
    axis.set_ylabel("training loss (nats/token)")
    axis.set_title("tiny BitNet b1.58, ternary from step 0")
    axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", help="folder with train.txt and heldout.txt")
    parser.add_argument("out", help="output folder")
    parser.add_argument("--seconds", type=float, default=300.0, help="training wall time")
    args = parser.parse_args()
    device = "cuda"
    torch.manual_seed(SEED)
    folder = os.path.join(args.out, "model")
    os.makedirs(folder, exist_ok=True)
    log(f"transformers {transformers.__version__}, torch {torch.__version__}, "
        f"{torch.cuda.get_device_name()}")
    semantics = ref.probe_weight_scale_semantics()["bitlinear"]
    log(f"weight_scale semantics: {semantics}")

    started = time.time()
    tokenizer = train_tokenizer(os.path.join(args.corpus, "train.txt"), folder)
    train_ids = token_stream(tokenizer, documents(os.path.join(args.corpus, "train.txt")))
    with open(os.path.join(args.corpus, "heldout.txt"), encoding="utf-8") as handle:
        heldout_text = handle.read()
    heldout_ids = torch.tensor(tokenizer.encode(heldout_text).ids, dtype=torch.long)
    log(f"tokenizer: {time.time() - started:.0f}s, train {len(train_ids)} tokens, "
        f"held out {len(heldout_ids)}")

    scratch = os.path.join(args.out, "online-scratch")
    model = online_model(scratch, device)
    parameters = sum(p.numel() for p in model.parameters())
    loss_rows = []
    steps, trained = train(model, train_ids, args.seconds, device, loss_rows)
    log(f"trained {steps} steps in {trained:.0f}s ({steps * BATCH * CONTEXT / trained:.0f} tokens/s)")
    model.eval()
    online_ppl = perplexity(model, heldout_ids.to(device))[0]

    export_packed(model, folder, semantics)
    for entry in os.listdir(scratch):
        os.remove(os.path.join(scratch, entry))
    os.rmdir(scratch)
    packed = BitNetForCausalLM.from_pretrained(folder, dtype=torch.float32,
                                               attn_implementation="eager").eval()
    ref.check_modules(packed, "BitLinear", online=False)
    ppl, chunks, scored, nll = perplexity(packed, heldout_ids)
    log(f"held-out perplexity: packed {ppl:.4f} ({chunks} chunks), online {online_ppl:.4f}")

    prompt_ids = tokenizer.encode(PROMPT).ids
    with torch.no_grad():
        logits = packed(input_ids=torch.tensor([prompt_ids])).logits[0]
        greedy = list(prompt_ids)
        for _ in range(48):
            step_logits = packed(input_ids=torch.tensor([greedy])).logits[0, -1]
            greedy.append(int(step_logits.argmax()))
    continuation = tokenizer.decode(greedy[len(prompt_ids):])
    log(f"greedy: {PROMPT!r} -> {continuation!r}")

    reference = {
        "produced_by": "tools/train_tiny_bitnet.py",
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "device": torch.cuda.get_device_name()},
        "architecture": dict(ARCH, rope_theta=ROPE_THETA, parameters=parameters),
        "training": {"steps": steps, "seconds": round(trained, 1), "batch": BATCH,
                     "context": CONTEXT, "train_tokens": len(train_ids),
                     "final_loss": loss_rows[-1][2] if loss_rows else None},
        "perplexity": {"heldout_tokens": len(heldout_ids), "context": CONTEXT, "chunks": chunks,
                       "scored_tokens": scored, "negative_log_likelihood": nll,
                       "perplexity": ppl, "online_model_perplexity": online_ppl,
                       "definition": "llama.cpp perplexity: chunks of context tokens from an "
                                     "empty cache, no bos, tokens context/2+1..context-1 scored"},
        "prompt": {"text": PROMPT, "ids": prompt_ids,
                   "logits": [[float(v) for v in row] for row in logits]},
        "greedy": {"ids": greedy, "continuation": continuation},
    }
    with open(os.path.join(args.out, "reference.json"), "w") as handle:
        json.dump(reference, handle)
    with open(os.path.join(args.out, "loss.csv"), "w") as handle:
        handle.write("step,seconds,loss\n")
        handle.writelines(f"{s},{t},{l:.4f}\n" for s, t, l in loss_rows)
    plot(loss_rows, os.path.join(args.out, "loss.png"))
    log(f"done in {time.time() - started:.0f}s")


if __name__ == "__main__":
    main()
