// The @huggingface/gguf side of the GGUF interoperability test (run.sh drives it):
//
//   node gguf_interop.mjs parse FILE          prints what @huggingface/gguf finds in FILE as JSON
//   node gguf_interop.mjs build DIR           writes GGUF files built with serializeGgufMetadata
//                                             and buildGgufHeader (+ tensor data), each with a
//                                             FILE.expected.json of what was serialized
//   node gguf_interop.mjs edit IN OUT         rewrites IN's metadata with buildGgufHeader, keeps
//                                             its tensor infos and data, writes OUT + expected JSON
//
// JSON conventions: BigInt values print as decimal strings, non-finite numbers as "NaN",
// "Infinity", "-Infinity"; tensor shapes and offsets are strings (BigInt).
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { gguf, buildGgufHeader, serializeGgufMetadata, GGUFValueType } from "@huggingface/gguf";

const T = GGUFValueType;
const PSEUDO_KEYS = new Set(["version", "tensor_count", "kv_count"]);

function replacer(_key, value) {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && !Number.isFinite(value)) {
    return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  }
  return value;
}
const toJson = (value) => JSON.stringify(value, replacer, 1);

function typedEntries(typedMetadata) {
  const out = {};
  for (const [key, entry] of Object.entries(typedMetadata)) {
    if (PSEUDO_KEYS.has(key)) continue;
    out[key] = { type: entry.type, value: entry.value };
    if (entry.subType !== undefined) out[key].subType = entry.subType;
  }
  return out;
}

function tensorInfosJson(tensorInfos) {
  return tensorInfos.map((t) => ({ name: t.name, shape: t.shape, dtype: t.dtype, offset: t.offset, n_dims: t.n_dims }));
}

async function parse(file) {
  const parsed = await gguf(file, { allowLocalFile: true, typedMetadata: true });
  process.stdout.write(
    toJson({
      version: parsed.metadata.version,
      tensorDataOffset: parsed.tensorDataOffset,
      metadata: typedEntries(parsed.typedMetadata),
      tensors: tensorInfosJson(parsed.tensorInfos),
    }) + "\n",
  );
}

// ---- building files ------------------------------------------------------------------------------
const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
const u64 = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return b; };
const str = (s) => { const bytes = Buffer.from(s, "utf8"); return Buffer.concat([u64(bytes.length), bytes]); };
const pad = (n, a) => (a - (n % a)) % a;

// Every value type, as @huggingface/gguf's typed metadata.
function everyType(tensorCount) {
  return {
    version: { value: 3, type: T.UINT32 },
    tensor_count: { value: BigInt(tensorCount), type: T.UINT64 },
    kv_count: { value: 0n, type: T.UINT64 },
    "general.architecture": { value: "bitnet", type: T.STRING },
    "general.alignment": { value: 64, type: T.UINT32 },
    "test.u8": { value: 250, type: T.UINT8 },
    "test.i8": { value: -7, type: T.INT8 },
    "test.u16": { value: 65000, type: T.UINT16 },
    "test.i16": { value: -32000, type: T.INT16 },
    "test.u32": { value: 4000000000, type: T.UINT32 },
    "test.i32": { value: -2000000000, type: T.INT32 },
    "test.f32": { value: 0.5, type: T.FLOAT32 },
    "test.bool": { value: true, type: T.BOOL },
    "test.string": { value: "h\u00e9llo \u2713", type: T.STRING },
    "test.u64": { value: 18446744073709551615n, type: T.UINT64 },
    "test.i64": { value: -9223372036854775808n, type: T.INT64 },
    "test.f64": { value: 1e-300, type: T.FLOAT64 },
    "tokenizer.ggml.tokens": { value: ["<s>", "</s>", "\u2581the", ""], type: T.ARRAY, subType: T.STRING },
    "tokenizer.ggml.scores": { value: [0, -1.25, 7.5], type: T.ARRAY, subType: T.FLOAT32 },
    "tokenizer.ggml.token_type": { value: [1, 2, 3], type: T.ARRAY, subType: T.INT32 },
    "test.u64s": { value: [0n, 18446744073709551615n], type: T.ARRAY, subType: T.UINT64 },
    "test.bools": { value: [false, true], type: T.ARRAY, subType: T.BOOL },
    "test.empty": { value: [], type: T.ARRAY, subType: T.UINT16 },
  };
}

async function build(directory) {
  await mkdir(directory, { recursive: true });
  // 1. Metadata only: serializeGgufMetadata's output is a whole file when there are no tensors.
  const metadataOnly = everyType(0);
  await writeFile(`${directory}/serialized_metadata.gguf`, serializeGgufMetadata(metadataOnly, { alignment: 64 }));
  await writeFile(`${directory}/serialized_metadata.gguf.expected.json`,
    toJson({ metadata: typedEntries(metadataOnly), tensors: [] }));

  // 2. With tensors: our own tensor-info bytes through buildGgufHeader, then the data.
  const alignment = 64;
  const f32 = new Float32Array([0, 1.5, -2, 3.25, 4, -5.5]);   // "weights" ne = [3, 2]
  const f16 = new Uint16Array([0x3c00, 0xc000, 0x3800, 0x0000, 0x7bff, 0x3555, 0x4200, 0xbc00]);
  const f16Values = [1, -2, 0.5, 0, 65504, 0.333251953125, 3, -1];
  const infos = [
    { name: "weights", shape: [3n, 2n], dtype: 0, offset: 0n },
    { name: "norm", shape: [8n], dtype: 1, offset: 64n },
  ];
  const infoBytes = Buffer.concat(
    infos.flatMap((t) => [str(t.name), u32(t.shape.length), ...t.shape.map(u64), u32(t.dtype), u64(t.offset)]),
  );
  const withTensors = everyType(infos.length);
  const header = await buildGgufHeader(new Blob([infoBytes]), withTensors, {
    littleEndian: true,
    tensorInfoByteRange: [0, infoBytes.length],
    alignment,
  });
  const data0 = Buffer.from(f32.buffer);
  const data = Buffer.concat([data0, Buffer.alloc(pad(data0.length, alignment)), Buffer.from(f16.buffer)]);
  const headerBytes = Buffer.from(await header.arrayBuffer());
  await writeFile(`${directory}/built_with_tensors.gguf`, Buffer.concat([headerBytes, data]));
  await writeFile(`${directory}/built_with_tensors.gguf.expected.json`,
    toJson({
      metadata: typedEntries(withTensors),
      tensors: tensorInfosJson(infos),
      values: { weights: Array.from(f32), norm: f16Values },
    }));
}

// 3. Editing a file we wrote: new metadata through buildGgufHeader, original infos and data.
async function edit(input, output) {
  const parsed = await gguf(input, { allowLocalFile: true, typedMetadata: true });
  const metadata = { ...parsed.typedMetadata };
  metadata["general.name"] = { value: "edited by @huggingface/gguf", type: T.STRING };
  metadata["general.architecture"] = { value: "bitnet-b1.58", type: T.STRING };
  metadata["test.added_floats"] = { value: [1.5, -0.25], type: T.ARRAY, subType: T.FLOAT32 };
  metadata.kv_count = { value: BigInt(Object.keys(metadata).length - PSEUDO_KEYS.size), type: T.UINT64 };
  const original = new Blob([await readFile(input)]);
  const alignment = Number(parsed.metadata["general.alignment"] ?? 32);
  const header = await buildGgufHeader(original, metadata, {
    littleEndian: parsed.littleEndian,
    tensorInfoByteRange: parsed.tensorInfoByteRange,
    alignment,
  });
  const data = original.slice(Number(parsed.tensorDataOffset));
  const bytes = Buffer.concat([Buffer.from(await header.arrayBuffer()), Buffer.from(await data.arrayBuffer())]);
  await writeFile(output, bytes);
  await writeFile(`${output}.expected.json`,
    toJson({ metadata: typedEntries(metadata), tensors: tensorInfosJson(parsed.tensorInfos) }));
}

const [command, ...args] = process.argv.slice(2);
const commands = { parse: () => parse(args[0]), build: () => build(args[0]), edit: () => edit(args[0], args[1]) };
if (!(command in commands)) {
  console.error("usage: node gguf_interop.mjs parse FILE | build DIR | edit IN OUT");
  process.exit(2);
}
await commands[command]();
