import type { ZipNameKeys } from "./zip-types.js";

/**
 * `ignoreBOM` keeps a leading byte-order mark in the name: dropped, `archive/<U+FEFF>data.pkl` would decode to the
 * same text as the `data.pkl` torch reads, though its bytes differ. Kept, decoding is one-to-one, so equal names are
 * equal bytes.
 */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const latin1 = new TextDecoder("latin1");
const encoder = new TextEncoder();
/** ASCII text: the same string decoded as UTF-8 or as Latin-1. */
const ASCII = /^[\x00-\x7f]*$/;
const HAS_CAPITAL = /[A-Z]/;

/** Entry names are bytes; torch writes UTF-8. Non-UTF-8 names are shown as Latin-1 so every byte stays visible. */
export function decodeName(bytes: Uint8Array): { name: string; utf8: boolean } {
  try {
    return { name: utf8.decode(bytes), utf8: true };
  } catch {
    return { name: latin1.decode(bytes), utf8: false };
  }
}

/** Matches every name {@link unsafeNameReason} has a reason for, in one pass (most names match none). */
const MAYBE_UNSAFE_NAME = /[\u0000-\u001f\u007f\\]|^[a-zA-Z]:|^\/|(?:^|\/)\.\.(?:\/|$)/;

/**
 * Why a name would escape an extraction directory, or null. The rules of yauzl's `validateFileName`
 * (backslashes, absolute `/` or `X:` paths, `..` components) plus NUL and control characters, which truncate or
 * disguise names in C-string and terminal consumers.
 */
export function unsafeNameReason(name: string): string | null {
  if (!MAYBE_UNSAFE_NAME.test(name)) return null;
  if (/[\u0000-\u001f\u007f]/.test(name)) return "contains a NUL or control character";
  if (name.includes("\\")) return "contains a backslash";
  if (/^[a-zA-Z]:/.test(name) || name.startsWith("/")) return "is an absolute path";
  if (name.split("/").includes("..")) return "has a '..' component";
  return null;
}

/** The bytes as a string of one character per byte: equal strings are equal bytes, and prefixes line up. */
export function byteString(bytes: Uint8Array): string {
  return latin1.decode(bytes);
}

/** ASCII-only lower-casing of a {@link byteString}, as miniz's `MZ_TOLOWER` compares names. */
export function foldByteString(bytes: string): string {
  // most names have no capital: a test is cheaper than a replace that calls back
  return HAS_CAPITAL.test(bytes) ? bytes.replace(/[A-Z]+/g, (upper) => upper.toLowerCase()) : bytes;
}

/** The {@link byteString} of a name's UTF-8 bytes (an ASCII name is its own). */
export function utf8ByteString(name: string): string {
  return ASCII.test(name) ? name : byteString(encoder.encode(name));
}

/** A name decoded once into every form the checks compare (see {@link ZipNameKeys}). */
export function nameKeys(bytes: Uint8Array): { name: string; keys: ZipNameKeys } {
  const exact = byteString(bytes);
  // ASCII decodes the same as UTF-8 and as Latin-1; only other names need the UTF-8 decoder
  const { name, utf8 } = ASCII.test(exact) ? { name: exact, utf8: true } : decodeName(bytes);
  return { name, keys: { exact, folded: foldByteString(exact), utf8 } };
}
