import { type ByteRange, type ByteSource, readRanges } from "./byte-source.js";
import type { CentralEntry } from "./zip-central-directory.js";
import { readU64 } from "./zip-end-record.js";
import { decodeName } from "./zip-names.js";
import type { LocalHeader, ZipAnomaly, ZipEntry } from "./zip-types.js";

const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const LOCAL_HEADER_SIZE = 30;
const DATA_DESCRIPTOR_FLAG = 0x0008;
const ZIP64_EXTRA_ID = 0x0001;
const U32_MAX = 0xffffffff;
/** torch aligns every record's data to this many bytes (`kFieldAlignment`, caffe2/serialize/inline_container.cc). */
const TORCH_FIELD_ALIGNMENT = 64;
/** The `FB` extra field's id and length that torch writes in front of its padding. */
const TORCH_PADDING_FIELD_HEADER = 4;
/**
 * Bytes held at once for headers laid out unlike torch's (the second batch). Each such stretch is read once however
 * many headers share or nest in it, so the batch never exceeds the file; this bounds it on a multi-GB file too. It
 * matches the central-directory limit: an honest local header repeats its central record's name and carries
 * extra fields of about the same size, so honest headers together are about as long as the directory.
 */
export const MAX_LONGER_HEADER_BYTES = 64 * 1024 * 1024;

/**
 * Reads each entry's 30-byte local header and its name/extra (never its data), computes the data offset the way
 * torch's `getRecordOffset` does, and reports where the local header contradicts the central directory. All the
 * headers are read in one batch ({@link readRanges}), each sized as torch writes it; the few laid out otherwise
 * (a longer name or extra field) are read whole in a second batch, each stretch of the file once ({@link readStretches}).
 */
export async function readLocalHeaders(
  source: ByteSource,
  central: readonly CentralEntry[],
): Promise<{ entries: ZipEntry[]; anomalies: ZipAnomaly[] }> {
  // miniz reads a local header wherever the central directory points, even behind the directory itself
  const limit = source.size;
  const present = central.filter((entry) => entry.localHeaderOffset + LOCAL_HEADER_SIZE <= limit);
  const heads = await readRanges(
    source,
    present.map((entry) => ({
      offset: entry.localHeaderOffset,
      length: Math.min(torchLocalHeaderLength(entry), limit - entry.localHeaderOffset),
    })),
  );
  const longer: { i: number; offset: number; length: number }[] = [];
  for (let i = 0; i < present.length; i++) {
    const offset = present[i]!.localHeaderOffset;
    const length = declaredLength(heads[i]!);
    if (length !== null && offset + length <= limit && length > heads[i]!.length) longer.push({ i, offset, length });
  }
  const wholes = await readStretches(source, longer);
  const unread: number[] = [];
  for (let n = 0; n < longer.length; n++) {
    const whole = wholes[n];
    if (whole) heads[longer[n]!.i] = whole;
    else unread.push(present[longer[n]!.i]!.index);
  }

  const locals: (LocalHeader | null)[] = new Array(central.length).fill(null);
  for (let i = 0; i < present.length; i++) {
    const entry = present[i]!;
    locals[entry.index] = parseLocalHeader(entry, heads[i]!, limit);
  }
  const entries: ZipEntry[] = [];
  const anomalies: ZipAnomaly[] = [];
  if (unread.length > 0) {
    anomalies.push({
      code: "local-headers-unread",
      entries: unread,
      message:
        `${unread.length} local header(s) not read: the headers laid out unlike torch's span more than ` +
        `${MAX_LONGER_HEADER_BYTES} bytes, so where their data starts is unknown`,
    });
  }
  const unreadSet = new Set(unread);
  for (const entry of central) {
    const local = locals[entry.index] ?? null;
    if (local !== null) {
      for (const anomaly of compareHeaders(entry, local)) anomalies.push(anomaly);
    } else if (!unreadSet.has(entry.index)) {
      anomalies.push({
        code: "local-header-missing",
        entries: [entry.index],
        message: `${entry.name}: no local header at offset ${entry.localHeaderOffset}`,
      });
    }
    entries.push({
      index: entry.index,
      nameBytes: entry.nameBytes,
      name: entry.name,
      flags: entry.flags,
      method: entry.method,
      crc32: entry.crc32,
      compressedSize: entry.compressedSize,
      uncompressedSize: entry.uncompressedSize,
      localHeaderOffset: entry.localHeaderOffset,
      dataOffset:
        local === null
          ? null
          : entry.localHeaderOffset + LOCAL_HEADER_SIZE + local.nameBytes.length + local.extraLength,
      local,
    });
  }
  return { entries, anomalies };
}

/**
 * Each range's bytes, reading every stretch of the file once: a hostile archive points thousands of central records
 * at one header, or nests headers in each other's 64 KiB extra fields, and read one by one they would pull gigabytes
 * out of a small file and hold them all. Overlapping ranges are merged, so at most the file is read; ranges past
 * {@link MAX_LONGER_HEADER_BYTES} (in file order) are left unread, as null.
 */
async function readStretches(source: ByteSource, ranges: readonly ByteRange[]): Promise<(Uint8Array | null)[]> {
  const order = ranges.map((_, n) => n).sort((a, b) => ranges[a]!.offset - ranges[b]!.offset);
  const stretches: { offset: number; length: number; members: number[] }[] = [];
  let total = 0;
  for (const n of order) {
    const { offset, length } = ranges[n]!;
    const last = stretches.at(-1);
    const lastEnd = last ? last.offset + last.length : -1;
    const grows = last && offset <= lastEnd ? Math.max(0, offset + length - lastEnd) : length;
    if (total + grows > MAX_LONGER_HEADER_BYTES) break;
    total += grows;
    if (last && offset <= lastEnd) {
      last.length += grows;
      last.members.push(n);
    } else stretches.push({ offset, length, members: [n] });
  }
  const blocks = await readRanges(source, stretches);
  const out: (Uint8Array | null)[] = new Array(ranges.length).fill(null);
  for (let s = 0; s < stretches.length; s++) {
    const { offset, members } = stretches[s]!;
    for (const n of members) {
      const start = ranges[n]!.offset - offset;
      out[n] = blocks[s]!.subarray(start, start + ranges[n]!.length);
    }
  }
  return out;
}

/** The length a local header declares (fixed part, name and extra), or null when `head` holds no local header. */
function declaredLength(head: Uint8Array): number | null {
  if (head.length < LOCAL_HEADER_SIZE || u32(head, 0) !== LOCAL_HEADER_SIGNATURE) return null;
  return LOCAL_HEADER_SIZE + u16(head, 26) + u16(head, 28);
}

/** Little-endian fields read off the bytes: a DataView per header would be an object per tensor. */
function u16(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8);
}

function u32(bytes: Uint8Array, at: number): number {
  return (u16(bytes, at) | (u16(bytes, at + 2) << 16)) >>> 0;
}

/** The local header read at the entry's offset, or null when it is missing or runs past `limit`. */
function parseLocalHeader(entry: CentralEntry, bytes: Uint8Array, limit: number): LocalHeader | null {
  const length = declaredLength(bytes);
  if (length === null || entry.localHeaderOffset + length > limit || bytes.length < length) return null;
  const nameLength = u16(bytes, 26);
  const variable = bytes.subarray(LOCAL_HEADER_SIZE, length);
  const localName = variable.subarray(0, nameLength);
  const header: LocalHeader = {
    // the common case shares the central name's bytes instead of copying the batch's (which would keep it alive)
    nameBytes: sameBytes(localName, entry.nameBytes) ? entry.nameBytes : localName.slice(),
    flags: u16(bytes, 6),
    method: u16(bytes, 8),
    crc32: u32(bytes, 14),
    compressedSize: u32(bytes, 18),
    uncompressedSize: u32(bytes, 22),
    extraLength: length - LOCAL_HEADER_SIZE - nameLength,
  };
  if (header.uncompressedSize === U32_MAX || header.compressedSize === U32_MAX) {
    const sizes = localZip64Sizes(variable.subarray(nameLength));
    if (sizes) Object.assign(header, sizes);
  }
  return header;
}

/**
 * The length of the local header torch writes for `entry` (`getPadding` in caffe2/serialize/inline_container.cc):
 * the fixed part, the name, a zip64 extra when the size or offset needs one, and the `FB` field padding the data
 * to 64 bytes. Read in one go, it is exactly the header of a torch-written record; another writer's longer header
 * costs a second read, a shorter one a few bytes of its data.
 */
function torchLocalHeaderLength(entry: CentralEntry): number {
  const bigSize = entry.uncompressedSize >= U32_MAX;
  const farOffset = entry.localHeaderOffset >= U32_MAX;
  let start = entry.localHeaderOffset + LOCAL_HEADER_SIZE + entry.nameBytes.length + TORCH_PADDING_FIELD_HEADER;
  if (bigSize || farOffset) start += 4 + (bigSize ? 16 : 0) + (farOffset ? 8 : 0);
  const aligned = Math.ceil(start / TORCH_FIELD_ALIGNMENT) * TORCH_FIELD_ALIGNMENT;
  return aligned - entry.localHeaderOffset;
}

/** In a local header the zip64 extra always carries both sizes, uncompressed first (APPNOTE 4.5.3). */
function localZip64Sizes(extra: Uint8Array): { uncompressedSize: number; compressedSize: number } | null {
  const view = new DataView(extra.buffer, extra.byteOffset, extra.byteLength);
  for (let at = 0; at + 4 <= extra.length; ) {
    const length = view.getUint16(at + 2, true);
    if (view.getUint16(at, true) === ZIP64_EXTRA_ID && length >= 16 && at + 4 + length <= extra.length) {
      return { uncompressedSize: readU64(view, at + 4), compressedSize: readU64(view, at + 12) };
    }
    at += 4 + length;
  }
  return null;
}

function compareHeaders(entry: CentralEntry, local: LocalHeader): ZipAnomaly[] {
  const anomalies: ZipAnomaly[] = [];
  if (!sameBytes(entry.nameBytes, local.nameBytes)) {
    anomalies.push({
      code: "local-name-mismatch",
      entries: [entry.index],
      message: `central directory names "${entry.name}" but its local header names "${
        decodeName(local.nameBytes).name
      }"`,
    });
  }
  const differences: string[] = [];
  if (local.flags !== entry.flags) differences.push(`flags 0x${hex(local.flags)} vs 0x${hex(entry.flags)}`);
  if (local.method !== entry.method) differences.push(`method ${local.method} vs ${entry.method}`);
  // With a data descriptor (bit 3) the local CRC and sizes are zero by design; torch writes every record that way.
  if ((local.flags & DATA_DESCRIPTOR_FLAG) === 0) {
    if (local.crc32 !== entry.crc32) differences.push(`crc 0x${hex(local.crc32)} vs 0x${hex(entry.crc32)}`);
    if (local.compressedSize !== entry.compressedSize) {
      differences.push(`compressed size ${local.compressedSize} vs ${entry.compressedSize}`);
    }
    if (local.uncompressedSize !== entry.uncompressedSize) {
      differences.push(`size ${local.uncompressedSize} vs ${entry.uncompressedSize}`);
    }
  }
  if (differences.length > 0) {
    anomalies.push({
      code: "local-header-mismatch",
      entries: [entry.index],
      message:
        `${entry.name}: local header disagrees with the central directory ` +
        `(local vs central: ${differences.join(", ")})`,
    });
  }
  return anomalies;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hex(value: number): string {
  return value.toString(16).padStart(4, "0");
}
