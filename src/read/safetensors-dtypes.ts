/**
 * The dtypes the reference accepts, with their size in bits (`huggingface/safetensors` `enum Dtype` and
 * `Dtype::bitsize`). Matching is exact and case-sensitive. The enum is `#[non_exhaustive]` and keeps growing, so a
 * name missing here means "newer safetensors", not "hostile file". A Map, not an object literal: a dtype named
 * `constructor` must not find `Object.prototype.constructor`.
 */
export const SAFETENSORS_DTYPE_BITS: ReadonlyMap<string, number> = new Map([
  ["BOOL", 8],
  ["F4", 4],
  ["F6_E2M3", 6],
  ["F6_E3M2", 6],
  ["U8", 8],
  ["I8", 8],
  ["F8_E5M2", 8],
  ["F8_E4M3", 8],
  ["F8_E8M0", 8],
  ["F8_E4M3FNUZ", 8],
  ["F8_E5M2FNUZ", 8],
  ["I16", 16],
  ["U16", 16],
  ["F16", 16],
  ["BF16", 16],
  ["I32", 32],
  ["U32", 32],
  ["F32", 32],
  ["C64", 64],
  ["F64", 64],
  ["I64", 64],
  ["U64", 64],
]);
