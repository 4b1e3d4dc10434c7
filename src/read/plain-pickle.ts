import type { ContainerResult } from "../inspect/types.js";
import { analyzePickle } from "../pickle/analyze.js";
import { MAX_PICKLE_BYTES } from "../pickle/limits.js";
import type { ByteSource } from "./byte-source.js";

/**
 * Reads a bare pickle (a `.bin`/`.pt` written with plain `pickle`, or anything starting `\x80\x00`–`\x80\x05`
 * without the legacy magic). `torch.load` unpickles it whole while looking for the legacy magic number, so it runs
 * any payload: the verdict is what matters. Persistent ids are not allowed (that loader has no persistent_load).
 */
export async function readPlainPickle(source: ByteSource): Promise<ContainerResult> {
  const bytes = await source.read(0, Math.min(source.size, MAX_PICKLE_BYTES));
  const analysis = analyzePickle(bytes, { persistentIds: "none", label: "pickle", expectEnd: source.size <= MAX_PICKLE_BYTES });
  const findings = [...analysis.findings];
  if (source.size > MAX_PICKLE_BYTES) {
    findings.push({ severity: "dangerous", code: "unscannable", message: `pickle is larger than ${MAX_PICKLE_BYTES} bytes; only the start was scanned` });
  }
  const error = analysis.end === null ? { code: "invalid", message: "the pickle does not end cleanly" } : null;
  return {
    format: "pickle",
    tensors: analysis.tensors.map(({ name, path, dtype, shape }) => ({ name, path, dtype, shape })),
    metadata: null,
    values: analysis.values,
    findings,
    imports: analysis.imports,
    error,
  };
}
