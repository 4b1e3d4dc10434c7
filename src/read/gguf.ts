import type { ContainerResult, Finding } from "../inspect/types.js";
import type { ByteSource } from "./byte-source.js";
import { GgufCursor } from "./gguf-cursor.js";
import {
  GGML_TYPES,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_SCALAR_BYTES,
  GGUF_VALUE_TYPES,
  type GgmlType,
  GgufError,
  type GgufValueType,
} from "./gguf-format.js";
import { tensorHeaderResult, unreadableHeaderResult } from "./tensor-header-result.js";

export { GgufError, type GgufErrorCode } from "./gguf-format.js";

/**
 * Most header bytes walked (magic to the end of the tensor table). Diffusion GGUFs have headers of tens of KB; the
 * largest real ones are LLM text encoders whose tokenizer vocabulary and merges live in the metadata (Qwen, Gemma:
 * 150–260k entries, about 5–10 MB). Past this a header is refused rather than walked further.
 */
export const MAX_GGUF_HEADER_BYTES = 64 * 1024 * 1024;

/**
 * Tensor-table entries: the same cap as the safetensors reader (a record is built per tensor). FLUX has ~780
 * tensors, SDXL ~1.7k, the largest LLM shards tens of thousands.
 */
export const MAX_GGUF_TENSORS = 200_000;

/**
 * Metadata keys. LLM files have a few dozen; ComfyUI's converter adds one `comfy.gguf.orig_shape.*` key per
 * reshaped SD1/SDXL tensor (at most a couple of thousand). A record is built per key, so the count is capped.
 */
export const MAX_GGUF_KEYS = 100_000;

/** Keys and tensor names: the specification caps keys at 2^16−1 bytes; no tensor name comes near it. */
export const MAX_GGUF_NAME_BYTES = 65_535;

/**
 * String values. The longest real ones are chat templates (tens of KB); a length is checked against this before
 * the string is read or decoded.
 */
export const MAX_GGUF_STRING_BYTES = 16 * 1024 * 1024;

/** Array elements: tokenizer vocabularies are the largest real arrays (~262k entries). Bounds the walk of one array. */
export const MAX_GGUF_ARRAY_LENGTH = 4 * 1024 * 1024;

/** Nested arrays are legal but no writer nests more than two deep; bounds the recursion. */
export const MAX_GGUF_ARRAY_DEPTH = 8;

/**
 * Metadata values decoded one by one (fixed-size array items past the kept ones are skipped without a visit). Real
 * headers visit well under a million (a vocabulary and its merges); this bounds the walk of a header built from
 * millions of tiny nested arrays.
 */
export const MAX_GGUF_VALUES_VISITED = 4_000_000;

/** Array values kept for the report; longer arrays are summarised (and, for fixed-size values, skipped unread). */
const ARRAY_VALUES_KEPT = 16;

/** ggml's `GGML_MAX_DIMS`: llama.cpp and ComfyUI's converter write at most 4 dimensions (more go to metadata). */
const MAX_GGUF_DIMS = 4;

/** ComfyUI's converter stores the torch shape of a tensor it reshaped (SD1/SDXL convs) under this key prefix. */
const ORIG_SHAPE_PREFIX = "comfy.gguf.orig_shape.";

const MAGIC = 0x46554747; // "GGUF" read as a little-endian u32, in either byte order (writers put the bytes)
/**
 * Versions read: 1 (August 2023: counts, lengths and dimensions are u32; tensor offsets already u64), 2 (all of
 * those u64) and 3 (same layout; the specification adds big-endian files, whose every number after the magic is
 * big-endian). A big-endian file is told apart as gguf-py and huggingface.js do: its version read little-endian has
 * its low 16 bits zero.
 */
const SUPPORTED_VERSIONS: ReadonlySet<number> = new Set([1, 2, 3]);
const BIG_ENDIAN_VERSIONS: ReadonlySet<number> = new Set([2, 3]);

/** A metadata value as read: arrays keep their length and at most {@link ARRAY_VALUES_KEPT} values. */
export type GgufValue = string | number | boolean | { type: GgufValueType; length: number; values: GgufValue[] };

export interface GgufTensor {
  name: string;
  type: GgmlType;
  /** As stored: ggml order, fastest-varying dimension first. */
  dims: number[];
  /** PyTorch order (`dims` reversed, or ComfyUI's recorded original shape). */
  shape: number[];
  /** Relative to the data section. */
  offset: number;
  byteLength: number;
}

export interface ParsedGguf {
  version: number;
  littleEndian: boolean;
  metadata: Map<string, { type: GgufValueType; value: GgufValue }>;
  tensors: GgufTensor[];
  alignment: number;
  /** Absolute offset of the data section: the end of the header, aligned. */
  dataOffset: number;
  /** `dataOffset` + the end of the last tensor's bytes: the smallest file that holds every tensor. */
  declaredSize: number;
  findings: Finding[];
  /** Set only for a file shorter than its tensor table declares; the tensors are still listed. */
  error: GgufError | null;
}

/** Reads the header (magic, version, counts, metadata, tensor table) and checks the data section against the size. */
export async function parseGguf(source: ByteSource): Promise<ParsedGguf> {
  const cursor = new GgufCursor(source, MAX_GGUF_HEADER_BYTES);
  const findings: Finding[] = [];
  const magic = await cursor.u32("the magic");
  if (magic !== MAGIC) throw new GgufError("bad-magic", "not a GGUF file: it does not start with GGUF");
  const version = await readVersion(cursor);
  // Smallest encodings, to refuse counts the rest of the file cannot hold before looping over them.
  const minTensorInfo = cursor.sizeBytes + 4 + 4 + 8; // empty name, n_dims, type, offset
  const minKeyValue = cursor.sizeBytes + 4 + 1; // empty key, type, one-byte value
  const tensorCount = await count(cursor, "tensor count", MAX_GGUF_TENSORS, "too-many-tensors", minTensorInfo);
  const keyCount = await count(cursor, "metadata key count", MAX_GGUF_KEYS, "too-many-keys", minKeyValue);
  if (version === 1) {
    findings.push({
      severity: "safe",
      code: "gguf-v1",
      message:
        "GGUF version 1 (32-bit counts and lengths, August 2023): " +
        "current llama.cpp and gguf-py (ComfyUI-GGUF) refuse it",
    });
  }
  if (!cursor.littleEndian) {
    findings.push({
      severity: "safe",
      code: "big-endian",
      message:
        "written big-endian (for machines like s390x): llama.cpp on little-endian machines refuses it, " +
        "and other loaders read its tensor data byte-swapped",
    });
  }

  const metadata = new Map<string, { type: GgufValueType; value: GgufValue }>();
  const walk: ValueWalk = { cursor, visited: 0 };
  const duplicates: string[] = [];
  for (let k = 0; k < keyCount; k++) {
    const key = await readName(cursor, `metadata key #${k}`);
    const type = await readValueType(cursor, `value of ${key}`);
    const value = await readValue(walk, type, key, 0);
    if (metadata.has(key)) duplicates.push(key);
    metadata.set(key, { type, value });
  }
  if (duplicates.length > 0) {
    findings.push({
      severity: "suspicious",
      code: "duplicate-key",
      message:
        `metadata key \`${duplicates[0]}\`${duplicates.length > 1 ? ` (and ${duplicates.length - 1} more)` : ""} ` +
        `given more than once; llama.cpp refuses the file, other readers keep one copy`,
    });
  }

  const alignment = readAlignment(metadata);
  const tensors: GgufTensor[] = [];
  const names = new Set<string>();
  for (let t = 0; t < tensorCount; t++) {
    const tensor = await readTensorInfo(cursor, t, alignment, metadata);
    if (names.has(tensor.name))
      throw new GgufError("duplicate-tensor", `tensor \`${tensor.name}\` listed twice; loaders refuse the file`);
    names.add(tensor.name);
    tensors.push(tensor);
  }

  const dataOffset = alignUp(cursor.pos, alignment);
  const dataLength = checkLayout(tensors, findings);
  const declaredSize = dataOffset + dataLength;
  let error: GgufError | null = null;
  if (declaredSize > source.size) {
    error = new GgufError(
      "truncated",
      `truncated: file is ${declaredSize - source.size} bytes shorter than its tensor table declares ` +
        `(incomplete download?)`,
    );
    findings.push({ severity: "suspicious", code: error.code, message: error.message });
  } else if (source.size - declaredSize >= alignment) {
    // Writers pad the last tensor to the alignment; more than that is data nobody indexes.
    findings.push({
      severity: "safe",
      code: "trailing-bytes",
      message: `${source.size - declaredSize} bytes after the last tensor's data`,
    });
  }
  if (metadata.has("tokenizer.chat_template")) {
    findings.push({
      severity: "safe",
      code: "chat-template",
      message:
        "carries a chat template (Jinja text) that LLM runtimes render; image UIs (ComfyUI-GGUF, Forge) ignore it",
    });
  }
  return {
    version,
    littleEndian: cursor.littleEndian,
    metadata,
    tensors,
    alignment,
    dataOffset,
    declaredSize,
    findings,
    error,
  };
}

/** Reads the version and sets the cursor's byte order and size width from it. */
async function readVersion(cursor: GgufCursor): Promise<number> {
  const raw = await cursor.u32("the version");
  cursor.littleEndian = (raw & 0xffff) !== 0;
  const version = cursor.littleEndian
    ? raw
    : (((raw & 0xff) << 24) | ((raw & 0xff00) << 8) | ((raw >>> 8) & 0xff00) | (raw >>> 24)) >>> 0;
  const supported = cursor.littleEndian ? SUPPORTED_VERSIONS : BIG_ENDIAN_VERSIONS;
  if (!supported.has(version)) {
    throw new GgufError(
      "unsupported-version",
      `unknown GGUF version ${version}${cursor.littleEndian ? "" : " (big-endian)"} ` +
        "(1, 2 and 3 exist; big-endian files from 2 on)",
    );
  }
  cursor.sizeBytes = version === 1 ? 4 : 8;
  return version;
}

async function count(
  cursor: GgufCursor,
  what: string,
  limit: number,
  code: "too-many-tensors" | "too-many-keys",
  minEntryBytes: number,
): Promise<number> {
  const n = await cursor.size(`the ${what}`);
  if (n > BigInt(limit)) throw new GgufError(code, `${what} ${n} is above the limit of ${limit}`);
  const entries = Number(n);
  if (entries * minEntryBytes > cursor.remaining()) {
    throw new GgufError(
      "header-truncated",
      `${what} ${entries} cannot fit in the ${cursor.remaining()} bytes left in the file`,
    );
  }
  return entries;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

async function readString(cursor: GgufCursor, what: string, limit: number): Promise<string> {
  const length = await cursor.size(`the length of ${what}`);
  if (length > BigInt(limit)) {
    throw new GgufError("string-too-long", `${what} is ${length} bytes long, above the limit of ${limit}`);
  }
  const bytes = await cursor.bytes(Number(length), what);
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new GgufError("invalid-string", `${what} is not valid UTF-8`);
  }
}

function readName(cursor: GgufCursor, what: string): Promise<string> {
  return readString(cursor, what, MAX_GGUF_NAME_BYTES);
}

async function readValueType(cursor: GgufCursor, what: string): Promise<GgufValueType> {
  const code = await cursor.u32(`the type of ${what}`);
  const type = GGUF_VALUE_TYPES[code];
  if (type === undefined) throw new GgufError("invalid-value-type", `${what} has unknown value type ${code}`);
  return type;
}

async function readScalar(cursor: GgufCursor, type: GgufValueType, what: string): Promise<GgufValue> {
  const bytes = GGUF_SCALAR_BYTES[type]!;
  return cursor.scalar(bytes, what, (view, at, le): GgufValue => {
    switch (type) {
      case "uint8":
        return view.getUint8(at);
      case "int8":
        return view.getInt8(at);
      case "bool":
        return view.getUint8(at) !== 0;
      case "uint16":
        return view.getUint16(at, le);
      case "int16":
        return view.getInt16(at, le);
      case "uint32":
        return view.getUint32(at, le);
      case "int32":
        return view.getInt32(at, le);
      case "float32":
        return view.getFloat32(at, le);
      case "float64":
        return view.getFloat64(at, le);
      case "uint64":
        return bigValue(view.getBigUint64(at, le));
      default:
        return bigValue(view.getBigInt64(at, le));
    }
  });
}

/** A 64-bit integer as a number when exact, else as its decimal text. */
function bigValue(n: bigint): number | string {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(n) : n.toString();
}

interface ValueWalk {
  cursor: GgufCursor;
  visited: number;
}

async function readValue(walk: ValueWalk, type: GgufValueType, what: string, depth: number): Promise<GgufValue> {
  const { cursor } = walk;
  if (++walk.visited > MAX_GGUF_VALUES_VISITED) {
    throw new GgufError("array-too-long", `metadata holds more than ${MAX_GGUF_VALUES_VISITED} values`);
  }
  if (type === "string") return readString(cursor, what, MAX_GGUF_STRING_BYTES);
  if (type !== "array") return readScalar(cursor, type, what);
  if (depth >= MAX_GGUF_ARRAY_DEPTH)
    throw new GgufError("array-too-deep", `${what} nests arrays more than ${MAX_GGUF_ARRAY_DEPTH} deep`);
  const itemType = await readValueType(cursor, `the items of ${what}`);
  const length = await cursor.size(`the length of ${what}`);
  const itemBytes = GGUF_SCALAR_BYTES[itemType];
  // Every item takes at least its fixed size, or a length (strings) / type + length (arrays).
  const minItemBytes = itemBytes ?? (itemType === "string" ? cursor.sizeBytes : 4 + cursor.sizeBytes);
  if (length > BigInt(MAX_GGUF_ARRAY_LENGTH)) {
    throw new GgufError("array-too-long", `${what} has ${length} items, above the limit of ${MAX_GGUF_ARRAY_LENGTH}`);
  }
  const n = Number(length);
  if (n * minItemBytes > cursor.remaining()) {
    throw new GgufError("header-truncated", `${what}: ${n} items cannot fit in the ${cursor.remaining()} bytes left`);
  }
  const values: GgufValue[] = [];
  for (let i = 0; i < n; i++) {
    if (i < ARRAY_VALUES_KEPT) {
      values.push(await readValue(walk, itemType, `${what}[${i}]`, depth + 1));
    } else if (itemBytes !== undefined) {
      cursor.skip((n - i) * itemBytes, what);
      break;
    } else if (itemType === "string") {
      if (++walk.visited > MAX_GGUF_VALUES_VISITED) {
        throw new GgufError("array-too-long", `metadata holds more than ${MAX_GGUF_VALUES_VISITED} values`);
      }
      const skipped = await cursor.size(`the length of ${what}[${i}]`);
      if (skipped > BigInt(MAX_GGUF_STRING_BYTES)) {
        throw new GgufError(
          "string-too-long",
          `${what}[${i}] is ${skipped} bytes long, above the limit of ${MAX_GGUF_STRING_BYTES}`,
        );
      }
      cursor.skip(Number(skipped), `${what}[${i}]`);
    } else {
      await readValue(walk, itemType, `${what}[${i}]`, depth + 1);
    }
  }
  return { type: itemType, length: n, values };
}

/** `general.alignment`: a u32 power of two, else the default. */
function readAlignment(metadata: ReadonlyMap<string, { type: GgufValueType; value: GgufValue }>): number {
  const entry = metadata.get("general.alignment");
  if (entry === undefined) return GGUF_DEFAULT_ALIGNMENT;
  const { type, value } = entry;
  if (type !== "uint32" || typeof value !== "number" || value === 0 || (value & (value - 1)) !== 0) {
    throw new GgufError(
      "invalid-alignment",
      `general.alignment must be a power of two stored as uint32 (found ${type} ${formatGgufValue(value)})`,
    );
  }
  return value;
}

async function readTensorInfo(
  cursor: GgufCursor,
  t: number,
  alignment: number,
  metadata: ReadonlyMap<string, { type: GgufValueType; value: GgufValue }>,
): Promise<GgufTensor> {
  const name = await readName(cursor, `the name of tensor #${t}`);
  const invalid = (why: string) => new GgufError("invalid-tensor", `tensor \`${name}\`: ${why}`);
  const nDims = await cursor.u32(`the dimension count of \`${name}\``);
  if (nDims > MAX_GGUF_DIMS) throw invalid(`${nDims} dimensions; ggml allows at most ${MAX_GGUF_DIMS}`);
  const dims: number[] = [];
  let elements = 1;
  for (let d = 0; d < nDims; d++) {
    const dim = await cursor.size(`a dimension of \`${name}\``);
    if (dim > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(`dimension ${dim} is out of range`);
    dims.push(Number(dim));
    elements *= Number(dim);
    if (elements > Number.MAX_SAFE_INTEGER)
      throw invalid(`[${dims.join(", ")}…] holds more elements than any file can`);
  }
  const typeId = await cursor.u32(`the type of \`${name}\``);
  const type = GGML_TYPES.get(typeId);
  if (type === undefined) throw invalid(`unknown ggml type ${typeId}, so its size cannot be known`);
  const offset = await cursor.u64(`the offset of \`${name}\``);
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(`offset ${offset} is out of range`);
  if (Number(offset) % alignment !== 0)
    throw invalid(`offset ${offset} is not a multiple of the alignment ${alignment}`);
  if ((dims[0] ?? 1) % type.blockSize !== 0) {
    throw invalid(`rows of ${dims[0]} ${type.name} values do not fill whole blocks of ${type.blockSize}`);
  }
  const byteLength = (elements / type.blockSize) * type.typeSize;
  return { name, type, dims, shape: torchShape(name, dims, elements, metadata), offset: Number(offset), byteLength };
}

/** Dims reversed to PyTorch order, or the original shape ComfyUI's converter recorded for a reshaped tensor. */
function torchShape(
  name: string,
  dims: readonly number[],
  elements: number,
  metadata: ReadonlyMap<string, { type: GgufValueType; value: GgufValue }>,
): number[] {
  const recorded = metadata.get(ORIG_SHAPE_PREFIX + name)?.value;
  if (typeof recorded === "object" && recorded.length === recorded.values.length) {
    const shape = recorded.values.filter(
      (v): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0,
    );
    if (shape.length === recorded.length && shape.reduce((a, b) => a * b, 1) === elements) return shape;
  }
  return [...dims].reverse();
}

/** Sorts by offset, reports overlaps, returns the end of the data section relative to its start. */
function checkLayout(tensors: readonly GgufTensor[], findings: Finding[]): number {
  const sorted = [...tensors].sort((a, b) => a.offset - b.offset);
  let end = 0;
  const overlapping: string[] = [];
  for (const tensor of sorted) {
    if (tensor.offset < end) overlapping.push(tensor.name);
    end = Math.max(end, tensor.offset + tensor.byteLength);
  }
  if (overlapping.length > 0) {
    findings.push({
      severity: "suspicious",
      code: "overlapping-tensors",
      message:
        `tensor \`${overlapping[0]}\`${overlapping.length > 1 ? ` (and ${overlapping.length - 1} more)` : ""} ` +
        `shares bytes with another; llama.cpp refuses such a file`,
    });
  }
  return end;
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

/** A metadata value as report text: arrays as `[a, b, …]` with their length when cut. */
export function formatGgufValue(value: GgufValue): string {
  if (typeof value !== "object") return String(value);
  const shown = value.values.map((v) => (typeof v === "string" ? JSON.stringify(v) : formatGgufValue(v)));
  return value.length > value.values.length
    ? `[${shown.join(", ")}, … ${value.length} ${value.type} items]`
    : `[${shown.join(", ")}]`;
}

/**
 * The GGUF reading of a file: tensors in PyTorch order with their ggml type as dtype, metadata as text. Reads only
 * the header; the data section is checked by arithmetic on the file size. Never throws for bad input.
 */
export async function readGguf(source: ByteSource): Promise<ContainerResult> {
  try {
    const parsed = await parseGguf(source);
    const metadata: Record<string, string> = Object.create(null);
    for (const [key, { value }] of parsed.metadata) metadata[key] = formatGgufValue(value);
    return tensorHeaderResult("gguf", {
      tensors: parsed.tensors.map((t) => ({ name: t.name, path: [t.name], dtype: t.type.name, shape: t.shape })),
      metadata,
      findings: parsed.findings,
      error: parsed.error && {
        code: parsed.error.code,
        message: parsed.error.message,
        missing: { bytes: parsed.declaredSize - source.size, declaredBy: "tensor-table" },
      },
    });
  } catch (error) {
    if (!(error instanceof GgufError)) throw error;
    return unreadableHeaderResult("gguf", { code: error.code, message: `GGUF: ${error.message}` });
  }
}
