import type { ContainerResult } from "../inspect/types.js";
import { MAX_PICKLE_BYTES } from "../pickle/limits.js";
import type { ByteSource } from "./byte-source.js";
import { followingStreams, streamAt } from "./pickle-streams.js";
import { isLegacyMagic, readTorchLegacy } from "./torch-legacy.js";

/**
 * Reads a bare pickle (a `.bin`/`.pt` written with plain `pickle`, or any file whose bytes parse as one).
 * `torch.load` unpickles a non-zip, non-tar file from byte 0 and, when that first pickle equals torch's magic
 * number, goes on as the legacy format: such a file is read as one, whatever protocol wrote the number. Otherwise
 * every stream after STOP that a further `pickle.load` would reach is interpreted too, within one 64 MiB budget.
 * Persistent ids are not allowed (that loader has no persistent_load for it).
 */
export async function readPlainPickle(source: ByteSource): Promise<ContainerResult> {
  const first = await streamAt(source, 0, MAX_PICKLE_BYTES, "pickle");
  if (isLegacyMagic(first.rootInt)) return readTorchLegacy(source);
  const out = { findings: [...first.findings], imports: [...first.imports] };
  if (first.end !== null) await followingStreams(source, first.end, MAX_PICKLE_BYTES, (n) => `pickle #${n + 1}`, out);
  const error = first.end === null ? { code: "invalid", message: "the pickle does not end cleanly" } : null;
  return {
    format: "pickle",
    tensors: first.tensors.map(({ name, path, dtype, shape }) => ({ name, path, dtype, shape })),
    metadata: null,
    values: first.values,
    findings: out.findings,
    imports: out.imports,
    error,
  };
}
