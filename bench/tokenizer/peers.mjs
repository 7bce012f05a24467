// The external rows of `bitnet bench --suite tokenizer`: encodes every entry of the corpus with
// one JavaScript tokenizer, the same work as our row (no bos or eos, ids counted), and prints
//   ids N         ids of one pass over the corpus (the bench checks it equals ours)
//   ns T          nanoseconds of ITERATIONS passes, after an untimed warm-up pass over a part
// Usage: node peers.mjs IMPL TOKENIZER_DIR CORPUS_JSON ITERATIONS
//   IMPL: hf_tokenizers (@huggingface/tokenizers loading TOKENIZER_DIR/tokenizer.json),
//         llama3_tokenizer_js or llama_tokenizer_js (the package's own encoder and data)
import fs from 'node:fs';
import path from 'node:path';
import llama3Tokenizer from 'llama3-tokenizer-js';
import llamaTokenizer from 'llama-tokenizer-js';
import { Tokenizer } from '@huggingface/tokenizers';

const [impl, dir, corpusPath, iterationsText] = process.argv.slice(2);
const iterations = Number(iterationsText);
const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));

let encode;
if (impl === 'hf_tokenizers') {
  const hf = new Tokenizer(readJson(path.join(dir, 'tokenizer.json')),
                           readJson(path.join(dir, 'tokenizer_config.json')));
  encode = (text) => hf.encode(text, { add_special_tokens: false }).ids;
} else if (impl === 'llama3_tokenizer_js') {
  encode = (text) => llama3Tokenizer.encode(text, { bos: false, eos: false });
} else if (impl === 'llama_tokenizer_js') {
  encode = (text) => llamaTokenizer.encode(text, false, true);
} else {
  throw new Error(`unknown implementation ${impl}`);
}
const corpus = readJson(corpusPath);
if (!Array.isArray(corpus) || !(iterations >= 1)) throw new Error('usage: IMPL DIR CORPUS ITERATIONS');

const pass = (entries) => {
  let ids = 0;
  for (const text of entries) ids += encode(text).length;
  return ids;
};
pass(corpus.slice(0, Math.max(1, corpus.length >> 3)));  // warm-up: compile the hot paths
let ids = 0;
const start = process.hrtime.bigint();
for (let iteration = 0; iteration < iterations; ++iteration) ids += pass(corpus);
const elapsed = process.hrtime.bigint() - start;
console.log(`ids ${ids / iterations}`);
console.log(`ns ${elapsed}`);
