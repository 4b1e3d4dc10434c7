import type { ByteSource } from "./byte-source.js";
import { parseTarHeader, TAR_BLOCK_BYTES, type TarHeader } from "./tar-header.js";

/**
 * The member list CPython's `tarfile` builds before `extract`/`extractfile` (Lib/tarfile.py `TarFile.next`,
 * `TarInfo.fromtarfile`, `_proc_member` and its `_proc_builtin`/`_proc_gnulong`/`_proc_pax`), step for step:
 * - a member's next header follows its own header's size (regular members and unknown types only); global pax
 *   records change the member's size afterwards but never where the next header is;
 * - an extended ('x') header's records are applied to the member it precedes after that member's own processing,
 *   and only then, when they hold `size`, is the next header re-placed by the applied size;
 * - a GNU long name or an extended header processes the header after it recursively, so in a chain the OUTERMOST
 *   one is applied last and wins;
 * - pax records are read one after another by their length field, anchored where the previous one ended.
 * The first block that is not a header ends the archive, as tarfile does after the first member. Where tarfile
 * versions differ (newer ones reject a malformed pax header that older ones ignore, which ends the archive there),
 * the listing follows the lenient reading and says where the strict one ends, so both can be judged. What cannot be
 * followed exactly (GNU sparse members) ends the listing with a reason, and the caller fails closed.
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
  /** Why the listing stopped before the archive's end, when a bound or an unfollowable member did it. */
  truncated: string | null;
  /**
   * How many members a tarfile that rejects malformed pax headers (CPython's 2024 fix) lists before it ends the
   * archive, when that is fewer than `members`; null when both readings agree or the strict one is not a tar at all.
   */
  strictMemberCount: number | null;
}

/** torch writes four members; 10 000 covers any archive a loader would walk without making a hostile one costly. */
const MAX_TAR_MEMBERS = 10_000;

/** GNU long names and pax records are a few hundred bytes; 1 MiB bounds what one extension header may make us read. */
const MAX_EXTENSION_BYTES = 1024 * 1024;

/**
 * Extension headers chained in front of one member. tarfile recurses once per header and fails with a
 * RecursionError near a thousand; 64 covers any real archive (torch writes none).
 */
const MAX_EXTENSION_CHAIN = 64;

/** tarfile.REGULAR_TYPES and SUPPORTED_TYPES: data follows regular members and any type tarfile does not know. */
const REGULAR_TYPES = new Set(["0", "\0", "7", "S"]);
const SUPPORTED_TYPES = new Set([...REGULAR_TYPES, "1", "2", "3", "4", "5", "6", "L", "K", "x", "g", "X"]);

/** The shortest record tarfile's strict reading accepts, `"5 x=\n"`; and the most digits it reads as a length. */
const MIN_STRICT_PAX_RECORD = 5;
const MAX_STRICT_PAX_LENGTH_DIGITS = 20;

const blocks = (size: number) => Math.ceil(size / TAR_BLOCK_BYTES) * TAR_BLOCK_BYTES;
const utf8 = new TextDecoder("utf-8");
const SPACE = 0x20;
const EQUALS = 0x3d;
const NEWLINE = 0x0a;
const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;

/** tarfile raised a HeaderError (a block that is not a header, or a malformed extension). */
class HeaderError extends Error {}
/** Something tarfile does that this reader does not follow exactly; the listing stops and the caller fails closed. */
class Unfollowable extends Error {}

interface PaxRecords {
  records: Map<string, string>;
  /** The strict reading raises InvalidHeaderError on this header. */
  strictInvalid: boolean;
}

/**
 * pax records `"%d %s=%s\n"` as the lenient tarfile reads them: `(\d+) ([^=]+)=` matched AT each position, the
 * value running to the record's end by its length, the next record at the length, the first non-match ending the
 * header. Linear: the next '=' is found once per stretch, since positions only grow. `strictInvalid` says whether
 * the strict reading (length of 1–20 digits, at least 5, inside the header, `keyword=` inside the record, ending in a
 * newline; NUL or the end stops it) rejects the header.
 */
function paxRecords(buf: Uint8Array): PaxRecords {
  const records = new Map<string, string>();
  let strictInvalid = false;
  let strictDone = false;
  let nextEquals = -1;
  let pos = 0;
  while (pos < buf.length) {
    if (!strictDone && buf[pos] === 0) strictDone = true;
    let digitsEnd = pos;
    while (isDigit(buf[digitsEnd])) digitsEnd++;
    if (digitsEnd === pos || buf[digitsEnd] !== SPACE) break;
    if (nextEquals <= digitsEnd) nextEquals = buf.indexOf(EQUALS, digitsEnd + 1);
    if (nextEquals < 0 || nextEquals === digitsEnd + 1) break;
    const digits = digitsEnd - pos;
    const length =
      digits > MAX_STRICT_PAX_LENGTH_DIGITS
        ? Number.MAX_SAFE_INTEGER
        : Number(utf8.decode(buf.subarray(pos, digitsEnd)));
    if (length === 0) throw new HeaderError("a pax record of length 0");
    const end = pos + length - 1;
    if (
      !strictDone &&
      (digits > MAX_STRICT_PAX_LENGTH_DIGITS ||
        length < MIN_STRICT_PAX_RECORD ||
        pos + length > buf.length ||
        nextEquals >= end ||
        buf[end] !== NEWLINE)
    ) {
      strictInvalid = true;
      strictDone = true;
    }
    const keyword = utf8.decode(buf.subarray(digitsEnd + 1, nextEquals));
    records.set(
      keyword,
      utf8.decode(buf.subarray(nextEquals + 1, Math.max(nextEquals + 1, Math.min(end, buf.length)))),
    );
    pos += length;
  }
  // The strict reading also rejects a header whose bytes before any NUL are not all records.
  if (!strictDone && pos < buf.length && buf[pos] !== 0) strictInvalid = true;
  return { records, strictInvalid };
}

/** Python's `int(value)` for the pax `size` keyword, `0` where it raises ValueError (`_apply_pax_info`). */
function paxSize(value: string): number {
  const text = value.replace(/^[\s\x1c-\x1f]+|[\s\x1c-\x1f]+$/g, "");
  // int() also reads non-ASCII decimal digits; such a size is not worth modelling.
  if (/[^\x00-\x7f]/.test(text)) throw new Unfollowable("a pax size in non-ASCII digits");
  const match = /^([+-]?)(\d(?:_?\d)*)$/.exec(text);
  if (!match) return 0;
  const size = Number(match[2]!.replace(/_/g, ""));
  if (match[1] === "-" || !Number.isSafeInteger(size)) throw new Unfollowable("a pax size tarfile cannot skip");
  return size;
}

/**
 * `_apply_pax_info`: `path` (trailing slashes dropped) and `size` are the fields that decide which bytes a member is.
 */
function applyPax(member: TarMember, pax: Map<string, string>): void {
  for (const [keyword, value] of pax) {
    if (keyword.startsWith("GNU.sparse.")) throw new Unfollowable("a GNU sparse pax record");
    if (keyword === "path") member.name = value.replace(/\/+$/, "");
    if (keyword === "size") member.size = paxSize(value);
  }
}

const skipsData = (m: { type: string }) => REGULAR_TYPES.has(m.type) || !SUPPORTED_TYPES.has(m.type);

interface Reader {
  source: ByteSource;
  /** tarfile.offset: where the next top-level header is. */
  offset: number;
  /** tarfile.pax_headers: global records, updated in place by every 'g' header. */
  global: Map<string, string>;
  /** How deep in this member's chain of extension headers the strict reading first rejected a pax header. */
  strictRejectedAt: number | null;
}

async function readHeader(reader: Reader, at: number): Promise<TarHeader> {
  const header = parseTarHeader(await reader.source.read(at, TAR_BLOCK_BYTES));
  if (!header) throw new HeaderError("not a tar header");
  return header;
}

async function extensionData(reader: Reader, header: TarHeader, at: number): Promise<Uint8Array> {
  if (header.size > MAX_EXTENSION_BYTES) throw new Unfollowable(`a ${header.size}-byte tar extension header`);
  return reader.source.read(at, blocks(header.size));
}

/** `TarInfo.fromtarfile` + `_proc_member` for the header at `at`. */
async function fromTarFile(reader: Reader, at: number, depth: number): Promise<TarMember> {
  if (depth > MAX_EXTENSION_CHAIN)
    throw new Unfollowable(`more than ${MAX_EXTENSION_CHAIN} chained tar extension headers`);
  const header = await readHeader(reader, at);
  const dataOffset = at + TAR_BLOCK_BYTES;
  if (header.type === "S") throw new Unfollowable("a GNU sparse member");
  if (header.type === "L" || header.type === "K") {
    const data = await extensionData(reader, header, dataOffset);
    const next = await fromTarFile(reader, dataOffset + blocks(header.size), depth + 1);
    if (header.type === "L") {
      const nul = data.indexOf(0);
      next.name = utf8.decode(nul < 0 ? data : data.subarray(0, nul));
      if (next.type === "5" && next.name.endsWith("/")) next.name = next.name.slice(0, -1);
    }
    return next;
  }
  if (header.type === "x" || header.type === "g" || header.type === "X") {
    const data = await extensionData(reader, header, dataOffset);
    const parsed = paxRecords(data);
    if (parsed.strictInvalid) reader.strictRejectedAt ??= depth;
    const pax = header.type === "g" ? reader.global : new Map(reader.global);
    for (const [keyword, value] of parsed.records) pax.set(keyword, value);
    if ([...pax.keys()].some((k) => k.startsWith("GNU.sparse."))) throw new Unfollowable("a GNU sparse pax record");
    const next = await fromTarFile(reader, dataOffset + blocks(header.size), depth + 1);
    if (header.type !== "g") {
      applyPax(next, pax);
      if (pax.has("size")) reader.offset = next.dataOffset + (skipsData(next) ? blocks(next.size) : 0);
    }
    return next;
  }
  const member: TarMember = { name: header.name, type: header.type, size: header.size, dataOffset };
  reader.offset = dataOffset + (skipsData(member) ? blocks(member.size) : 0);
  applyPax(member, reader.global);
  if (member.type === "5") member.name = member.name.replace(/\/+$/, "");
  return member;
}

export async function listTarMembers(source: ByteSource): Promise<TarListing> {
  const members: TarMember[] = [];
  const reader: Reader = { source, offset: 0, global: new Map(), strictRejectedAt: null };
  let strictMemberCount: number | null = null;
  let strictDecided = false;
  const listing = (truncated: string | null): TarListing => ({ members, truncated, strictMemberCount });
  while (reader.offset + TAR_BLOCK_BYTES <= source.size) {
    if (members.length >= MAX_TAR_MEMBERS) return listing(`more than ${MAX_TAR_MEMBERS} tar members`);
    const start = reader.offset;
    reader.strictRejectedAt = null;
    try {
      members.push(await fromTarFile(reader, start, 0));
    } catch (error) {
      if (error instanceof Unfollowable) return listing(error.message);
      if (error instanceof HeaderError) break;
      throw error;
    }
    // The strict tarfile ends the archive at a rejected header that starts a member; at offset 0, or inside a
    // chain (SubsequentHeaderError), it raises ReadError instead: torch then reads the file as another format,
    // which is judged on its own. Only the first rejection matters, the strict reading stops there.
    if (reader.strictRejectedAt !== null && !strictDecided) {
      strictDecided = true;
      if (start > 0 && reader.strictRejectedAt === 0) strictMemberCount = members.length - 1;
    }
  }
  return listing(null);
}
