import { randomFillSync } from "node:crypto";
import { open, stat } from "node:fs/promises";
import type { ModelFixture } from "../../fixtures/models/catalog.js";
import { safetensorsHeader } from "../../fixtures/safetensors-writer.js";

/** Write size: large enough that syscalls cost nothing next to generating the bytes. */
const WRITE_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Writes `size` bytes that start with `prefix` and continue with random data, so nothing is a hole and no
 * filesystem or hash can shortcut zeros. A file already there with the right size and prefix is kept (with
 * SDMODELS_BENCH_DIR, re-runs skip the slowest step).
 */
export async function writeRandomFile(
  path: string,
  size: number,
  prefix: Uint8Array = new Uint8Array(0),
): Promise<void> {
  if (await hasPrefix(path, size, prefix)) return;
  const handle = await open(path, "w");
  try {
    await handle.write(prefix, 0, prefix.length, 0);
    const buffer = Buffer.allocUnsafe(WRITE_CHUNK_BYTES);
    for (let at = prefix.length; at < size; ) {
      const length = Math.min(buffer.length, size - at);
      randomFillSync(buffer, 0, length);
      await handle.write(buffer, 0, length, at);
      at += length;
    }
  } finally {
    await handle.close();
  }
}

async function hasPrefix(path: string, size: number, prefix: Uint8Array): Promise<boolean> {
  const info = await stat(path).catch(() => null);
  if (!info || info.size !== size) return false;
  const handle = await open(path, "r");
  try {
    const head = Buffer.alloc(prefix.length);
    await handle.read(head, 0, prefix.length, 0);
    return head.equals(prefix);
  } finally {
    await handle.close();
  }
}

/** A safetensors file with `fixture`'s header whose data region is real random bytes; returns its size. */
export async function writeRandomSafetensors(path: string, fixture: ModelFixture): Promise<number> {
  const { header, dataLength } = safetensorsHeader(
    fixture.tensors.map((t) => ({ name: String(t.path[0]), shape: t.shape, dtype: t.dtype })),
    fixture.metadata,
  );
  const lengthPrefix = Buffer.alloc(8);
  lengthPrefix.writeBigUInt64LE(BigInt(header.length));
  const size = 8 + header.length + dataLength;
  await writeRandomFile(path, size, Buffer.concat([lengthPrefix, header]));
  return size;
}
