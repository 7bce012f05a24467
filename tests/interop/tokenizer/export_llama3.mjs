// Exports the LLaMA-3 tokenizer that llama3-tokenizer-js ships (its vocabulary, merges and special
// tokens, read through the package's own object) into the two formats bitnet-core loads:
//   OUT/tokenizer.json, OUT/tokenizer_config.json  the Hugging Face layout of Meta's LLaMA-3 release
//   OUT/gguf-metadata.json                          the tokenizer.ggml.* keys llama.cpp's converter
//                                                   writes, typed, for `tokenizer_interop gguf-write`
// Usage: node export_llama3.mjs OUT
import fs from 'node:fs';
import path from 'node:path';
import llama3Tokenizer from 'llama3-tokenizer-js';

const out = process.argv[2];
fs.mkdirSync(out, { recursive: true });

// The split pattern of Meta's tokenizer.json (the package holds the same string privately).
const LLAMA3_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const FIRST_SPECIAL = 128000;

const tokens = llama3Tokenizer.vocabById;
if (tokens.length !== 128256) throw new Error(`expected 128256 tokens, the package has ${tokens.length}`);
const specials = tokens.slice(FIRST_SPECIAL);
if (!specials.every((token) => token.startsWith('<|') && token.endsWith('|>'))) {
  throw new Error('ids from 128000 on are not all special tokens');
}

// The package keys merges by "left right" (byte-level tokens never contain a space) and ranks them
// by the map's value.
const merges = [...llama3Tokenizer.merges.entries()]
  .sort((a, b) => a[1] - b[1])
  .map(([key]) => {
    const space = key.indexOf(' ', 1);
    return [key.slice(0, space), key.slice(space + 1)];
  });

const vocab = {};
for (let id = 0; id < FIRST_SPECIAL; ++id) {
  if (Object.hasOwn(vocab, tokens[id])) throw new Error(`token ${JSON.stringify(tokens[id])} twice`);
  vocab[tokens[id]] = id;
}

const tokenizerJson = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: specials.map((content, index) => ({
    id: FIRST_SPECIAL + index,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  })),
  normalizer: null,
  pre_tokenizer: {
    type: 'Sequence',
    pretokenizers: [
      { type: 'Split', pattern: { Regex: LLAMA3_PATTERN }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    ],
  },
  post_processor: {
    type: 'Sequence',
    processors: [
      { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      {
        type: 'TemplateProcessing',
        single: [
          { SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
        ],
        pair: [
          { SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: '<|begin_of_text|>', type_id: 1 } },
          { Sequence: { id: 'B', type_id: 1 } },
        ],
        special_tokens: {
          '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [FIRST_SPECIAL], tokens: ['<|begin_of_text|>'] },
        },
      },
    ],
  },
  decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  model: {
    type: 'BPE',
    dropout: null,
    unk_token: null,
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: false,
    byte_fallback: false,
    ignore_merges: true,
    vocab,
    merges,
  },
};
fs.writeFileSync(path.join(out, 'tokenizer.json'), JSON.stringify(tokenizerJson));
fs.writeFileSync(
  path.join(out, 'tokenizer_config.json'),
  JSON.stringify({ bos_token: '<|begin_of_text|>', eos_token: '<|end_of_text|>', clean_up_tokenization_spaces: true }),
);

// GGUF: control (3) for the special tokens, normal (1) for the rest, as convert_hf_to_gguf.py does.
const metadata = [
  { key: 'general.architecture', type: 'string', value: 'llama' },
  { key: 'tokenizer.ggml.model', type: 'string', value: 'gpt2' },
  { key: 'tokenizer.ggml.pre', type: 'string', value: 'llama-bpe' },
  { key: 'tokenizer.ggml.tokens', type: 'array[string]', value: tokens },
  { key: 'tokenizer.ggml.token_type', type: 'array[i32]', value: tokens.map((_, id) => (id >= FIRST_SPECIAL ? 3 : 1)) },
  { key: 'tokenizer.ggml.merges', type: 'array[string]', value: merges.map(([a, b]) => `${a} ${b}`) },
  { key: 'tokenizer.ggml.bos_token_id', type: 'u32', value: llama3Tokenizer.getSpecialTokenId('<|begin_of_text|>') },
  { key: 'tokenizer.ggml.eos_token_id', type: 'u32', value: llama3Tokenizer.getSpecialTokenId('<|end_of_text|>') },
  { key: 'tokenizer.ggml.add_bos_token', type: 'bool', value: true },
];
fs.writeFileSync(path.join(out, 'gguf-metadata.json'), JSON.stringify(metadata));
console.log(`exported ${tokens.length} tokens (${specials.length} special) and ${merges.length} merges`);
