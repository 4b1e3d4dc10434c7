import type { SkipReason } from "./types.js";

/*
 * The skip reasons that name another file, made in one place: the path is a field a report reads, and the message
 * (for `--json` readers and logs) is written from it here only.
 */

export function duplicateOf(of: string): SkipReason {
  return { code: "duplicate", of, message: `duplicate of ${of}` };
}

export function conflictWith(existing: string): SkipReason {
  return { code: "conflict", existing, message: `conflict: ${existing} exists with different content` };
}
