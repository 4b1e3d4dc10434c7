import type { ByteSource } from "./byte-source.js";
import { parseTarHeader, TAR_BLOCK_BYTES } from "./tar-header.js";

/**
 * The member list CPython's `tarfile` builds before `extract`/`extractfile` (Lib/tarfile.py `TarFile.next`,
 * `_proc_member`): headers one after another, GNU long names and pax `path`/`size` records applied to the member
 * they precede (global pax records to all that follow), data skipped in 512-byte blocks for regular members and
 * unknown types only. The first block that is not a header ends the archive, as tarfile does after the first member.
 */

export interface TarMember {
  name: string;
  type: string;
  size: number;
  /** Where the member's data starts. */
  dataOffset: number;
}

export interface TarListing {
  members: TarMember[];
  /** Why the listing stopped before the archive's end, when a bound did it. */
  truncated: string | null;
}

/** torch writes four members; 10 000 covers any archive a loader would walk without making a hostile one costly. */
const MAX_TAR_MEMBERS = 10_000;

/** GNU long names and pax records are a few hundred bytes; 1 MiB bounds what one extension header may make us read. */
const MAX_EXTENSION_BYTES = 1024 * 1024;

/** tarfile.REGULAR_TYPES and SUPPORTED_TYPES: data follows regular members and any type tarfile does not know. */
const REGULAR_TYPES = new Set(["0", "\0", "7", "S"]);
const SUPPORTED_TYPES = new Set([...REGULAR_TYPES, "1", "2", "3", "4", "5", "6", "L", "K", "x", "g", "X"]);

const blocks = (size: number) => Math.ceil(size / TAR_BLOCK_BYTES) * TAR_BLOCK_BYTES;
const utf8 = new TextDecoder("utf-8");

/** pax records `"%d %s=%s\n"`: the `path` and `size` keys, the only ones that change which bytes a member is. */
function paxRecords(data: Uint8Array): { path?: string; size?: number } {
  const out: { path?: string; size?: number } = {};
  const text = utf8.decode(data);
  for (const match of text.matchAll(/(\d+) ([^=\n]+)=([^\n]*)\n/g)) {
    if (match[2] === "path") out.path = match[3]!;
    if (match[2] === "size" && /^\d+$/.test(match[3]!)) out.size = Number(match[3]);
  }
  return out;
}

export async function listTarMembers(source: ByteSource): Promise<TarListing> {
  const members: TarMember[] = [];
  const globalPax: { path?: string; size?: number } = {};
  let next: { path?: string; size?: number } = {};
  let offset = 0;
  while (offset + TAR_BLOCK_BYTES <= source.size) {
    if (members.length >= MAX_TAR_MEMBERS) return { members, truncated: `more than ${MAX_TAR_MEMBERS} tar members` };
    const header = parseTarHeader(await source.read(offset, TAR_BLOCK_BYTES));
    if (!header) break;
    const dataOffset = offset + TAR_BLOCK_BYTES;
    if ("LKxgX".includes(header.type)) {
      if (header.size > MAX_EXTENSION_BYTES) return { members, truncated: `a ${header.size}-byte tar extension header` };
      const data = await source.read(dataOffset, header.size);
      if (header.type === "L") next.path = utf8.decode(data.subarray(0, Math.max(0, data.indexOf(0) < 0 ? data.length : data.indexOf(0))));
      else if (header.type === "g") Object.assign(globalPax, paxRecords(data));
      else if (header.type !== "K") Object.assign(next, paxRecords(data));
      offset = dataOffset + blocks(header.size);
      continue;
    }
    const fields = { ...globalPax, ...next };
    next = {};
    const size = fields.size ?? header.size;
    const name = fields.path ?? header.name;
    members.push({ name: header.type === "5" ? name.replace(/\/+$/, "") : name, type: header.type, size, dataOffset });
    offset = dataOffset + (REGULAR_TYPES.has(header.type) || !SUPPORTED_TYPES.has(header.type) ? blocks(size) : 0);
  }
  return { members, truncated: null };
}
