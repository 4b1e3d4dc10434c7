const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");

/** Entry names are bytes; torch writes UTF-8. Non-UTF-8 names are shown as Latin-1 so every byte stays visible. */
export function decodeName(bytes: Uint8Array): { name: string; utf8: boolean } {
  try {
    return { name: utf8.decode(bytes), utf8: true };
  } catch {
    return { name: latin1.decode(bytes), utf8: false };
  }
}

/**
 * Why a name would escape an extraction directory, or null. The rules of yauzl's `validateFileName`
 * (backslashes, absolute `/` or `X:` paths, `..` components) plus NUL and control characters, which truncate or
 * disguise names in C-string and terminal consumers.
 */
export function unsafeNameReason(name: string): string | null {
  if (/[\u0000-\u001f\u007f]/.test(name)) return "contains a NUL or control character";
  if (name.includes("\\")) return "contains a backslash";
  if (/^[a-zA-Z]:/.test(name) || name.startsWith("/")) return "is an absolute path";
  if (name.split("/").includes("..")) return "has a '..' component";
  return null;
}

/** ASCII-only lower-casing of the raw bytes, as miniz's `MZ_TOLOWER` compares names. */
export function foldNameKey(bytes: Uint8Array): string {
  let key = "";
  for (const byte of bytes) key += String.fromCharCode(byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte);
  return key;
}
