import type { ModelFixture } from "../../fixtures/models/catalog.js";
import { dtypeBytes } from "../../fixtures/safetensors-writer.js";
import type { Classification } from "../../src/classify/types.js";
import type { TensorInfo } from "../../src/inspect/types.js";
import { SNIFF_BYTES } from "../../src/read/sniff.js";

/**
 * Fixed-size looks that may land on tensor data in a small file, whatever its size: the sniffer's first bytes and
 * the zip reader's first end-of-central-directory search, which takes the last 1 KiB (the end record sits behind the
 * central directory, so on a 4 KB embedding that window reaches back into the storage).
 */
export const FIXED_LOOK_BYTES = SNIFF_BYTES + 1024;

/** Bytes of tensor data the fixture declares: what a header-only reader must never touch. */
export function dataBytes(fixture: ModelFixture): number {
  return fixture.tensors.reduce((sum, t) => sum + t.shape.reduce((n, d) => n * d, 1) * dtypeBytes(t.dtype), 0);
}

/** The classification cut down to the fields the fixture states (variant and architecture only when given). */
export function expectedFields(result: Classification, fixture: ModelFixture): Partial<Classification> {
  return Object.fromEntries(
    Object.keys(fixture.expected).map((field) => [field, result[field as keyof Classification]]),
  );
}

/**
 * Tensors in a fixed order, so containers that list them differently (safetensors sorts nothing,
 * pickles walk dicts) compare equal.
 */
export function byPath(tensors: readonly TensorInfo[]): TensorInfo[] {
  const key = (t: TensorInfo) => JSON.stringify(t.path);
  return [...tensors].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
