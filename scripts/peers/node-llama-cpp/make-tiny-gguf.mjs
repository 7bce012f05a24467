// Writes a tiny llama-architecture GGUF with random weights, ternary (TQ2_0) projections and a
// byte-level vocabulary: enough for llama.cpp to load it and decode, so that decode.mjs and run.sh
// can be checked without a real model. Its timings say nothing about any real model.
//
//   node make-tiny-gguf.mjs OUT.gguf [--embedding N] [--layers N] [--feed-forward N]
//
// The GGUF layout is written by hand here: a little-endian header (magic, version 3, tensor and
// metadata counts), the metadata entries, the tensor table (name, dimensions with the contiguous
// one first, type, offset into the data section), then the data, each tensor aligned to 32 bytes.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    embedding: { type: "string", default: "256" },
    layers: { type: "string", default: "2" },
    "feed-forward": { type: "string", default: "512" },
  },
});
if (positionals.length !== 1) {
  console.error(
    "usage: node make-tiny-gguf.mjs OUT.gguf [--embedding N] [--layers N] [--feed-forward N]");
  process.exit(2);
}
const embedding = Number(options.embedding);
const layers = Number(options.layers);
const feedForward = Number(options["feed-forward"]);
const heads = Math.max(1, embedding / 64);
if (embedding % 256 !== 0 || feedForward % 256 !== 0 || layers < 1) {
  console.error(
    "make-tiny-gguf: --embedding and --feed-forward must be multiples of 256 (TQ2_0 blocks)");
  process.exit(2);
}

const kAlignment = 32;
const ValueType = { u32: 4, i32: 5, f32: 6, string: 8, array: 9 };
const TensorType = { f32: 0, tq2_0: 35 };

// A deterministic generator (xorshift32), so that the file is the same on every run.
let state = 0x2545f491;
function nextUniform() {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state / 4294967296;
}

class ByteWriter {
  constructor() {
    this.chunks = [];
    this.length = 0;
  }
  bytes(buffer) {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }
  u32(value) {
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32LE(value);
    this.bytes(buffer);
  }
  i32(value) {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32LE(value);
    this.bytes(buffer);
  }
  u64(value) {
    const buffer = Buffer.alloc(8);
    buffer.writeBigUInt64LE(BigInt(value));
    this.bytes(buffer);
  }
  f32(value) {
    const buffer = Buffer.alloc(4);
    buffer.writeFloatLE(value);
    this.bytes(buffer);
  }
  string(text) {
    const encoded = Buffer.from(text, "utf8");
    this.u64(encoded.length);
    this.bytes(encoded);
  }
  padTo(alignment) {
    const padding = (alignment - (this.length % alignment)) % alignment;
    if (padding) this.bytes(Buffer.alloc(padding));
  }
  result() {
    return Buffer.concat(this.chunks, this.length);
  }
}

// ---- vocabulary: <unk>, <s>, </s>, then the 256 byte tokens <0x00>..<0xFF> --------------------
const tokens = ["<unk>", "<s>", "</s>"];
const tokenTypes = [2, 3, 3];  // unknown, control, control
for (let byte = 0; byte < 256; ++byte) {
  tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`);
  tokenTypes.push(6);  // byte
}
const vocabulary = tokens.length;

// ---- tensors -------------------------------------------------------------------------------
// f16 bits of a value (the scales used here are powers of two, exact in f16).
function f16Bits(value) {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value, true);
  const bits = view.getUint32(0, true);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = (bits >>> 13) & 0x3ff;
  if (value === 0) return sign;
  return sign | (exponent << 10) | mantissa;
}

function f32Tensor(count, make) {
  const buffer = Buffer.alloc(count * 4);
  for (let index = 0; index < count; ++index) buffer.writeFloatLE(make(index), index * 4);
  return buffer;
}

// Rows of `columns` random trits in llama.cpp's TQ2_0 blocks: 256 weights as 64 bytes of 2-bit
// codes (0, 1, 2 for -1, 0, +1; within each 128-weight half, byte m holds weights m, m+32, m+64 and
// m+96 from the low bits up) followed by the block's f16 scale.
function ternaryTensor(rows, columns, scale) {
  const blocksPerRow = columns / 256;
  const buffer = Buffer.alloc(rows * blocksPerRow * 66);
  let offset = 0;
  for (let block = 0; block < rows * blocksPerRow; ++block) {
    const codes = new Uint8Array(256);
    for (let weight = 0; weight < 256; ++weight) codes[weight] = Math.floor(nextUniform() * 3);
    for (let half = 0; half < 2; ++half) {
      for (let m = 0; m < 32; ++m) {
        let byte = 0;
        for (let n = 0; n < 4; ++n) byte |= codes[128 * half + m + 32 * n] << (2 * n);
        buffer[offset + 32 * half + m] = byte;
      }
    }
    buffer.writeUInt16LE(f16Bits(scale), offset + 64);
    offset += 66;
  }
  return buffer;
}

const tensors = [];
function addTensor(name, dimensions, type, data) {
  tensors.push({ name, dimensions, type, data });
}
const ones = (count) => f32Tensor(count, () => 1);
// Scales near 1/sqrt(fan-in) keep the residual stream of random layers in a sane range.
const projectionScale = 2 ** -Math.round(Math.log2(Math.sqrt(embedding)));
const downScale = 2 ** -Math.round(Math.log2(Math.sqrt(feedForward)));

addTensor("token_embd.weight", [embedding, vocabulary], TensorType.f32,
  f32Tensor(embedding * vocabulary, () => (nextUniform() - 0.5) * 0.1));
addTensor("output_norm.weight", [embedding], TensorType.f32, ones(embedding));
for (let layer = 0; layer < layers; ++layer) {
  const prefix = `blk.${layer}`;
  addTensor(`${prefix}.attn_norm.weight`, [embedding], TensorType.f32, ones(embedding));
  for (const name of ["attn_q", "attn_k", "attn_v", "attn_output"]) {
    addTensor(`${prefix}.${name}.weight`, [embedding, embedding], TensorType.tq2_0,
      ternaryTensor(embedding, embedding, projectionScale));
  }
  addTensor(`${prefix}.ffn_norm.weight`, [embedding], TensorType.f32, ones(embedding));
  addTensor(`${prefix}.ffn_gate.weight`, [embedding, feedForward], TensorType.tq2_0,
    ternaryTensor(feedForward, embedding, projectionScale));
  addTensor(`${prefix}.ffn_up.weight`, [embedding, feedForward], TensorType.tq2_0,
    ternaryTensor(feedForward, embedding, projectionScale));
  addTensor(`${prefix}.ffn_down.weight`, [feedForward, embedding], TensorType.tq2_0,
    ternaryTensor(embedding, feedForward, downScale));
}

// ---- metadata --------------------------------------------------------------------------------
const metadata = [
  ["general.architecture", ValueType.string, "llama"],
  ["general.name", ValueType.string, "bitnet-core peer smoke test (random weights)"],
  ["general.alignment", ValueType.u32, kAlignment],
  ["llama.context_length", ValueType.u32, 2048],
  ["llama.embedding_length", ValueType.u32, embedding],
  ["llama.block_count", ValueType.u32, layers],
  ["llama.feed_forward_length", ValueType.u32, feedForward],
  ["llama.attention.head_count", ValueType.u32, heads],
  ["llama.attention.head_count_kv", ValueType.u32, heads],
  ["llama.rope.dimension_count", ValueType.u32, embedding / heads],
  ["llama.attention.layer_norm_rms_epsilon", ValueType.f32, 1e-5],
  ["llama.vocab_size", ValueType.u32, vocabulary],
  ["tokenizer.ggml.model", ValueType.string, "llama"],
  ["tokenizer.ggml.tokens", ValueType.array, { type: ValueType.string, values: tokens }],
  ["tokenizer.ggml.scores", ValueType.array, { type: ValueType.f32, values: tokens.map(() => 0) }],
  ["tokenizer.ggml.token_type", ValueType.array, { type: ValueType.i32, values: tokenTypes }],
  ["tokenizer.ggml.unknown_token_id", ValueType.u32, 0],
  ["tokenizer.ggml.bos_token_id", ValueType.u32, 1],
  ["tokenizer.ggml.eos_token_id", ValueType.u32, 2],
];

function writeValue(writer, type, value) {
  switch (type) {
    case ValueType.u32: return writer.u32(value);
    case ValueType.i32: return writer.i32(value);
    case ValueType.f32: return writer.f32(value);
    case ValueType.string: return writer.string(value);
    case ValueType.array:
      writer.u32(value.type);
      writer.u64(value.values.length);
      for (const element of value.values) writeValue(writer, value.type, element);
      return undefined;
    default: throw new Error(`unknown value type ${type}`);
  }
}

const writer = new ByteWriter();
writer.bytes(Buffer.from("GGUF", "ascii"));
writer.u32(3);
writer.u64(tensors.length);
writer.u64(metadata.length);
for (const [key, type, value] of metadata) {
  writer.string(key);
  writer.u32(type);
  writeValue(writer, type, value);
}
let offset = 0;
for (const tensor of tensors) {
  tensor.offset = offset;
  writer.string(tensor.name);
  writer.u32(tensor.dimensions.length);
  for (const dimension of tensor.dimensions) writer.u64(dimension);
  writer.u32(tensor.type);
  writer.u64(offset);
  offset += Math.ceil(tensor.data.length / kAlignment) * kAlignment;
}
writer.padTo(kAlignment);
for (const tensor of tensors) {
  writer.bytes(tensor.data);
  writer.padTo(kAlignment);
}
const file = writer.result();
writeFileSync(positionals[0], file);
console.log(`wrote ${positionals[0]}: ${tensors.length} tensors, ${file.length} bytes, ` +
  `${layers} layers, embedding ${embedding}, feed-forward ${feedForward}, ` +
  `vocabulary ${vocabulary}`);
