import { CENTRAL_HEADER_SIGNATURE, readU64 } from "./zip-end-record.js";
import { ZipFormatError } from "./zip-format-error.js";
import { nameKeys } from "./zip-names.js";
import type { ZipEntry, ZipNameKeys } from "./zip-types.js";

const CENTRAL_HEADER_SIZE = 46;
const ZIP64_EXTRA_ID = 0x0001;
const U32_MAX = 0xffffffff;

/** A central-directory record before its local header has been read, with its name's keys. */
export type CentralEntry = Omit<ZipEntry, "dataOffset" | "local"> & { keys: ZipNameKeys };

/**
 * Parses `entryCount` central-directory records. Any record that does not parse makes the whole directory
 * unparseable, as it does for miniz; the caller has already bounded `bytes` and `entryCount`.
 */
export function parseCentralDirectory(bytes: Uint8Array, entryCount: number, directoryOffset: number): CentralEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: CentralEntry[] = [];
  let at = 0;
  for (let index = 0; index < entryCount; index++) {
    // made only for an error: a message per record would be most of this loop's allocations
    const where = () => `central-directory record ${index} at ${directoryOffset + at}`;
    if (at + CENTRAL_HEADER_SIZE > bytes.length || view.getUint32(at, true) !== CENTRAL_HEADER_SIGNATURE) {
      throw new ZipFormatError("bad-central-header", `${where()}: missing or truncated`);
    }
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const nameStart = at + CENTRAL_HEADER_SIZE;
    const next = nameStart + nameLength + extraLength + commentLength;
    if (next > bytes.length) throw new ZipFormatError("bad-central-header", `${where()}: runs past the directory`);
    const nameBytes = bytes.slice(nameStart, nameStart + nameLength);
    const sizes = readZip64Extra(
      view,
      nameStart + nameLength,
      extraLength,
      {
        uncompressedSize: view.getUint32(at + 24, true),
        compressedSize: view.getUint32(at + 20, true),
        localHeaderOffset: view.getUint32(at + 42, true),
      },
      where,
    );
    const { name, keys } = nameKeys(nameBytes);
    entries.push({
      index,
      nameBytes,
      name,
      keys,
      flags: view.getUint16(at + 8, true),
      method: view.getUint16(at + 10, true),
      crc32: view.getUint32(at + 16, true),
      uncompressedSize: sizes.uncompressedSize,
      compressedSize: sizes.compressedSize,
      localHeaderOffset: sizes.localHeaderOffset,
    });
    at = next;
  }
  return entries;
}

interface EntrySizes {
  uncompressedSize: number;
  compressedSize: number;
  localHeaderOffset: number;
}

/** The zip64 extra holds, in this order, only the fields whose 32-bit slot is 0xFFFFFFFF (APPNOTE 4.5.3; yauzl). */
function readZip64Extra(
  view: DataView,
  start: number,
  length: number,
  sizes: EntrySizes,
  where: () => string,
): EntrySizes {
  if (sizes.uncompressedSize !== U32_MAX && sizes.compressedSize !== U32_MAX && sizes.localHeaderOffset !== U32_MAX)
    return sizes;
  const wanted = (Object.keys(sizes) as (keyof EntrySizes)[]).filter((field) => sizes[field] === U32_MAX);
  if (wanted.length === 0) return sizes;
  const end = start + length;
  for (let at = start; at + 4 <= end; ) {
    const id = view.getUint16(at, true);
    const fieldLength = view.getUint16(at + 2, true);
    if (at + 4 + fieldLength > end) break;
    if (id === ZIP64_EXTRA_ID) {
      if (fieldLength < wanted.length * 8) {
        throw new ZipFormatError(
          "bad-central-header",
          `${where()}: zip64 extra field too short for ${wanted.join(", ")}`,
        );
      }
      const result = { ...sizes };
      for (const [i, field] of wanted.entries()) result[field] = readU64(view, at + 4 + i * 8);
      return result;
    }
    at += 4 + fieldLength;
  }
  throw new ZipFormatError(
    "bad-central-header",
    `${where()}: ${wanted.join(", ")} marked zip64 but no zip64 extra field`,
  );
}
