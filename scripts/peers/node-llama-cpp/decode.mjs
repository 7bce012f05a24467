// Times llama.cpp on a GGUF model through node-llama-cpp's prebuilt CPU binaries: prompt
// processing and token-by-token decoding, in tokens per second, printed as JSON on stdout.
//
//   node decode.mjs MODEL.gguf [--threads N] [--tokens N] [--prompt-tokens N] [--runs N]
//
// The model is read into memory (mmap off, so that page faults are not timed), no layer is
// offloaded (GPU off), and evaluation uses exactly --threads threads (default: all hardware
// threads). One untimed warm-up pass, then --runs passes (default 3); each pass clears the context,
// evaluates a prompt of --prompt-tokens tokens (default 128) in batches of up to 512, then decodes
// --tokens tokens (default 64) one at a time with greedy sampling, end-of-text tokens included so
// that every pass does the same work. Either count may be 0 (not both), which leaves that phase
// out: `--prompt-tokens 512 --tokens 0` is llama-bench's pp512 (one batch of 512 from an empty
// cache) and `--prompt-tokens 0 --tokens 128` its tg128 (128 single-token steps from an empty
// cache, the first on the beginning-of-text token). Reported: the median rate of the passes, every
// pass's rate and every pass's time in seconds (unrounded, for callers that add them up).
import { availableParallelism, loadavg } from "node:os";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const usage =
  "usage: node decode.mjs MODEL.gguf [--threads N] [--tokens N] [--prompt-tokens N] [--runs N]";
let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      threads: { type: "string", default: String(availableParallelism()) },
      tokens: { type: "string", default: "64" },
      "prompt-tokens": { type: "string", default: "128" },
      runs: { type: "string", default: "3" },
    },
  });
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
const { values: options, positionals } = parsed;
const count = (name, minimum) => {
  const value = Number(options[name]);
  if (!Number.isInteger(value) || value < minimum) {
    console.error(`--${name} must be an integer >= ${minimum}, not '${options[name]}'\n${usage}`);
    process.exit(2);
  }
  return value;
};
if (positionals.length !== 1) {
  console.error(usage);
  process.exit(2);
}
const modelPath = positionals[0];
const threads = count("threads", 1);
const decodeTokens = count("tokens", 0);
const promptTokens = count("prompt-tokens", 0);
const runs = count("runs", 1);
if (decodeTokens === 0 && promptTokens === 0) {
  console.error(`--tokens and --prompt-tokens cannot both be 0\n${usage}`);
  process.exit(2);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const round = (value, digits = 2) => Number(value.toFixed(digits));

const packageVersion = JSON.parse(
  readFileSync(new URL("./node_modules/node-llama-cpp/package.json", import.meta.url), "utf8"),
).version;

// Rates from a machine with other work running are not comparable: the load is reported.
const loadAverageBefore = loadavg().map((value) => round(value));
const loadStart = performance.now();
// build: "never": use the prebuilt binaries shipped with the package, never compile llama.cpp.
const llama = await getLlama({
  gpu: false,
  build: "never",
  maxThreads: threads,
  logLevel: LlamaLogLevel.error,
});
const model = await llama.loadModel({ modelPath, gpuLayers: 0, useMmap: false });
const context = await model.createContext({
  contextSize: promptTokens + decodeTokens + 16,
  batchSize: Math.max(1, Math.min(promptTokens, 512)),
  threads: { ideal: threads, min: threads },
  sequences: 1,
});
const sequence = context.getSequence();
const loadMilliseconds = performance.now() - loadStart;

// A prompt of exactly promptTokens tokens: ordinary text, tokenized and repeated as needed, after
// the model's beginning-of-text token when it has one.
const text =
  "Ternary weights take one of three values, so a matrix product becomes additions and " +
  "subtractions of activations, and the weights of a large model fit in a few gigabytes. ";
const textTokens = model.tokenize(text);
const prompt = model.tokens.bos != null ? [model.tokens.bos] : [];
while (prompt.length < promptTokens) prompt.push(...textTokens);
prompt.length = promptTokens;

// Decoding starts from the prompt's last token, or from an empty cache on the beginning-of-text
// token (the text's first token when the model has none).
const firstDecoded =
  promptTokens > 0 ? prompt[prompt.length - 1] : (model.tokens.bos ?? textTokens[0]);

async function pass() {
  await sequence.clearHistory();
  let promptSeconds = 0;
  if (promptTokens > 0) {
    const promptStart = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens(prompt);
    promptSeconds = (performance.now() - promptStart) / 1000;
  }

  // Each step of the generator evaluates one token and samples the next.
  let generated = 0;
  let decodeSeconds = 0;
  if (decodeTokens > 0) {
    const decodeStart = performance.now();
    const steps = sequence.evaluate([firstDecoded], { temperature: 0, yieldEogToken: true });
    for await (const token of steps) {
      void token;
      if (++generated === decodeTokens) break;
    }
    decodeSeconds = (performance.now() - decodeStart) / 1000;
  }
  if (generated !== decodeTokens) {
    throw new Error(`decoding stopped after ${generated} of ${decodeTokens} tokens`);
  }
  return { promptSeconds, decodeSeconds };
}

await pass();  // warm-up: first-touch allocations, thread start, caches
const passes = [];
for (let run = 0; run < runs; ++run) passes.push(await pass());

// A phase left out has no rate (null).
const rates = (tokens, seconds) =>
  tokens > 0 ? passes.map((result) => tokens / result[seconds]) : null;
const promptRates = rates(promptTokens, "promptSeconds");
const decodeRates = rates(decodeTokens, "decodeSeconds");
const medianRate = (values) => (values ? round(median(values)) : null);
console.log(JSON.stringify({
  model: modelPath,
  model_bytes: model.size,
  model_parameters: model.fileInsights.totalParameters ?? null,
  node_llama_cpp: packageVersion,
  llama_cpp_release: llama.llamaCppRelease,
  build: llama.buildType,
  gpu: llama.gpu,
  mmap: model.useMmap,
  cpu_features: llama.systemInfo.trim(),
  threads,
  context_size: context.contextSize,
  batch_size: context.batchSize,
  prompt_tokens: promptTokens,
  decode_tokens: decodeTokens,
  runs,
  load_average_before: loadAverageBefore,
  load_average_after: loadavg().map((value) => round(value)),
  model_load_ms: round(loadMilliseconds, 1),
  prompt_tokens_per_second: medianRate(promptRates),
  decode_tokens_per_second: medianRate(decodeRates),
  prompt_tokens_per_second_runs: promptRates?.map((rate) => round(rate)) ?? null,
  decode_tokens_per_second_runs: decodeRates?.map((rate) => round(rate)) ?? null,
  prompt_seconds_runs: passes.map((result) => result.promptSeconds),
  decode_seconds_runs: passes.map((result) => result.decodeSeconds),
}, null, 2));

await context.dispose();
await model.dispose();
await llama.dispose();
