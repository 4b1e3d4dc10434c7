import { ARRAY_END, JsonSyntaxError, OBJECT_END, StrictJsonReader } from "./json-strict.js";
import { SAFETENSORS_DTYPE_BITS } from "./safetensors-dtypes.js";
import { SafetensorsError } from "./safetensors-error.js";

/**
 * serde_json's default recursion limit: its depth counter starts at 128 and fails on reaching 0, so 127 containers
 * may be open at once. Mirroring it keeps the reference's verdict on deeply nested unknown fields, and bounds the
 * reader's memory on a 5×10^6-deep `[[[…`.
 */
const SERDE_JSON_MAX_DEPTH = 127;

/**
 * Policy cap on header entries, checked before each per-tensor record is built. SD/SDXL checkpoints have 1–3k
 * tensors and the largest real shards tens of thousands; 10^6 tiny tensors fit in a 70 MB header (the reference
 * accepts them) and cost about a gigabyte of heap in a naive reader.
 */
export const MAX_TENSORS = 200_000;

/** A u64 from the header: a `number` up to 2^53−1, a `bigint` above (one representation per value). */
export type Uint64 = number | bigint;

export interface HeaderEntry {
  dtype: string;
  shape: Uint64[];
  dataOffsets: [Uint64, Uint64];
}

/** The header as the reference's serde model (`HashMetadata`) sees it, plus what serde silently discards. */
export interface DecodedHeader {
  /** In header order; a repeated name keeps its last value at its last position, as the reference keeps the last. */
  tensors: Map<string, HeaderEntry>;
  /** Null-prototype, so a `__proto__` key is an ordinary entry. */
  metadata: Record<string, string> | null;
  leadingWhitespace: boolean;
  duplicateTensorNames: Set<string>;
  duplicateMetadataKeys: Set<string>;
  /** `[tensor, field]` for the first unknown field of each entry that has one (serde ignores them). */
  unknownFields: [string, string][];
  /** Entries written as `["F16", [2], [0, 4]]`: serde accepts a struct as a sequence, other readers do not. */
  sequenceEntries: string[];
}

/**
 * Step 5 of the reference check: deserialize the decoded header text as `HashMetadata` (`__metadata__` an optional
 * string map, every other key a `TensorInfo`). Every failure is `InvalidHeaderDeserialization`, except the policy
 * cap `too-many-tensors`.
 */
export function decodeSafetensorsHeaderJson(text: string): DecodedHeader {
  try {
    return decode(new StrictJsonReader(text, SERDE_JSON_MAX_DEPTH));
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      throw new SafetensorsError("InvalidHeaderDeserialization", `invalid JSON in header: ${error.message}`);
    }
    throw error;
  }
}

function decode(r: StrictJsonReader): DecodedHeader {
  const out: DecodedHeader = {
    tensors: new Map(),
    metadata: null,
    leadingWhitespace: false,
    duplicateTensorNames: new Set(),
    duplicateMetadataKeys: new Set(),
    unknownFields: [],
    sequenceEntries: [],
  };
  const type = r.peekType();
  out.leadingWhitespace = r.position > 0;
  if (type !== "object") r.fail(`invalid type: ${type ?? "no value"}, expected a JSON object`);
  r.openObject();
  let metadataSeen = false;
  let entries = 0;
  for (let first = true; r.more(OBJECT_END, first); first = false) {
    const plain = r.match(PLAIN_ENTRY);
    if (plain !== null && plain[1] !== "__metadata__" && SAFETENSORS_DTYPE_BITS.has(plain[2]!)) {
      if (++entries > MAX_TENSORS) {
        throw new SafetensorsError("too-many-tensors", `header lists more than ${MAX_TENSORS} tensors`);
      }
      r.consume(plain);
      setEntry(out, plain[1]!, {
        dtype: plain[2]!,
        shape: plainDims(plain[3]!),
        dataOffsets: [Number(plain[4]), Number(plain[5])],
      });
      continue;
    }
    r.peek();
    const keyAt = r.position;
    const key = r.readKey();
    if (key === "__metadata__") {
      if (metadataSeen) r.fail("duplicate field `__metadata__`", keyAt);
      metadataSeen = true;
      out.metadata = readMetadata(r, out.duplicateMetadataKeys);
      continue;
    }
    if (++entries > MAX_TENSORS) {
      throw new SafetensorsError("too-many-tensors", `header lists more than ${MAX_TENSORS} tensors`);
    }
    setEntry(out, key, readEntry(r, key, out));
  }
  r.finish();
  return out;
}

/** Adds a tensor; a repeated name moves to the end with its new value. One map lookup unless it is a repeat. */
function setEntry(out: DecodedHeader, name: string, entry: HeaderEntry): void {
  const size = out.tensors.size;
  out.tensors.set(name, entry);
  if (out.tensors.size === size) {
    out.duplicateTensorNames.add(name);
    out.tensors.delete(name);
    out.tensors.set(name, entry);
  }
}

/** JSON whitespace, as serde_json skips it (not `\s`, which also matches Unicode spaces). */
const WS = "[ \\t\\n\\r]*";
/** At most 15 digits, no leading zero: exactly the integers the general reader returns as a `number`. */
const SMALL_UINT = "(?:0|[1-9][0-9]{0,14})";
const PLAIN_STRING = '"([^"\\\\\\u0000-\\u001f]*)"';
/**
 * One tensor entry as every safetensors writer lays it out: an escape-free name, then `dtype`, `shape` and
 * `data_offsets` in that order, integers of at most 15 digits. Matched in one native pass; the general reader then
 * decodes only what differs (escapes, other field orders, unknown fields, big or malformed numbers, errors), so both
 * paths give the same result for the same text. Opens two containers below the top-level object, far under the
 * depth limit.
 */
const PLAIN_ENTRY = new RegExp(
  `${PLAIN_STRING}${WS}:${WS}\\{${WS}"dtype"${WS}:${WS}${PLAIN_STRING}${WS}` +
    `,${WS}"shape"${WS}:${WS}\\[${WS}((?:${SMALL_UINT}${WS}(?:,${WS}${SMALL_UINT}${WS})*)?)\\]${WS}` +
    `,${WS}"data_offsets"${WS}:${WS}\\[${WS}(${SMALL_UINT})${WS},${WS}(${SMALL_UINT})${WS}\\]${WS}\\}`,
  "y",
);

/** The dimensions of a {@link PLAIN_ENTRY} shape: digits separated by commas and JSON whitespace. */
function plainDims(list: string): number[] {
  const dims: number[] = [];
  let value = -1;
  for (let i = 0; i < list.length; i++) {
    const c = list.charCodeAt(i) - 0x30;
    if (c >= 0 && c <= 9) value = (value < 0 ? 0 : value * 10) + c;
    else if (value >= 0) {
      dims.push(value);
      value = -1;
    }
  }
  if (value >= 0) dims.push(value);
  return dims;
}

function readMetadata(r: StrictJsonReader, duplicates: Set<string>): Record<string, string> | null {
  const type = r.peekType();
  if (type === "null") return r.readNull();
  if (type !== "object") r.fail(`invalid type: ${type ?? "no value"}, expected a map of strings for \`__metadata__\``);
  const metadata: Record<string, string> = Object.create(null);
  r.openObject();
  for (let first = true; r.more(OBJECT_END, first); first = false) {
    const key = r.readKey();
    const valueType = r.peekType();
    if (valueType !== "string") {
      r.fail(`invalid type: ${valueType ?? "no value"}, expected a string for \`__metadata__\` key \`${key}\``);
    }
    if (Object.hasOwn(metadata, key)) duplicates.add(key);
    metadata[key] = r.readString();
  }
  return metadata;
}

function readEntry(r: StrictJsonReader, name: string, out: DecodedHeader): HeaderEntry {
  const type = r.peekType();
  if (type === "array") {
    out.sequenceEntries.push(name);
    return readEntrySequence(r, name);
  }
  if (type !== "object")
    r.fail(`invalid type: ${type ?? "no value"}, expected struct TensorInfo for tensor \`${name}\``);
  let dtype: string | undefined;
  let shape: Uint64[] | undefined;
  let dataOffsets: [Uint64, Uint64] | undefined;
  let unknownField: string | undefined;
  r.openObject();
  for (let first = true; r.more(OBJECT_END, first); first = false) {
    r.peek();
    const fieldAt = r.position;
    const field = r.readKey();
    if (field === "dtype") {
      if (dtype !== undefined) duplicateField(r, field, name, fieldAt);
      dtype = readDtype(r, name);
    } else if (field === "shape") {
      if (shape !== undefined) duplicateField(r, field, name, fieldAt);
      shape = readShape(r);
    } else if (field === "data_offsets") {
      if (dataOffsets !== undefined) duplicateField(r, field, name, fieldAt);
      dataOffsets = readDataOffsets(r);
    } else {
      unknownField ??= field;
      r.skipValue();
    }
  }
  if (dtype === undefined) r.fail(`missing field \`dtype\` in tensor \`${name}\``);
  if (shape === undefined) r.fail(`missing field \`shape\` in tensor \`${name}\``);
  if (dataOffsets === undefined) r.fail(`missing field \`data_offsets\` in tensor \`${name}\``);
  if (unknownField !== undefined) out.unknownFields.push([name, unknownField]);
  return { dtype, shape, dataOffsets };
}

/** serde's derived `visit_seq`: exactly `[dtype, shape, data_offsets]`. */
function readEntrySequence(r: StrictJsonReader, name: string): HeaderEntry {
  const what = `struct TensorInfo with 3 elements for tensor \`${name}\``;
  r.openArray();
  if (!r.more(ARRAY_END, true)) invalidLength(r, 0, what);
  const dtype = readDtype(r, name);
  if (!r.more(ARRAY_END, false)) invalidLength(r, 1, what);
  const shape = readShape(r);
  if (!r.more(ARRAY_END, false)) invalidLength(r, 2, what);
  const dataOffsets = readDataOffsets(r);
  if (r.more(ARRAY_END, false)) invalidLength(r, 4, what);
  return { dtype, shape, dataOffsets };
}

function readDtype(r: StrictJsonReader, name: string): string {
  const type = r.peekType();
  if (type !== "string") r.fail(`invalid type: ${type ?? "no value"}, expected a dtype string for tensor \`${name}\``);
  const at = r.position;
  const dtype = r.readString();
  if (!SAFETENSORS_DTYPE_BITS.has(dtype)) {
    r.fail(`unsupported dtype \`${dtype}\` for tensor \`${name}\` (newer safetensors?)`, at);
  }
  return dtype;
}

function readShape(r: StrictJsonReader): Uint64[] {
  const type = r.peekType();
  if (type !== "array") r.fail(`invalid type: ${type ?? "no value"}, expected a sequence for \`shape\``);
  const shape: Uint64[] = [];
  r.openArray();
  for (let first = true; r.more(ARRAY_END, first); first = false) shape.push(r.readUint64());
  return shape;
}

function readDataOffsets(r: StrictJsonReader): [Uint64, Uint64] {
  const type = r.peekType();
  if (type !== "array") r.fail(`invalid type: ${type ?? "no value"}, expected a tuple of size 2 for \`data_offsets\``);
  r.openArray();
  if (!r.more(ARRAY_END, true)) invalidLength(r, 0, OFFSETS_TUPLE);
  const begin = r.readUint64();
  if (!r.more(ARRAY_END, false)) invalidLength(r, 1, OFFSETS_TUPLE);
  const end = r.readUint64();
  if (r.more(ARRAY_END, false)) invalidLength(r, 3, OFFSETS_TUPLE);
  return [begin, end];
}

const OFFSETS_TUPLE = "a tuple of size 2 for `data_offsets`";

function invalidLength(r: StrictJsonReader, length: number, expected: string): never {
  return r.fail(`invalid length ${length}, expected ${expected}`);
}

function duplicateField(r: StrictJsonReader, field: string, tensor: string, at: number): never {
  return r.fail(`duplicate field \`${field}\` in tensor \`${tensor}\``, at);
}
