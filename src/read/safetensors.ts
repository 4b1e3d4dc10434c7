import type { ContainerResult, Finding } from "../inspect/types.js";
import type { ByteSource } from "./byte-source.js";
import { detachStrings } from "./safetensors-detach-strings.js";
import { SAFETENSORS_DTYPE_BITS } from "./safetensors-dtypes.js";
import { SafetensorsError } from "./safetensors-error.js";
import {
  type DecodedHeader,
  decodeSafetensorsHeaderJson,
  type HeaderEntry,
  type Uint64,
} from "./safetensors-header-json.js";
import { tensorHeaderResult, unreadableHeaderResult } from "./tensor-header-result.js";

export { SafetensorsError, type SafetensorsErrorCode } from "./safetensors-error.js";

/** Size of the little-endian u64 header length that starts every file (`N_LEN` in the reference). */
const N_LEN = 8;

/**
 * The reference's `MAX_HEADER_SIZE`: longer headers are refused before anything is allocated, so a length field of
 * 2^64−1 costs nothing. A conformance limit: files the reference loads must not be refused here.
 */
export const MAX_HEADER_SIZE = 100_000_000;

/**
 * Policy: headers above this are reported as suspicious (still parsed). huggingface.js refuses them outright
 * (`MAX_HEADER_LENGTH`); SD/SDXL headers, kohya `ss_*` training metadata included, are well under a megabyte.
 */
const OVERSIZED_HEADER = 25_000_000;

/** How many names a finding quotes before it just counts; keeps reports short on hostile headers. */
const NAMES_QUOTED = 5;

export interface SafetensorsTensor {
  name: string;
  dtype: string;
  shape: number[];
  /** Relative to the data buffer, which starts at byte `8 + headerLength`. */
  dataOffsets: [number, number];
}

export interface ParsedSafetensors {
  headerLength: number;
  /** Header order (a repeated name at its last position, with its last value). */
  tensors: SafetensorsTensor[];
  /** String → string; null-prototype, so `__proto__` is an ordinary key. */
  metadata: Record<string, string> | null;
  /** `8 + headerLength + last_end`: the file size the header declares. */
  declaredSize: number;
  /** Notes (`safe`) and policy findings; includes the truncation finding when `error` is set. */
  findings: Finding[];
  /**
   * Set only for a file shorter than its header declares (`MetadataIncompleteBuffer`): the header is fine and the
   * tensors are listed, but the data is missing. A longer file is a `trailing-bytes` finding instead.
   */
  error: SafetensorsError | null;
}

/**
 * Pure validation of an already-read header, in the reference implementation's order (`SafeTensors::read_metadata`
 * then `Metadata::validate`): length checks, UTF-8, JSON, per-tensor offsets/overflow/alignment/size, coverage.
 * Throws {@link SafetensorsError} for the first failure, except truncation (see {@link ParsedSafetensors.error}).
 */
export function parseSafetensorsHeader(header: Uint8Array, headerLength: bigint, fileSize: number): ParsedSafetensors {
  const n = checkHeaderLength(headerLength, fileSize);
  if (header.length !== n) {
    throw new SafetensorsError(
      "InvalidHeaderLength",
      `invalid header length: ${header.length} of ${n} header bytes present`,
    );
  }
  let text: string;
  try {
    // ignoreBOM keeps a BOM in the text, so it fails the JSON check as it does in the reference.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(header);
  } catch {
    throw new SafetensorsError("InvalidHeader", "invalid UTF-8 in header");
  }
  const decoded = decodeSafetensorsHeaderJson(text);
  const dataLength = validateEntries(decoded.tensors);
  const findings = headerFindings(decoded, n);

  // Step 10, by arithmetic on the file size: the data buffer itself is never read.
  const declared = BigInt(N_LEN + n) + BigInt(dataLength);
  const size = BigInt(fileSize);
  let error: SafetensorsError | null = null;
  if (declared > size) {
    error = new SafetensorsError(
      "MetadataIncompleteBuffer",
      `truncated: file is ${declared - size} bytes shorter than its header declares (incomplete download?)`,
    );
    findings.push({ severity: "suspicious", code: error.code, message: error.message });
  } else if (declared < size) {
    findings.push({
      severity: "suspicious",
      code: "trailing-bytes",
      message:
        `${size - declared} bytes after the tensor data ` +
        `(the safetensors library refuses this file: MetadataIncompleteBuffer)`,
    });
  }

  // Nothing returned may be a slice of `text` (see detachStrings); dtypes are a few characters, which V8 copies.
  const names = detachStrings([...decoded.tensors.keys()]);
  const tensors: SafetensorsTensor[] = [];
  let i = 0;
  for (const entry of decoded.tensors.values()) {
    // validateEntries has refused every integer above 2^53−1, so these are plain numbers.
    tensors.push({
      name: names[i++]!,
      dtype: entry.dtype,
      shape: entry.shape as number[],
      dataOffsets: entry.dataOffsets as [number, number],
    });
  }
  return {
    headerLength: n,
    tensors,
    metadata: detachMetadata(decoded.metadata),
    declaredSize: Number(declared),
    findings,
    error,
  };
}

/**
 * The metadata values in a pool of their own, so a report that keeps the metadata without the tensors keeps no
 * tensor name alive. Keys need no copy: V8 interns property names, and interned strings are never slices.
 */
function detachMetadata(metadata: Record<string, string> | null): Record<string, string> | null {
  if (metadata === null) return null;
  const keys = Object.keys(metadata);
  const values = detachStrings(keys.map((key) => metadata[key]!));
  const copy: Record<string, string> = Object.create(null);
  for (let k = 0; k < keys.length; k++) copy[keys[k]!] = values[k]!;
  return copy;
}

/** Notes and policy findings about a header that passed the reference checks. */
function headerFindings(decoded: DecodedHeader, headerLength: number): Finding[] {
  const findings: Finding[] = [];
  if (headerLength > OVERSIZED_HEADER) {
    findings.push({
      severity: "suspicious",
      code: "oversized-header",
      message: `header is ${headerLength} bytes; model headers are far smaller (limit ${OVERSIZED_HEADER})`,
    });
  }
  if (decoded.leadingWhitespace) {
    findings.push({
      severity: "safe",
      code: "leading-whitespace",
      message: "header has whitespace before its opening `{`",
    });
  }
  if (decoded.duplicateTensorNames.size > 0) {
    findings.push({
      severity: "suspicious",
      code: "duplicate-key",
      message:
        `tensor ${quoteNames(decoded.duplicateTensorNames)} listed more than once; ` +
        `the safetensors library keeps the last copy, other loaders may not`,
    });
  }
  if (decoded.duplicateMetadataKeys.size > 0) {
    findings.push({
      severity: "safe",
      code: "duplicate-key",
      message:
        `__metadata__ key ${quoteNames(decoded.duplicateMetadataKeys)} given more than once; ` +
        `the last value is kept`,
    });
  }
  if (decoded.unknownFields.length > 0) {
    const [tensor, field] = decoded.unknownFields[0]!;
    findings.push({
      severity: "safe",
      code: "unknown-field",
      message: `${
        decoded.unknownFields.length === 1
          ? "a tensor entry carries"
          : `${decoded.unknownFields.length} tensor entries carry`
      } fields safetensors ignores (first: \`${field}\` in \`${tensor}\`)`,
    });
  }
  if (decoded.sequenceEntries.length > 0) {
    findings.push({
      severity: "suspicious",
      code: "nonstandard-header",
      message:
        `tensor ${quoteNames(decoded.sequenceEntries)} written as a JSON array; ` +
        `the safetensors library accepts it, other readers do not`,
    });
  }

  return findings;
}

/**
 * Reads bytes [0,8) and then exactly the declared header [8, 8+N) — never the data buffer. Never throws for bad
 * input: a reference error becomes `error` plus a `suspicious` finding named after the variant.
 */
export async function readSafetensors(source: ByteSource): Promise<ContainerResult> {
  try {
    const parsed = await parseFromSource(source);
    return tensorHeaderResult("safetensors", {
      tensors: parsed.tensors.map((t) => ({ name: t.name, path: [t.name], dtype: t.dtype, shape: t.shape })),
      metadata: parsed.metadata,
      findings: parsed.findings,
      error: parsed.error && {
        code: parsed.error.code,
        message: parsed.error.message,
        missing: { bytes: parsed.declaredSize - source.size, declaredBy: "header" },
      },
    });
  } catch (error) {
    if (!(error instanceof SafetensorsError)) throw error;
    return unreadableHeaderResult("safetensors", { code: error.code, message: error.message });
  }
}

async function parseFromSource(source: ByteSource): Promise<ParsedSafetensors> {
  if (source.size < N_LEN) throw headerTooSmall(source.size);
  const prefix = await source.read(0, N_LEN);
  if (prefix.length < N_LEN) throw headerTooSmall(prefix.length);
  const headerLength = new DataView(prefix.buffer, prefix.byteOffset, N_LEN).getBigUint64(0, true);
  // Decided on the length field alone, before the header buffer is allocated.
  const n = checkHeaderLength(headerLength, source.size);
  const header = await source.read(N_LEN, n);
  return parseSafetensorsHeader(header, headerLength, source.size);
}

/** Reference steps 1–3; returns N as a safe integer. */
function checkHeaderLength(headerLength: bigint, fileSize: number): number {
  if (fileSize < N_LEN) throw headerTooSmall(fileSize);
  if (headerLength > BigInt(MAX_HEADER_SIZE)) {
    throw new SafetensorsError(
      "HeaderTooLarge",
      `header too large: ${headerLength} bytes declared, limit ${MAX_HEADER_SIZE}`,
    );
  }
  const n = Number(headerLength);
  if (N_LEN + n > fileSize) {
    throw new SafetensorsError(
      "InvalidHeaderLength",
      `invalid header length: ${n} bytes declared, file has ${fileSize - N_LEN} after the length field`,
    );
  }
  return n;
}

function headerTooSmall(size: number): SafetensorsError {
  return new SafetensorsError(
    "HeaderTooSmall",
    `header too small: file has ${size} bytes, the length field alone is ${N_LEN}`,
  );
}

/**
 * `Metadata::validate`: walks the entries sorted by `(begin, end)`, checking each in turn, so the first bad tensor
 * decides the error. Returns the end of the last tensor. Afterwards applies the policy that every integer fits a JS
 * number (the reference allows u64; a valid file can only exceed 2^53 in a dimension of an empty tensor).
 */
function validateEntries(entries: Map<string, HeaderEntry>): number {
  const sorted = sortedByOffsets(entries);
  let start: Uint64 = 0;
  let unrepresentable: string | undefined;
  for (const [name, { dtype, shape, dataOffsets }] of sorted) {
    const [begin, end] = dataOffsets;
    // Integers have one representation each (see Uint64), so === compares values.
    if (begin !== start || end < begin) {
      throw new SafetensorsError(
        "InvalidOffset",
        `invalid offset for tensor \`${name}\`: [${begin}, ${end}], expected it to start at ${start}`,
      );
    }
    start = end;
    const dtypeBits = SAFETENSORS_DTYPE_BITS.get(dtype)!;
    const bits = smallTensorBits(shape, dtypeBits);
    if (bits >= 0 && typeof begin === "number" && typeof end === "number") {
      // The common case, exact in doubles: no BigInt is allocated per tensor.
      if (bits % 8 !== 0) throw misaligned(name, dtype, shape, BigInt(bits));
      if (end - begin !== bits / 8) throw invalidInfo(name, dtype, shape, BigInt(bits), begin, end);
      continue;
    }
    const big = tensorBits(shape, dtypeBits);
    if (big === null)
      throw new SafetensorsError(
        "ValidationOverflow",
        `validation overflow: ${describeTensor(name, dtype, shape)} does not fit 64 bits`,
      );
    if (big % 8n !== 0n) throw misaligned(name, dtype, shape, big);
    if (BigInt(end) - BigInt(begin) !== big / 8n) throw invalidInfo(name, dtype, shape, big, begin, end);
    if (unrepresentable === undefined && (typeof end === "bigint" || shape.some((dim) => typeof dim === "bigint"))) {
      unrepresentable = name;
    }
  }
  if (unrepresentable !== undefined) {
    const { shape, dataOffsets } = entries.get(unrepresentable)!;
    throw new SafetensorsError(
      "InvalidHeaderDeserialization",
      `invalid JSON in header: tensor \`${unrepresentable}\` has an integer above 2^53−1 ` +
        `(shape [${shape.join(", ")}], offsets [${dataOffsets.join(", ")}])`,
    );
  }
  return start as number;
}

/** The entries in `(begin, end)` order; writers lay tensors out in header order, so the sort is usually skipped. */
function sortedByOffsets(entries: Map<string, HeaderEntry>): [string, HeaderEntry][] {
  const list = [...entries];
  for (let i = 1; i < list.length; i++) {
    if (compareOffsets(list[i - 1]![1].dataOffsets, list[i]![1].dataOffsets) > 0) {
      // Array.prototype.sort is stable, so equal offsets keep header order either way.
      return list.sort(([, a], [, b]) => compareOffsets(a.dataOffsets, b.dataOffsets));
    }
  }
  return list;
}

function misaligned(name: string, dtype: string, shape: readonly Uint64[], bits: bigint): SafetensorsError {
  return new SafetensorsError(
    "MisalignedSlice",
    `misaligned slice: ${describeTensor(name, dtype, shape)} is ${bits} bits, not whole bytes`,
  );
}

function invalidInfo(
  name: string,
  dtype: string,
  shape: readonly Uint64[],
  bits: bigint,
  begin: Uint64,
  end: Uint64,
): SafetensorsError {
  const length = BigInt(end) - BigInt(begin);
  return new SafetensorsError(
    "TensorInvalidInfo",
    `invalid shape, data type, or offset for tensor \`${name}\`: ` +
      `${describeTensor(name, dtype, shape)} is ${bits / 8n} bytes, offsets [${begin}, ${end}] hold ${length}`,
  );
}

function describeTensor(name: string, dtype: string, shape: readonly Uint64[]): string {
  return `${dtype} [${shape.join(", ")}] of tensor \`${name}\``;
}

function compareOffsets(a: readonly [Uint64, Uint64], b: readonly [Uint64, Uint64]): number {
  // Relational operators compare number and bigint by value.
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return 0;
}

const U64_MAX = (1n << 64n) - 1n;

/**
 * `shape` product times the dtype's bits in plain numbers, or -1 when a dimension is a bigint or the product leaves
 * the exact range of doubles (then {@link tensorBits} decides, with the reference's checked u64 arithmetic).
 */
function smallTensorBits(shape: readonly Uint64[], dtypeBits: number): number {
  let product = 1;
  for (const dim of shape) {
    if (typeof dim !== "number") return -1;
    product *= dim;
    if (product > Number.MAX_SAFE_INTEGER) return -1;
  }
  product *= dtypeBits;
  return product > Number.MAX_SAFE_INTEGER ? -1 : product;
}

/**
 * `shape` product, then times the dtype's bits, with the reference's checked u64 arithmetic (the order matters:
 * `[2^63, 4, 0]` overflows before the 0 is reached); null on overflow.
 */
function tensorBits(shape: readonly Uint64[], dtypeBits: number): bigint | null {
  let product = 1n;
  for (const dim of shape) {
    product *= BigInt(dim);
    if (product > U64_MAX) return null;
  }
  product *= BigInt(dtypeBits);
  return product > U64_MAX ? null : product;
}

function quoteNames(names: Iterable<string>): string {
  const all = [...names];
  const quoted = all
    .slice(0, NAMES_QUOTED)
    .map((name) => `\`${name}\``)
    .join(", ");
  return all.length > NAMES_QUOTED ? `${quoted} and ${all.length - NAMES_QUOTED} more` : quoted;
}
