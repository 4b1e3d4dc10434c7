/**
 * Bounds on the symbolic interpreter. Each bound is far above anything torch.save produces, and each one turns a
 * hostile stream into a verdict instead of a hang or an out-of-memory abort.
 */

/** A Stable Diffusion `data.pkl` is a few hundred KiB (12k tensors ≈ 1.6 MB); 64 MiB leaves 40× headroom. */
export const MAX_PICKLE_BYTES = 64 * 1024 * 1024;

/** One opcode per byte at most, so 50 M opcodes is more than a 64 MiB stream of real data can hold. */
export const MAX_OPCODES = 50_000_000;

/** torch memoizes every string, tuple and call result: ~8 entries per tensor, so 10 M covers >1 M tensors. */
export const MAX_MEMO_ENTRIES = 10_000_000;

/**
 * torch nests MARKs a few levels deep (dict → args tuple → persistent id); 10 k is generous and bounds the mark list.
 */
export const MAX_MARK_DEPTH = 10_000;

/**
 * Values on the stack at once. torch's stack never holds more than one batch of 1000 dict items (2000 values) plus a
 * few levels; 5 M references ≈ 40 MB is a hard ceiling a 64 MiB stream could otherwise push past.
 */
export const MAX_STACK_VALUES = 5_000_000;

/** The legacy magic number needs 10 bytes; no tensor metadata needs more than 16 (a signed 128-bit int). */
export const MAX_LONG1_BYTES = 16;

/**
 * Protocol-0 `LONG` text: the same 16-byte bound, in decimal digits (2^127 has 39). torch's legacy magic number has
 * 24 digits, and a protocol-0 legacy file writes it this way.
 */
export const MAX_LONG_TEXT_DIGITS = 39;

/**
 * Wall-clock budget per pickle stream. Interpretation is linear (a 64 MiB stream takes well under a second), so the
 * budget only fires on a defect, and then the verdict fails closed.
 */
export const PICKLE_TIME_BUDGET_MS = 20_000;

/** How often (in opcodes) the clock is read: cheap enough to be invisible, frequent enough to stop within ~ms. */
export const CLOCK_CHECK_INTERVAL = 65_536;

/**
 * Distinct globals listed per stream. A checkpoint imports about ten; fickling's ML allowlist has a few hundred.
 * Globals beyond it are still judged (their verdict survives in one finding), only not listed: 64 MiB of GLOBAL
 * opcodes would otherwise be millions of records.
 */
export const MAX_IMPORT_RECORDS = 10_000;

/** Distinct findings kept per stream; the rest are summarised in one finding with the worst severity. */
export const MAX_FINDINGS = 200;

/** Tensors listed per stream: 2.5× the safetensors tensor-count limit, far above any real checkpoint (~12 k). */
export const MAX_TENSORS = 500_000;

/**
 * Container depth below the root that is listed. A checkpoint nests a handful of levels (dict → state_dict → tensor;
 * Lightning optimizer states a few more); a million-deep chain of TUPLE1s costs one byte per level to write.
 */
export const MAX_LISTED_DEPTH = 100;

/** Plain values kept (global_step, name, layer_structure, string_to_token…): metadata, not data. */
export const MAX_VALUES = 10_000;

/** Plain string values and list values are cut to this size: they are labels, not content. */
export const MAX_VALUE_STRING_CHARS = 4096;
export const MAX_VALUE_LIST_ITEMS = 256;

/** Bytes values remember their content only up to this size (numpy scalars need 8–16). */
export const MAX_KEPT_BYTES = 64;
