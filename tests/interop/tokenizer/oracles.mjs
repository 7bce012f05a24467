// Runs the two oracles for one model over the corpus and writes the ids and texts they agree on:
//   llama3-tokenizer-js (MODEL llama3) or llama-tokenizer-js (llama2)
//                              the package's own encoder and decoder over its own data;
//   @huggingface/tokenizers    a third implementation, loading the tokenizer.json we exported.
// Any disagreement between them fails (it would mean the export is wrong, or one of them is), so
// what bitnet-core is compared with is what both say.
//
// MODEL llama2_metaspace: the tokenizer.json in transformers' Metaspace form, which encodes a text
// that starts with a space, and the text after a special token, differently from the package (no
// second '▁' in front). There @huggingface/tokenizers alone gives the expected ids; where the two
// forms agree by definition (no leading space, no special token) the package must give the same
// ids, which proves the export; and as decoding then loses a leading space, the expected
// decode(encode(x)) of every entry is written too (`round_trip`).
//
// Usage: node oracles.mjs MODEL TOKENIZER_DIR CORPUS OUT
import fs from 'node:fs';
import path from 'node:path';
import llama3Tokenizer from 'llama3-tokenizer-js';
import llamaTokenizer from 'llama-tokenizer-js';
import { Tokenizer } from '@huggingface/tokenizers';

const [model, dir, corpusPath, outPath] = process.argv.slice(2);
// The package's encoder without bos (and, for LLaMA-2, with the '▁' prefix SentencePiece adds).
const oracle = {
  llama3: {
    encode: (text) => llama3Tokenizer.encode(text, { bos: false, eos: false }),
    bos: () => llama3Tokenizer.encode('', { bos: true, eos: false }),
    decode: (ids) => llama3Tokenizer.decode(ids),
  },
  llama2: {
    encode: (text) => llamaTokenizer.encode(text, false, true),
    bos: () => llamaTokenizer.encode('x', true, true).slice(0, 1),
    decode: (ids) => llamaTokenizer.decode(ids, true, true),
  },
}[model === 'llama2_metaspace' ? 'llama2' : model];
const metaspace = model === 'llama2_metaspace';
if (!oracle) throw new Error(`unknown model ${model}`);
const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const hf = new Tokenizer(readJson(path.join(dir, 'tokenizer.json')), readJson(path.join(dir, 'tokenizer_config.json')));
const corpus = readJson(corpusPath);

// Bytes to text as from_utf8_lossy does (WHATWG's decoder: U+FFFD per maximal invalid subpart).
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const same = (a, b) => a.length === b.length && a.every((value, index) => value === b[index]);
const shown = (text) => JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}...` : text);

let disagreements = 0;
let ids = 0;
let leftOut = 0;
let hfOnly = 0;
const roundTrip = [];
const encode = corpus.entries.map((entry, index) => {
  const text = decoder.decode(Buffer.from(entry.hex, 'hex'));
  if (metaspace) {
    const hfIds = hf.encode(text, { add_special_tokens: false }).ids;
    ids += hfIds.length;
    // (The package refuses to decode no ids.)
    roundTrip.push(hfIds.length === 0 ? '' : hf.decode(hfIds, { skip_special_tokens: false, clean_up_tokenization_spaces: false }));
    if (text.startsWith(' ') || /<s>|<\/s>|<unk>/.test(text)) {
      ++hfOnly;
      return hfIds;
    }
    const theirs = oracle.encode(text);
    if (!same(theirs, hfIds) && disagreements++ < 20) {
      console.error(`oracles disagree on entry ${index} (${entry.label}) ${shown(text)}:\n  llama-tokenizer-js      [${theirs}]\n  @huggingface/tokenizers [${hfIds}]`);
    }
    return hfIds;
  }
  // llama-tokenizer-js reads <s>, </s> and <unk> in text as characters, Hugging Face as tokens.
  if (model === 'llama2' && /<s>|<\/s>|<unk>/.test(text)) {
    ++leftOut;
    return null;
  }
  const theirs = oracle.encode(text);
  const hfIds = hf.encode(text, { add_special_tokens: false }).ids;
  ids += theirs.length;
  if (!same(theirs, hfIds)) {
    if (disagreements++ < 20) {
      console.error(`oracles disagree on entry ${index} (${entry.label}) ${shown(text)}:\n  llama3-tokenizer-js    [${theirs}]\n  @huggingface/tokenizers [${hfIds}]`);
    }
  }
  return theirs;
});

const bos = oracle.bos();
const withBos = hf.encode('x').ids;
const hfBos = withBos.slice(0, withBos.length - hf.encode('x', { add_special_tokens: false }).ids.length);
if (!same(bos, hfBos) || bos.length !== 1) {
  ++disagreements;
  console.error(`oracles disagree on bos: [${bos}] and [${hfBos}]`);
}

const decode = corpus.decode[metaspace ? 'llama2' : model].map((sequence) => {
  const text = oracle.decode(sequence);
  const hfText = hf.decode(sequence, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  if (text !== hfText) {
    if (disagreements++ < 20) console.error(`oracles disagree on decode [${sequence}]: ${shown(text)} and ${shown(hfText)}`);
  }
  return { ids: sequence, text };
});

if (metaspace) {
  console.log(`oracles (${model}): ${corpus.entries.length} encodings (${ids} ids; ${hfOnly} entries starting with a space or holding <s>, </s> or <unk> from @huggingface/tokenizers alone) and ${decode.length} decodes, ${disagreements} disagreements`);
} else {
  console.log(`oracles (${model}): ${corpus.entries.length - leftOut} encodings (${ids} ids; ${leftOut} entries holding <s>, </s> or <unk> left out) and ${decode.length} decodes, ${disagreements} disagreements`);
}
if (disagreements > 0) process.exit(1);
fs.writeFileSync(outPath, JSON.stringify(metaspace ? { bos: bos[0], encode, decode, round_trip: roundTrip } : { bos: bos[0], encode, decode }));
