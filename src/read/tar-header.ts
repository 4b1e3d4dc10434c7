/**
 * One tar header block as CPython's `tarfile` reads it (Lib/tarfile.py `TarInfo.frombuf`, `nti`, `nts`,
 * `calc_chksums`), because `torch.load` hands a non-zip file to `tarfile.open(mode="r:")` before anything else: a
 * block that module accepts makes the file a tar to torch, whatever else its bytes are.
 */

export const TAR_BLOCK_BYTES = 512;

export interface TarHeader {
  /**
   * `name` up to the first NUL (UTF-8, bad bytes replaced), trailing slashes dropped for a directory, then
   * `prefix/name` whenever the prefix field is not empty and the type is not a GNU one: tarfile joins the prefix
   * whatever the magic field says.
   */
  name: string;
  size: number;
  /** The type flag character (`"0"`, `"\0"`, `"2"`, `"x"`, `"L"`, …); a `"\0"` whose name ends in `/` is `"5"`. */
  type: string;
}

/** tarfile.GNU_TYPES: long name, long link, sparse; their prefix field holds other data and is never joined. */
const GNU_TYPES = "LKS";
/**
 * The numeric fields besides size and checksum that `frombuf` parses with `nti`:
 * mode, uid, gid, mtime, devmajor, devminor.
 */
const OTHER_NUMBER_FIELDS: [start: number, end: number][] = [
  [100, 108],
  [108, 116],
  [116, 124],
  [136, 148],
  [329, 337],
  [337, 345],
];

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8");
/** Characters Python's `str.strip()` removes from an ASCII string. */
const PY_WHITESPACE = /^[\s\x1c-\x1f]+|[\s\x1c-\x1f]+$/g;
/** `int(s, 8)`: optional sign, optional `0o`, octal digits with single underscores between them. */
const PY_OCTAL = /^([+-]?)(?:0[oO]_?)?([0-7](?:_?[0-7])*)$/;

function untilNul(bytes: Uint8Array): Uint8Array {
  const nul = bytes.indexOf(0);
  return nul < 0 ? bytes : bytes.subarray(0, nul);
}

/** `nti`: base-256 when the first byte is 0x80/0xff, else octal text; null where tarfile raises. */
function number(field: Uint8Array): number | null {
  if (field[0] === 0x80 || field[0] === 0xff) {
    let n = 0n;
    for (const byte of field.subarray(1)) n = (n << 8n) | BigInt(byte);
    if (field[0] === 0xff) n -= 256n ** BigInt(field.length - 1);
    return n >= 0n && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : null;
  }
  const raw = untilNul(field);
  if (raw.some((b) => b > 0x7f)) return null;
  const text = latin1.decode(raw).replace(PY_WHITESPACE, "") || "0";
  const match = PY_OCTAL.exec(text);
  if (!match) return null;
  const value = parseInt(match[2]!.replace(/_/g, ""), 8);
  return match[1] === "-" ? -value : value;
}

/** Whether `nti` returns at all: any base-256 value does (whatever its range), octal text must parse. */
function ntiAccepts(field: Uint8Array): boolean {
  return field[0] === 0x80 || field[0] === 0xff || number(field) !== null;
}

function checksumMatches(block: Uint8Array): boolean {
  const declared = number(block.subarray(148, 156));
  if (declared === null) return false;
  let unsigned = 256;
  let signed = 256;
  for (let i = 0; i < TAR_BLOCK_BYTES; i++) {
    if (i >= 148 && i < 156) continue;
    unsigned += block[i]!;
    signed += block[i]! < 128 ? block[i]! : block[i]! - 256;
  }
  return declared === unsigned || declared === signed;
}

/** The header in this block, or null where tarfile stops (an all-zero block, a bad checksum or size). */
export function parseTarHeader(block: Uint8Array): TarHeader | null {
  if (block.length < TAR_BLOCK_BYTES || block.subarray(0, TAR_BLOCK_BYTES).every((b) => b === 0)) return null;
  if (!checksumMatches(block)) return null;
  const size = number(block.subarray(124, 136));
  if (size === null || size < 0) return null;
  // Any of these that `nti` rejects makes tarfile reject the whole header, which ends the archive there.
  if (OTHER_NUMBER_FIELDS.some(([start, end]) => !ntiAccepts(block.subarray(start, end)))) return null;
  let name = utf8.decode(untilNul(block.subarray(0, 100)));
  let type = String.fromCharCode(block[156]!);
  // Old V7 tar marks a directory as a regular ('\0') member whose name ends in '/': tarfile skips no data for it.
  if (type === "\0" && name.endsWith("/")) type = "5";
  if (type === "5") name = name.replace(/\/+$/, "");
  const prefix = utf8.decode(untilNul(block.subarray(345, 500)));
  if (prefix !== "" && !GNU_TYPES.includes(type)) name = `${prefix}/${name}`;
  return { name, size, type };
}

export function isTarHeader(head: Uint8Array): boolean {
  return parseTarHeader(head) !== null;
}
