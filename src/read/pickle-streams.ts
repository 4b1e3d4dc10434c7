import type { Finding, ImportRecord } from "../inspect/types.js";
import { analyzePickle, type PickleAnalysis } from "../pickle/analyze.js";
import { MAX_PICKLE_BYTES } from "../pickle/limits.js";
import { isOpcode } from "../pickle/opcodes.js";
import type { ByteSource } from "./byte-source.js";

/**
 * Pickle streams read straight from a file, the way `pickle.load` reads them from a handle: one stream from a
 * given offset, and the streams that follow it (a loader that calls `pickle.load` again runs each one).
 */

/**
 * First read of a stream; it doubles while the stream runs past it. Every file whose first byte is an opcode gets
 * a pickle reading, and most fail within a few bytes, so this stays at one tar block.
 */
const INITIAL_WINDOW_BYTES = 512;

/** Streams interpreted after a first one: real files hold one (five in the legacy format); more fails closed. */
export const MAX_STREAMS = 64;

/** Whether a stream stopped only because it ran off the bytes read so far (the interpreter's budget finding). */
const ranOffWindow = (a: PickleAnalysis): boolean => a.end === null && a.findings.some((f) => f.code === "unscannable");

/**
 * Interprets the stream at `start` (plain pickle: no persistent ids), reading up to `budgetEnd`. Offsets in the
 * result (`end`) are absolute.
 */
export async function streamAt(
  source: ByteSource,
  start: number,
  budgetEnd: number,
  label: string,
): Promise<PickleAnalysis> {
  const limit = Math.min(source.size, budgetEnd);
  let size = Math.min(limit - start, INITIAL_WINDOW_BYTES);
  for (;;) {
    const bytes = await source.read(start, size);
    const analysis = analyzePickle(bytes, {
      persistentIds: "none",
      label,
      expectEnd: false,
      streamContinues: start + bytes.length < source.size,
    });
    if (!ranOffWindow(analysis) || start + size >= limit)
      return { ...analysis, end: analysis.end === null ? null : start + analysis.end };
    size = Math.min(limit - start, size * 2);
  }
}

/**
 * The streams after one that ended at `end`: each that starts with an opcode is interpreted, until one does not end
 * cleanly, bytes no pickle starts with (trailing bytes), the end of the file, MAX_STREAMS or `budgetEnd`.
 */
export async function followingStreams(
  source: ByteSource,
  end: number,
  budgetEnd: number,
  label: (n: number) => string,
  out: { findings: Finding[]; imports: ImportRecord[] },
): Promise<void> {
  for (let n = 1, at: number | null = end; at !== null && at < source.size; n++) {
    if (at >= budgetEnd) {
      out.findings.push({
        severity: "dangerous",
        code: "unscannable",
        message:
          `${label(n)}: pickle streams go on past the ${MAX_PICKLE_BYTES} bytes sdmodels reads; ` +
          `a loader may read them, so this fails closed`,
      });
      return;
    }
    const first = await source.read(at, 1);
    if (!isOpcode(first[0])) {
      out.findings.push({
        severity: "suspicious",
        code: "trailing-bytes",
        message: `${source.size - at} bytes after the last pickle that no pickle starts with`,
      });
      return;
    }
    if (n > MAX_STREAMS) {
      out.findings.push({
        severity: "dangerous",
        code: "unscannable",
        message: `more than ${MAX_STREAMS} further pickle streams; a loader may read them all, so this fails closed`,
      });
      return;
    }
    const next = await streamAt(source, at, budgetEnd, label(n));
    out.findings.push(...next.findings);
    out.imports.push(...next.imports);
    at = next.end;
  }
}
