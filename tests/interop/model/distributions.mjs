// llama.cpp's next-token distributions for the prefixes of a list of token ids, through
// node-llama-cpp's prebuilt CPU binaries, printed as JSON: {"ids": [...], "probabilities": [[...]]}.
//
//   node distributions.mjs MODEL.gguf ID,ID,...
//
// Each id is fed to the model (teacher forcing), and the full distribution over the vocabulary for
// the next token is read after it: temperature 1, no top-k, top-p or min-p cut, no penalties, so
// the probabilities are the softmax of the logits.
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

if (process.argv.length !== 4) {
  console.error("usage: node distributions.mjs MODEL.gguf ID,ID,...");
  process.exit(2);
}
const [modelPath, idList] = process.argv.slice(2);
const ids = idList.split(",").map(Number);

const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const context = await model.createContext({ contextSize: 64, sequences: 1 });
const sequence = context.getSequence();
const vocabulary = model.fileInsights.vocabularySize ?? 512;

const dense = (probabilities) => {
  const row = new Array(vocabulary).fill(0);
  for (const [token, probability] of probabilities) row[token] = probability;
  return row;
};

const options = { temperature: 1, topK: 0, topP: 1, minP: 0, yieldEogToken: true };
const steps = sequence.evaluateWithMetadata([ids[0]], { probabilities: true }, options);
const rows = [];
let step = await steps.next();
rows.push(dense(step.value.probabilities));
for (let index = 1; index < ids.length; ++index) {
  step = await steps.next(ids[index]);
  rows.push(dense(step.value.probabilities));
}
await steps.return();
console.log(JSON.stringify({ ids, vocabulary, probabilities: rows }));

await context.dispose();
await model.dispose();
await llama.dispose();
