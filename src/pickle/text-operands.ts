/**
 * Protocol-0/1 text operands decoded exactly as CPython's `_pickle.c` does, so the symbolic machine sees the values
 * CPython sees and never stops on an operand CPython accepts: a stream that stops early in the scanner but not in
 * CPython hides everything after that point from the call and target rules.
 */

/** What CPython's pickler writes for an int (`repr`): no sign but `-`, no leading zeros, no spaces or `_`. */
const CANONICAL_INT = /^-?(0|[1-9]\d*)$/;
/** Characters `strtol(s, 0)`/`PyLong_FromString(s, 0)` may accept: spaces, signs, `0x`/`0o`/`0b` digits, `_`. */
const LENIENT_INT = /^[\s+\-0-9A-Za-z_]*$/;

export type IntText =
  | { ok: true; value: bigint }
  /** `hostile`: CPython may accept a form its pickler never writes. `invalid`: CPython rejects it too. */
  | { ok: false; kind: "hostile" | "invalid" };

/** An INT/LONG/GET/PUT operand: only `repr(int)` is interpreted; anything CPython might still parse fails closed. */
export function parseIntText(text: string, maxDigits: number): IntText {
  if (CANONICAL_INT.test(text) && text.replace(/^-/, "").length <= maxDigits) return { ok: true, value: BigInt(text) };
  return { ok: false, kind: LENIENT_INT.test(text) ? "hostile" : "invalid" };
}

/** `repr(float)` and what `PyOS_string_to_double` accepts; written so that a long non-float fails in linear time. */
export const FLOAT_TEXT = /^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?|nan|inf(?:inity)?)$/i;

const BACKSLASH = 0x5c;

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * `UNICODE`: raw-unicode-escape (CPython `_PyUnicode_DecodeRawUnicodeEscapeStateful`). Bytes are Latin-1 code points;
 * `\uXXXX`/`\UXXXXXXXX` are escapes only after an odd run of backslashes. Null where CPython raises.
 */
export function decodeRawUnicodeEscape(bytes: Uint8Array): string | null {
  const out: string[] = [];
  let i = 0;
  while (i < bytes.length) {
    if (bytes[i] !== BACKSLASH) {
      out.push(String.fromCharCode(bytes[i++]!));
      continue;
    }
    const run = i;
    while (i < bytes.length && bytes[i] === BACKSLASH) i++;
    const count = i - run;
    const marker = bytes[i];
    const isEscape = count % 2 === 1 && (marker === 0x75 || marker === 0x55);
    out.push("\\".repeat(isEscape ? count - 1 : count));
    if (!isEscape) continue;
    const digits = marker === 0x75 ? 4 : 8;
    let code = 0;
    for (let d = 1; d <= digits; d++) {
      const v = hexValue(bytes[i + d]);
      if (v < 0) return null;
      code = code * 16 + v;
    }
    if (code > 0x10ffff) return null;
    out.push(String.fromCodePoint(code));
    i += 1 + digits;
  }
  return out.join("");
}

const SIMPLE_ESCAPES: Readonly<Record<number, number>> = {
  0x5c: 0x5c,
  0x27: 0x27,
  0x22: 0x22,
  0x62: 0x08,
  0x66: 0x0c,
  0x74: 0x09,
  0x6e: 0x0a,
  0x72: 0x0d,
  0x76: 0x0b,
  0x61: 0x07,
};

/**
 * `STRING` body between its quotes: `PyBytes_DecodeEscape` (`\\ \' \" \a \b \f \n \r \t \v`, up to three octal
 * digits, `\xhh`; any other escape keeps its backslash). Null where CPython raises (a bad `\x`, a trailing `\`).
 */
export function decodeBytesEscape(bytes: Uint8Array): Uint8Array | null {
  const out: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i++]!;
    if (byte !== BACKSLASH) {
      out.push(byte);
      continue;
    }
    if (i >= bytes.length) return null;
    const c = bytes[i++]!;
    const simple = SIMPLE_ESCAPES[c];
    if (simple !== undefined) out.push(simple);
    else if (c >= 0x30 && c <= 0x37) {
      let value = c - 0x30;
      for (let n = 0; n < 2 && i < bytes.length && bytes[i]! >= 0x30 && bytes[i]! <= 0x37; n++)
        value = value * 8 + (bytes[i++]! - 0x30);
      out.push(value & 0xff);
    } else if (c === 0x78) {
      const high = hexValue(bytes[i]);
      const low = hexValue(bytes[i + 1]);
      if (high < 0 || low < 0) return null;
      out.push(high * 16 + low);
      i += 2;
    } else {
      out.push(BACKSLASH);
      i--;
    }
  }
  return Uint8Array.from(out);
}
