import { UsageError } from "./errors.js";

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/** `--sha256` as given: 64 hex digits, else a usage error before anything is fetched. */
export function parseSha256Flag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!SHA256_HEX.test(value)) throw new UsageError(`--sha256 wants 64 hex digits, got ${JSON.stringify(value)}`);
  return value.toLowerCase();
}
