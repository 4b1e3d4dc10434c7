import type { ContainerResult, Finding, ImportRecord, InspectError, TensorInfo } from "../inspect/types.js";
import { analyzePickle, type PickleAnalysis, type StorageRef } from "../pickle/analyze.js";
import { MAX_PICKLE_BYTES } from "../pickle/limits.js";
import type { ByteSource } from "./byte-source.js";
import { followingStreams } from "./pickle-streams.js";

/**
 * Pickle #1 and #2 of every legacy file (torch/serialization.py): MAGIC_NUMBER and PROTOCOL_VERSION. torch compares
 * their values with `!=`, so any protocol or int encoding that evaluates to them is a legacy file.
 */
const MAGIC_NUMBER = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001n;

/** Whether a first pickle's value makes `torch.load` go on reading the file as the legacy format. */
export function isLegacyMagic(rootInt: bigint | null): boolean {
  return rootInt === MAGIC_NUMBER;
}

/** Each storage record starts with its numel as a little-endian int64. */
const RECORD_HEADER_BYTES = 8;

/**
 * The five pickles share one budget: together they are the header of the file (the sys_info, the object, the key
 * list); everything after them is tensor data, which is never read.
 */
const LEGACY_PICKLES_BUDGET = MAX_PICKLE_BYTES;

/** First read: SD checkpoints' pickles are a few hundred KiB; the read doubles until all five pickles end. */
const INITIAL_HEAD_BYTES = 256 * 1024;

function tensorInfo(t: PickleAnalysis["tensors"][number]): TensorInfo {
  return { name: t.name, path: t.path, dtype: t.dtype, shape: t.shape };
}

/** Pickle #5: the storage keys in record order (a short list is one value, a long one is listed by index). */
function keyList(analysis: PickleAnalysis): string[] | null {
  const whole = analysis.values[""];
  if (Array.isArray(whole)) return whole.every((k) => typeof k === "string") ? (whole as string[]) : null;
  const keys: string[] = [];
  for (let i = 0; typeof analysis.values[String(i)] === "string"; i++) keys.push(analysis.values[String(i)] as string);
  return keys.length > 0 || Object.keys(analysis.values).length === 0 ? keys : null;
}

interface PickleScan {
  analyses: PickleAnalysis[];
  /** Offset just past the last pickle that ended cleanly. */
  offset: number;
  /** The first pickle that did not end cleanly (1-based), or null when all five did. */
  broken: number | null;
}

/** `streamContinues`: the file goes on past `head`, so a pickle running off its end is unscannable, not truncated. */
function scanPickles(head: Uint8Array, streamContinues: boolean): PickleScan {
  const analyses: PickleAnalysis[] = [];
  let offset = 0;
  for (let n = 1; n <= 5; n++) {
    if (offset >= head.length) return { analyses, offset, broken: n };
    const analysis = analyzePickle(head, {
      persistentIds: n === 4 ? "legacy" : "none",
      start: offset,
      expectEnd: false,
      label: `pickle #${n}`,
      streamContinues,
    });
    analyses.push(analysis);
    if (analysis.end === null) return { analyses, offset, broken: n };
    offset = analysis.end;
  }
  return { analyses, offset, broken: null };
}

/**
 * Reads the pickles in growing chunks until all five end, so a normal file costs about its pickle bytes and never
 * the tensor data behind them; a stream that never ends stops at the budget.
 */
async function readPickles(source: ByteSource): Promise<{ head: Uint8Array; scan: PickleScan }> {
  const available = Math.min(source.size, LEGACY_PICKLES_BUDGET);
  let head: Uint8Array = await source.read(0, Math.min(available, INITIAL_HEAD_BYTES));
  for (;;) {
    const scan = scanPickles(head, head.length < source.size);
    if (scan.broken === null || head.length >= available) return { head, scan };
    const more = await source.read(head.length, Math.min(available, head.length * 2) - head.length);
    const grown = new Uint8Array(head.length + more.length);
    grown.set(head);
    grown.set(more, head.length);
    head = grown;
  }
}

/**
 * Reads a legacy (non-zip) torch file: five stacked pickles, then storage records walked by their 8-byte headers
 * (torch/serialization.py `_legacy_save`). torch's `_legacy_load` unpickles each of them in turn, so each is scanned
 * with the same rules; only pickle #4 may carry (6-tuple) persistent ids.
 */
export async function readTorchLegacy(source: ByteSource): Promise<ContainerResult> {
  const { head, scan } = await readPickles(source);
  const findings: Finding[] = [];
  const imports: ImportRecord[] = [];
  const object = scan.analyses[3] ?? null;
  const result = (error: InspectError | null): ContainerResult => ({
    format: "torch-legacy",
    tensors: object ? object.tensors.map(tensorInfo) : [],
    metadata: null,
    values: object?.values ?? {},
    findings,
    imports,
    error,
  });
  const fail = (message: string): ContainerResult => {
    findings.push({ severity: "suspicious", code: "invalid", message });
    return result({ code: "invalid", message });
  };

  scan.analyses.forEach((analysis, i) => {
    for (const finding of analysis.findings) findings.push(finding);
    for (const record of analysis.imports) imports.push(record);
    if (i === 0 && !isLegacyMagic(analysis.rootInt))
      findings.push({ severity: "suspicious", code: "invalid", message: "pickle #1 is not torch's magic number" });
    if (i === 1 && analysis.rootInt !== PROTOCOL_VERSION)
      findings.push({ severity: "suspicious", code: "invalid", message: "pickle #2 is not protocol version 1001" });
    if (
      i === 2 &&
      (analysis.imports.length > 0 ||
        analysis.tensors.length > 0 ||
        Object.values(analysis.values).some((v) => typeof v !== "number" && typeof v !== "boolean"))
    ) {
      findings.push({
        severity: "suspicious",
        code: "invalid",
        message: "pickle #3 (sys_info) is not a dict of ints, bools and dicts",
      });
    }
  });
  if (scan.broken !== null) {
    const n = scan.broken;
    if (scan.offset >= source.size) return fail(`file ends before pickle #${n} (incomplete download)`);
    if (scan.offset >= head.length)
      return fail(`pickle #${n} starts beyond the ${LEGACY_PICKLES_BUDGET}-byte pickle budget`);
    return fail(`pickle #${n} does not end cleanly`);
  }

  const keys = keyList(scan.analyses[4]!);
  if (!keys) return fail("pickle #5 is not a list of storage keys");
  const declared = new Map<string, StorageRef>(object!.storages.map((s) => [s.key, s]));
  if (keys.length !== declared.size || keys.some((k) => !declared.has(k))) {
    return fail("pickle #5 does not list exactly the storages pickle #4 declares");
  }
  return walkRecords(source, scan.offset, keys, declared, findings, imports, () => result(null));
}

/** Storage records must exactly consume the rest of the file; only their 8-byte headers are read. */
async function walkRecords(
  source: ByteSource,
  start: number,
  keys: readonly string[],
  declared: ReadonlyMap<string, StorageRef>,
  findings: Finding[],
  imports: ImportRecord[],
  done: () => ContainerResult,
): Promise<ContainerResult> {
  let offset = start;
  for (const key of keys) {
    const storage = declared.get(key)!;
    const header = await source.read(offset, RECORD_HEADER_BYTES);
    if (header.length < RECORD_HEADER_BYTES || offset + RECORD_HEADER_BYTES + storage.byteSize > source.size) {
      findings.push({
        severity: "suspicious",
        code: "invalid",
        message: `storage record ${key} is cut off (incomplete download)`,
      });
      return done();
    }
    const numel = new DataView(header.buffer, header.byteOffset, RECORD_HEADER_BYTES).getBigInt64(0, true);
    if (numel !== BigInt(storage.numel)) {
      findings.push({
        severity: "dangerous",
        code: "storage-size-mismatch",
        message: `storage record ${key} holds ${numel} elements but pickle #4 declares ${storage.numel}`,
      });
      return done();
    }
    offset += RECORD_HEADER_BYTES + storage.byteSize;
  }
  if (offset < source.size && keys.length === 0) {
    // No records between pickle #5 and what follows: a sixth pickle.load on the handle reads it.
    await followingStreams(source, offset, offset + MAX_PICKLE_BYTES, (n) => `pickle #${5 + n}`, { findings, imports });
  } else if (offset < source.size) {
    const next = await source.read(offset, 2);
    const pickle = next[0] === 0x80 && next[1] !== undefined && next[1] <= 5;
    findings.push({
      severity: "suspicious",
      code: "trailing-bytes",
      message:
        `${source.size - offset} bytes after the last storage record` +
        `${pickle ? " (another pickle: torch never reads it)" : ""}`,
    });
  }
  return done();
}
