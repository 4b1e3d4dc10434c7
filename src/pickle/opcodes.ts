/**
 * Pickle opcodes of protocols 0–5 (CPython Lib/pickletools.py) and where each stands with respect to torch's
 * weights-only grammar (pytorch/pytorch: torch/_weights_only_unpickler.py).
 */

/** How an opcode's operand is laid out after the opcode byte. */
export type OperandLayout =
  | "none"
  | "u1"
  | "u2"
  | "i4"
  | "u4"
  | "f8"
  | "u8"
  /** One newline-terminated text line. */
  | "line"
  /** Two newline-terminated lines (GLOBAL, INST). */
  | "lines2"
  /** A length of 1, 4 (signed for BINSTRING, unsigned otherwise) or 8 bytes, then that many bytes. */
  | "len1"
  | "len4"
  | "slen4"
  | "len8";

/**
 * `weights-only`: one of torch's 34. `data`: outside the grammar but only builds values (suspicious).
 * `dangerous`: reaches code or state the grammar forbids.
 */
export type OpcodeClass = "weights-only" | "data" | "dangerous";

export interface OpcodeInfo {
  name: string;
  operand: OperandLayout;
  class: OpcodeClass;
}

const TABLE: ReadonlyArray<readonly [string, number, OperandLayout, OpcodeClass]> = [
  ["MARK", 0x28, "none", "weights-only"],
  ["STOP", 0x2e, "none", "weights-only"],
  ["POP", 0x30, "none", "data"],
  ["POP_MARK", 0x31, "none", "data"],
  ["DUP", 0x32, "none", "data"],
  ["FLOAT", 0x46, "line", "data"],
  ["INT", 0x49, "line", "data"],
  ["BININT", 0x4a, "i4", "weights-only"],
  ["BININT1", 0x4b, "u1", "weights-only"],
  ["LONG", 0x4c, "line", "data"],
  ["BININT2", 0x4d, "u2", "weights-only"],
  ["NONE", 0x4e, "none", "weights-only"],
  // Only the tar loader accepts a text persistent id; the interpreter stops wherever CPython would raise.
  ["PERSID", 0x50, "line", "data"],
  ["BINPERSID", 0x51, "none", "weights-only"],
  ["REDUCE", 0x52, "none", "weights-only"],
  ["STRING", 0x53, "line", "data"],
  ["BINSTRING", 0x54, "slen4", "data"],
  ["SHORT_BINSTRING", 0x55, "len1", "weights-only"],
  ["UNICODE", 0x56, "line", "data"],
  ["BINUNICODE", 0x58, "len4", "weights-only"],
  ["APPEND", 0x61, "none", "weights-only"],
  ["BUILD", 0x62, "none", "weights-only"],
  ["GLOBAL", 0x63, "lines2", "weights-only"],
  ["DICT", 0x64, "none", "data"],
  ["EMPTY_DICT", 0x7d, "none", "weights-only"],
  ["APPENDS", 0x65, "none", "weights-only"],
  ["GET", 0x67, "line", "data"],
  ["BINGET", 0x68, "u1", "weights-only"],
  ["INST", 0x69, "lines2", "dangerous"],
  ["LONG_BINGET", 0x6a, "u4", "weights-only"],
  ["LIST", 0x6c, "none", "data"],
  ["EMPTY_LIST", 0x5d, "none", "weights-only"],
  ["OBJ", 0x6f, "none", "dangerous"],
  ["PUT", 0x70, "line", "data"],
  ["BINPUT", 0x71, "u1", "weights-only"],
  ["LONG_BINPUT", 0x72, "u4", "weights-only"],
  ["SETITEM", 0x73, "none", "weights-only"],
  ["TUPLE", 0x74, "none", "weights-only"],
  ["EMPTY_TUPLE", 0x29, "none", "weights-only"],
  ["SETITEMS", 0x75, "none", "weights-only"],
  ["BINFLOAT", 0x47, "f8", "weights-only"],
  ["PROTO", 0x80, "u1", "weights-only"],
  ["NEWOBJ", 0x81, "none", "weights-only"],
  ["EXT1", 0x82, "u1", "dangerous"],
  ["EXT2", 0x83, "u2", "dangerous"],
  ["EXT4", 0x84, "u4", "dangerous"],
  ["TUPLE1", 0x85, "none", "weights-only"],
  ["TUPLE2", 0x86, "none", "weights-only"],
  ["TUPLE3", 0x87, "none", "weights-only"],
  ["NEWTRUE", 0x88, "none", "weights-only"],
  ["NEWFALSE", 0x89, "none", "weights-only"],
  ["LONG1", 0x8a, "len1", "weights-only"],
  // LONG4 exists only to encode ints > 255 bytes, which no tensor metadata needs; decoding it is the quadratic
  // BigInt trap that stalls the npm package pickleparser.
  ["LONG4", 0x8b, "len4", "dangerous"],
  ["BINBYTES", 0x42, "len4", "data"],
  ["SHORT_BINBYTES", 0x43, "len1", "data"],
  ["SHORT_BINUNICODE", 0x8c, "len1", "data"],
  ["BINUNICODE8", 0x8d, "len8", "data"],
  ["BINBYTES8", 0x8e, "len8", "data"],
  ["EMPTY_SET", 0x8f, "none", "weights-only"],
  ["ADDITEMS", 0x90, "none", "data"],
  ["FROZENSET", 0x91, "none", "data"],
  ["NEWOBJ_EX", 0x92, "none", "dangerous"],
  ["STACK_GLOBAL", 0x93, "none", "data"],
  ["MEMOIZE", 0x94, "none", "data"],
  ["FRAME", 0x95, "u8", "data"],
  ["BYTEARRAY8", 0x96, "len8", "data"],
  ["NEXT_BUFFER", 0x97, "none", "dangerous"],
  ["READONLY_BUFFER", 0x98, "none", "dangerous"],
];

/** Indexed by opcode byte; `undefined` for bytes that are not opcodes. */
export const OPCODES: ReadonlyArray<OpcodeInfo | undefined> = (() => {
  const byByte: (OpcodeInfo | undefined)[] = new Array(256).fill(undefined);
  for (const [name, code, operand, cls] of TABLE) byByte[code] = { name, operand, class: cls };
  return byByte;
})();

/** Whether a byte is an opcode: CPython's unpickler accepts any opcode first, so any can open a stream. */
export function isOpcode(byte: number | undefined): boolean {
  return byte !== undefined && OPCODES[byte] !== undefined;
}
