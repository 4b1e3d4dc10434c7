import { createHash } from "node:crypto";
import { expect } from "vitest";
import { DownloadError } from "../../src/download/errors.js";

export const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** `size` bytes in a pattern that `seed` shifts: two files of one size differ, and a misplaced range shows. */
export function patternBytes(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) % 251;
  return out;
}

/** The DownloadError `promise` rejects with; fails the test when it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<DownloadError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DownloadError);
  return error as DownloadError;
}
