import type { ContainerResult, Finding, ImportRecord } from "../inspect/types.js";
import { analyzePickle, type PickleAnalysis } from "../pickle/analyze.js";
import { MAX_PICKLE_BYTES } from "../pickle/limits.js";
import { isOpcode } from "../pickle/opcodes.js";
import type { ByteSource } from "./byte-source.js";
import { isLegacyMagic, readTorchLegacy } from "./torch-legacy.js";

/**
 * Streams interpreted after the first. A loader that calls `pickle.load` again on the same handle runs each one,
 * so every stream up to this count is judged; a file with more is unscannable. Real files hold one (five in the
 * legacy format, which has its own reader).
 */
const MAX_STREAMS = 64;

/**
 * First read; it doubles while a stream runs past it. Every file whose first byte is an opcode gets a pickle
 * reading, and most fail within a few bytes, so this stays at one tar block: the reading costs them 512 bytes.
 */
const INITIAL_WINDOW_BYTES = 512;

/** Whether a stream stopped only because it ran off the bytes read so far (the interpreter's budget finding). */
const ranOffWindow = (a: PickleAnalysis): boolean => a.end === null && a.findings.some((f) => f.code === "unscannable");

/**
 * Reads a bare pickle (a `.bin`/`.pt` written with plain `pickle`, or any file whose bytes parse as one).
 * `torch.load` unpickles a non-zip, non-tar file from byte 0 and, when that first pickle equals torch's magic
 * number, goes on as the legacy format: such a file is read as one, whatever protocol wrote the number. Otherwise
 * every stream after STOP that a further `pickle.load` would reach is interpreted too, within the one 64 MiB budget.
 * Persistent ids are not allowed (that loader has no persistent_load for it).
 */
export async function readPlainPickle(source: ByteSource): Promise<ContainerResult> {
  const budget = Math.min(source.size, MAX_PICKLE_BYTES);
  let bytes = await source.read(0, Math.min(budget, INITIAL_WINDOW_BYTES));
  const analyze = (start: number, label: string) =>
    analyzePickle(bytes, { persistentIds: "none", start, label, expectEnd: false, streamContinues: source.size > bytes.length });
  /** Analyzes one stream, reading further (up to the budget) while it runs off what was read. */
  const stream = async (start: number, label: string): Promise<PickleAnalysis> => {
    for (;;) {
      const analysis = analyze(start, label);
      if (!ranOffWindow(analysis) || bytes.length >= budget) return analysis;
      bytes = await source.read(0, Math.min(budget, bytes.length * 2));
    }
  };

  const first = await stream(0, "pickle");
  if (isLegacyMagic(first.rootInt)) return readTorchLegacy(source);
  const findings: Finding[] = [...first.findings];
  const imports: ImportRecord[] = [...first.imports];
  let end = first.end;
  for (let n = 2; end !== null && end < source.size; n++) {
    if (end >= bytes.length) bytes = await source.read(0, Math.min(budget, Math.max(end + 1, bytes.length * 2)));
    if (end >= bytes.length) {
      findings.push({ severity: "dangerous", code: "unscannable", message: `pickle: streams go on past the ${MAX_PICKLE_BYTES} bytes sdmodels reads; a loader may read them, so this fails closed` });
      break;
    }
    if (!isOpcode(bytes[end])) {
      findings.push({ severity: "suspicious", code: "trailing-bytes", message: `pickle: ${source.size - end} bytes after STOP that no pickle starts with` });
      break;
    }
    if (n > MAX_STREAMS) {
      findings.push({ severity: "dangerous", code: "unscannable", message: `pickle: more than ${MAX_STREAMS} pickle streams; a loader may read them all, so this fails closed` });
      break;
    }
    const next = await stream(end, `pickle #${n}`);
    findings.push(...next.findings);
    imports.push(...next.imports);
    end = next.end;
  }
  const error = first.end === null ? { code: "invalid", message: "the pickle does not end cleanly" } : null;
  return {
    format: "pickle",
    tensors: first.tensors.map(({ name, path, dtype, shape }) => ({ name, path, dtype, shape })),
    metadata: null,
    values: first.values,
    findings,
    imports,
    error,
  };
}
