/**
 * Format detection from content, never from the extension: extensions lie (a pickle renamed `.safetensors`, an
 * HTML login page saved as `.ckpt`), and a loader chosen by extension is how peers got it wrong (picklescan before
 * CVE-2025-10155; A1111 picks its loader by extension).
 */

import { isOpcode } from "../pickle/opcodes.js";
import { MAX_HEADER_SIZE } from "./safetensors.js";
import { isTarHeader, TAR_BLOCK_BYTES } from "./tar-header.js";

/** How many leading bytes callers read and pass in: one tar header block, which also covers every magic below. */
export const SNIFF_BYTES = TAR_BLOCK_BYTES;

export type SniffedFormat =
  | "safetensors"
  | "torch-zip"
  | "torch-legacy"
  | "torch-tar"
  | "pickle"
  | "gguf"
  | "pytorch1-preview"
  | "7z"
  | "rar"
  | "html"
  | "json"
  | "empty"
  | "unknown";

/** Fixed magics, longest (most specific) first. */
const MAGICS: readonly (readonly [SniffedFormat, readonly number[]])[] = [
  // torch/serialization.py `_legacy_save`: pickle protocol 2, LONG1 of 10 bytes = MAGIC_NUMBER
  // 0x1950a86a20f9469cfc6c, STOP.
  ["torch-legacy", [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]],
  // Pre-1.0 PyTorch archives; torch refuses them.
  ["pytorch1-preview", [...Buffer.from("PYTORCH1")]],
  ["7z", [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
  // RAR 4 and RAR 5 share these six bytes.
  ["rar", [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07]],
  // torch/serialization.py `_is_zipfile` compares exactly these 4 bytes.
  ["torch-zip", [0x50, 0x4b, 0x03, 0x04]],
  ["gguf", [...Buffer.from("GGUF")]],
];

const N_LEN = 8;
/** Highest pickle protocol (Python 3.8+); PROTO is `\x80` followed by the protocol number. */
const MAX_PICKLE_PROTOCOL = 5;
const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Every interpretation that applies to these leading bytes, most specific first (never empty; "unknown" when
 * nothing fits). Polyglots are possible (`PK\x03\x04` is also a plausible safetensors header length, a
 * safetensors header can carry a valid tar checksum), so the caller gets all candidates and lets the readers decide.
 *
 * `torch.load` of a file that is not a zip tries the tar format first and then unpickles from byte 0, and CPython
 * accepts any opcode first: so "torch-tar" is listed whenever the first block is a tar header, and "pickle"
 * whenever the first byte is an opcode (a PROTO only with a protocol CPython knows), except for a zip.
 */
export function sniffFormats(head: Uint8Array, fileSize: number): SniffedFormat[] {
  if (fileSize === 0) return ["empty"];
  const formats: SniffedFormat[] = [];
  for (const [format, magic] of MAGICS) if (startsWith(head, magic, 0)) formats.push(format);
  if (looksLikeSafetensors(head, fileSize)) formats.push("safetensors");
  if (isTarHeader(head)) formats.push("torch-tar");
  const text = skipWhitespace(head, startsWith(head, UTF8_BOM, 0) ? UTF8_BOM.length : 0);
  if (head[text] === 0x3c /* < */) formats.push("html");
  if (head[0] === 0x7b /* { */ || head[0] === 0x5b /* [ */) formats.push("json");
  // A PROTO with a protocol CPython knows makes the file a pickle; any other opcode only adds a pickle reading
  // after "unknown", so the file is explained as unknown unless that reading parses.
  const proto = head[0] === 0x80 && head.length > 1 && head[1]! <= MAX_PICKLE_PROTOCOL;
  if (formats.length === 0 && !proto) formats.push("unknown");
  // torch.load never unpickles a zip from byte 0, and plain pickle.load stops at its `P` (PERSID) with no
  // persistent_load: a zip has no pickle reading.
  const opens = head[0] === 0x80 ? proto : isOpcode(head[0]);
  if (opens && !formats.includes("torch-legacy") && !formats.includes("torch-zip")) formats.push("pickle");
  return formats;
}

/**
 * u64 LE header length, then `{` after optional whitespace. The length must fit the file, or at least be one the
 * reference would try to read, so a truncated download still sniffs as safetensors (and the reader says why).
 */
function looksLikeSafetensors(head: Uint8Array, fileSize: number): boolean {
  return safetensorsHeaderLength(head, fileSize) !== null;
}

function safetensorsHeaderLength(head: Uint8Array, fileSize: number): bigint | null {
  if (head.length <= N_LEN) return null;
  const n = new DataView(head.buffer, head.byteOffset, N_LEN).getBigUint64(0, true);
  if (n === 0n || (n > BigInt(fileSize - N_LEN) && n > BigInt(MAX_HEADER_SIZE))) return null;
  const brace = skipWhitespace(head, N_LEN);
  return head[brace] === 0x7b && BigInt(brace - N_LEN) < n ? n : null;
}

/**
 * Where a safetensors file's tensor data starts (8 + the header length), or null when these leading bytes are not
 * safetensors by the rule above or the header does not fit the file (a truncated download has no data to hash).
 * The one test of "is this safetensors" for hashing (AutoV3) and for telling a downloaded model from an error page.
 */
export function safetensorsDataOffset(head: Uint8Array, fileSize: number): number | null {
  const n = safetensorsHeaderLength(head, fileSize);
  if (n === null || n > BigInt(fileSize - N_LEN)) return null;
  return N_LEN + Number(n);
}

function startsWith(head: Uint8Array, magic: readonly number[], at: number): boolean {
  if (head.length < at + magic.length) return false;
  return magic.every((byte, i) => head[at + i] === byte);
}

/** JSON whitespace (space, tab, LF, CR) — also what HTML bodies start with. */
function skipWhitespace(head: Uint8Array, from: number): number {
  let i = from;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  return i;
}
