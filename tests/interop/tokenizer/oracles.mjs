// Runs the two oracles over the corpus and writes the ids and texts they agree on:
//   llama3-tokenizer-js        the package's own encoder and decoder over its own data;
//   @huggingface/tokenizers    a third implementation, loading the tokenizer.json we exported.
// Any disagreement between them fails (it would mean the export is wrong, or one of them is), so
// what bitnet-core is compared with is what both say.
//
// Usage: node oracles.mjs TOKENIZER_DIR CORPUS OUT
import fs from 'node:fs';
import path from 'node:path';
import llama3Tokenizer from 'llama3-tokenizer-js';
import { Tokenizer } from '@huggingface/tokenizers';

const [dir, corpusPath, outPath] = process.argv.slice(2);
const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const hf = new Tokenizer(readJson(path.join(dir, 'tokenizer.json')), readJson(path.join(dir, 'tokenizer_config.json')));
const corpus = readJson(corpusPath);

// Bytes to text as from_utf8_lossy does (WHATWG's decoder: U+FFFD per maximal invalid subpart).
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const same = (a, b) => a.length === b.length && a.every((value, index) => value === b[index]);
const shown = (text) => JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}...` : text);

let disagreements = 0;
let ids = 0;
const encode = corpus.entries.map((entry, index) => {
  const text = decoder.decode(Buffer.from(entry.hex, 'hex'));
  const theirs = llama3Tokenizer.encode(text, { bos: false, eos: false });
  const hfIds = hf.encode(text, { add_special_tokens: false }).ids;
  ids += theirs.length;
  if (!same(theirs, hfIds)) {
    if (disagreements++ < 20) {
      console.error(`oracles disagree on entry ${index} (${entry.label}) ${shown(text)}:\n  llama3-tokenizer-js    [${theirs}]\n  @huggingface/tokenizers [${hfIds}]`);
    }
  }
  return theirs;
});

const bos = llama3Tokenizer.encode('', { bos: true, eos: false });
const hfBos = hf.encode('x').ids.slice(0, -1);
if (!same(bos, hfBos) || bos.length !== 1) {
  ++disagreements;
  console.error(`oracles disagree on bos: [${bos}] and [${hfBos}]`);
}

const decode = corpus.decode.map((sequence) => {
  const text = llama3Tokenizer.decode(sequence);
  const hfText = hf.decode(sequence, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  if (text !== hfText) {
    if (disagreements++ < 20) console.error(`oracles disagree on decode [${sequence}]: ${shown(text)} and ${shown(hfText)}`);
  }
  return { ids: sequence, text };
});

console.log(`oracles: ${corpus.entries.length} encodings (${ids} ids) and ${decode.length} decodes, ${disagreements} disagreements`);
if (disagreements > 0) process.exit(1);
fs.writeFileSync(outPath, JSON.stringify({ bos: bos[0], encode, decode }));
