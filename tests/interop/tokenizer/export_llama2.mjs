// Exports the LLaMA-2 SentencePiece tokenizer that llama-tokenizer-js ships (its 32,000 pieces
// and merges, read through the package's own object) into the two formats bitnet-core loads:
//   OUT/tokenizer.json, OUT/tokenizer_config.json  Hugging Face's layout of Meta's LLaMA-2 release
//                                                   (the "legacy" normalizer form), or with FORM
//                                                   `metaspace` the form transformers writes when it
//                                                   converts with legacy=False: no normalizer, a
//                                                   Metaspace pre-tokenizer with prepend_scheme
//                                                   "first" (a '▁' in front of the text's start only,
//                                                   and not when the text starts with a space)
//   OUT/gguf-metadata.json                          the tokenizer.ggml.* keys of a 'llama' model
// The package has merges, not SentencePiece's scores; GGUF needs scores, so each piece scores minus
// the rank of the first merge that makes it (pieces no merge makes: -1e9). Merging by these scores
// picks the same pairs as merging by rank wherever a piece's merges are neighbours in the list.
// Usage: node export_llama2.mjs OUT [legacy|metaspace]
import fs from 'node:fs';
import path from 'node:path';
import llamaTokenizer from 'llama-tokenizer-js';

const out = process.argv[2];
const form = process.argv[3] ?? 'legacy';
if (form !== 'legacy' && form !== 'metaspace') throw new Error(`unknown form ${form}`);
fs.mkdirSync(out, { recursive: true });
const tokens = llamaTokenizer.vocabById;
if (tokens.length !== 32000) throw new Error(`expected 32000 pieces, the package has ${tokens.length}`);
if (tokens[0] !== '<unk>' || tokens[1] !== '<s>' || tokens[2] !== '</s>') throw new Error('unexpected special pieces');

const merges = [...llamaTokenizer.merges.entries()]
  .sort((a, b) => a[1] - b[1])
  .map(([key]) => {
    const space = key.indexOf(' ', 1);
    return [key.slice(0, space), key.slice(space + 1)];
  });
const vocab = {};
tokens.forEach((token, id) => {
  if (Object.hasOwn(vocab, token)) throw new Error(`piece ${JSON.stringify(token)} twice`);
  vocab[token] = id;
});

const special = (id) => ({ id, content: tokens[id], single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
const tokenizerJson = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [special(0), special(1), special(2)],
  normalizer: form === 'metaspace' ? null : {
    type: 'Sequence',
    normalizers: [
      { type: 'Prepend', prepend: '▁' },
      { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
    ],
  },
  pre_tokenizer: form === 'metaspace' ? { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false } : null,
  post_processor: {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [
      { SpecialToken: { id: '<s>', type_id: 0 } },
      { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: '<s>', type_id: 1 } },
      { Sequence: { id: 'B', type_id: 1 } },
    ],
    special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
  },
  decoder: {
    type: 'Sequence',
    decoders: [
      { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
      { type: 'ByteFallback' },
      { type: 'Fuse' },
      { type: 'Strip', content: ' ', start: 1, stop: 0 },
    ],
  },
  model: {
    type: 'BPE',
    dropout: null,
    unk_token: '<unk>',
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: true,
    byte_fallback: true,
    vocab,
    merges,
  },
};
fs.writeFileSync(path.join(out, 'tokenizer.json'), JSON.stringify(tokenizerJson));
fs.writeFileSync(path.join(out, 'tokenizer_config.json'), JSON.stringify({ bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' }));

const firstRank = new Map();
merges.forEach(([left, right], rank) => {
  if (!firstRank.has(left + right)) firstRank.set(left + right, rank);
});
const scores = tokens.map((token) => (firstRank.has(token) ? -firstRank.get(token) : -1e9));
const types = tokens.map((token, id) => (id === 0 ? 2 : id <= 2 ? 3 : /^<0x[0-9A-F]{2}>$/.test(token) ? 6 : 1));
const metadata = [
  { key: 'general.architecture', type: 'string', value: 'llama' },
  { key: 'tokenizer.ggml.model', type: 'string', value: 'llama' },
  { key: 'tokenizer.ggml.tokens', type: 'array[string]', value: tokens },
  { key: 'tokenizer.ggml.scores', type: 'array[f32]', value: scores },
  { key: 'tokenizer.ggml.token_type', type: 'array[i32]', value: types },
  { key: 'tokenizer.ggml.bos_token_id', type: 'u32', value: 1 },
  { key: 'tokenizer.ggml.eos_token_id', type: 'u32', value: 2 },
  { key: 'tokenizer.ggml.unknown_token_id', type: 'u32', value: 0 },
  { key: 'tokenizer.ggml.add_bos_token', type: 'bool', value: true },
];
fs.writeFileSync(path.join(out, 'gguf-metadata.json'), JSON.stringify(metadata));
console.log(`exported ${tokens.length} pieces (${types.filter((t) => t === 6).length} bytes) and ${merges.length} merges`);
