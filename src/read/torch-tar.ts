import type { ContainerResult, Finding, ImportRecord } from "../inspect/types.js";
import { analyzePickle, type PickleAnalysis } from "../pickle/analyze.js";
import type { PersistentIdMode } from "../pickle/interpret.js";
import { MAX_PICKLE_BYTES } from "../pickle/limits.js";
import { isOpcode } from "../pickle/opcodes.js";
import { STORAGE_CLASSES } from "../pickle/torch-types.js";
import type { ByteSource } from "./byte-source.js";
import { listTarMembers, type TarMember } from "./tar.js";

/**
 * The oldest torch format, a tar archive (torch/serialization.py `legacy_load`), which `torch.load` tries first
 * for every file that is not a zip. It reads the members by name, the last of each name as tarfile does:
 * `storages` (a count pickle, then per storage a `(key, location, storage_type)` pickle and an int64 element count
 * with that many elements, then a storage-views pickle), `tensors` (a count pickle, then per tensor a
 * `(key, storage_id, type)` pickle and ndim, sizes, strides and offset as raw ints), and `pickle`, the object,
 * whose persistent ids name tensors or `(class, source_file, source)`. Every pickle on that path is interpreted
 * in order, reading only pickles and record headers; every other member that starts like a pickle is scanned too.
 */

/** First window read for one pickle; it doubles until the stream ends (pickles are small, data is not read). */
const INITIAL_WINDOW_BYTES = 64 * 1024;

/** Records walked per member: a count pickle can claim anything; each record costs at least one opcode and a read. */
const MAX_RECORDS = 1_000_000;

const LINK_TYPES = new Set(["1", "2"]);
/** tarfile.REGULAR_TYPES: extracted as files (a GNU sparse member's stored bytes are its data, holes aside). */
const REGULAR_TYPES = new Set(["0", "\0", "7", "S"]);

interface Walk {
  source: ByteSource;
  findings: Finding[];
  imports: ImportRecord[];
}

/** One pickle starting at `offset` inside a member ending at `end`: read in growing windows, never past the budget. */
async function pickleAt(
  walk: Walk,
  offset: number,
  end: number,
  mode: PersistentIdMode,
  label: string,
): Promise<PickleAnalysis> {
  const budget = Math.min(end - offset, MAX_PICKLE_BYTES);
  let size = Math.min(budget, INITIAL_WINDOW_BYTES);
  for (;;) {
    const bytes = await walk.source.read(offset, size);
    const analysis = analyzePickle(bytes, {
      persistentIds: mode,
      expectEnd: false,
      label,
      streamContinues: bytes.length < end - offset,
    });
    if (analysis.end !== null || size >= budget) {
      walk.findings.push(...analysis.findings);
      walk.imports.push(...analysis.imports);
      return { ...analysis, end: analysis.end === null ? null : offset + analysis.end };
    }
    size = Math.min(budget, size * 2);
  }
}

/** `range(count)`: an int, or a bool (`range(True)` is one record). */
const count = (a: PickleAnalysis): number | null => {
  const value = a.values[""];
  if (typeof value === "boolean") return value ? 1 : 0;
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : null;
};

/**
 * Where a walk stopped. `torch stops`: torch raises there too, so nothing after it runs (suspicious).
 * `cannot follow`: torch may read on (a record with a class whose element size sdmodels does not know), and what
 * follows is unscanned, so the file fails closed.
 */
type Stop = { message: string; torchStops: boolean };
const stops = (message: string): Stop => ({ message, torchStops: true });

/** The element size of the `storage_type` in a `(key, location, storage_type)` record, from its import. */
function elementSize(a: PickleAnalysis): number | null {
  const cls = a.imports.find((i) => i.resolved.startsWith("torch.") && STORAGE_CLASSES.has(i.resolved.slice(6)));
  return cls ? STORAGE_CLASSES.get(cls.resolved.slice(6))!.size : null;
}

async function int64At(source: ByteSource, offset: number): Promise<bigint | null> {
  const bytes = await source.read(offset, 8);
  return bytes.length === 8 ? new DataView(bytes.buffer, bytes.byteOffset, 8).getBigInt64(0, true) : null;
}

/** `storages`: returns null when followed to its end, else where and how the walk stopped. */
async function walkStorages(walk: Walk, m: TarMember): Promise<Stop | null> {
  const end = m.dataOffset + m.size;
  const first = await pickleAt(walk, m.dataOffset, end, "none", "storages count");
  const n = count(first);
  if (first.end === null || n === null) return stops("storages does not start with a count pickle");
  if (n > MAX_RECORDS) return { message: `storages claims ${n} records (more than ${MAX_RECORDS})`, torchStops: false };
  let offset = first.end;
  for (let i = 0; i < n; i++) {
    const record = await pickleAt(walk, offset, end, "none", `storages record ${i}`);
    if (record.end === null) return stops(`storages record ${i} does not end cleanly`);
    const size = elementSize(record);
    if (size === null)
      return { message: `storages record ${i} names no storage class sdmodels can size`, torchStops: false };
    const numel = await int64At(walk.source, record.end);
    if (numel === null || numel < 0n || BigInt(record.end + 8) + numel * BigInt(size) > BigInt(end)) {
      return stops(`storages record ${i} is cut off (incomplete download)`);
    }
    offset = record.end + 8 + Number(numel) * size;
  }
  const views = await pickleAt(walk, offset, end, "none", "storage views");
  return views.end === null ? stops("storages does not end with a storage-views pickle") : null;
}

/** `tensors`: a count, then per tensor a pickle and `ndim` (int32), 4 bytes, sizes and strides (int64 each), offset. */
async function walkTensors(walk: Walk, m: TarMember): Promise<Stop | null> {
  const end = m.dataOffset + m.size;
  const first = await pickleAt(walk, m.dataOffset, end, "none", "tensors count");
  const n = count(first);
  if (first.end === null || n === null) return stops("tensors does not start with a count pickle");
  if (n > MAX_RECORDS) return { message: `tensors claims ${n} records (more than ${MAX_RECORDS})`, torchStops: false };
  let offset = first.end;
  for (let i = 0; i < n; i++) {
    const record = await pickleAt(walk, offset, end, "none", `tensors record ${i}`);
    if (record.end === null) return stops(`tensors record ${i} is not a pickle`);
    const head = await walk.source.read(record.end, 4);
    const ndim = head.length === 4 ? new DataView(head.buffer, head.byteOffset, 4).getInt32(0, true) : -1;
    if (ndim < 0 || record.end + 8 + 16 * ndim + 8 > end) return stops(`tensors record ${i} is cut off`);
    offset = record.end + 8 + 16 * ndim + 8;
  }
  return null;
}

async function walkObject(walk: Walk, m: TarMember): Promise<Stop | null> {
  const object = await pickleAt(walk, m.dataOffset, m.dataOffset + m.size, "tar", "pickle");
  return object.end === null ? stops("pickle member does not end cleanly") : null;
}

/** The names torch reads from the archive, in the order it reads them. */
const TORCH_MEMBER_NAMES = ["storages", "tensors", "pickle"];

/** tarfile's `getmember`: the last member of a name. */
function lastOfEachName(members: TarMember[]): Map<string, TarMember> {
  const byName = new Map<string, TarMember>();
  for (const m of members) byName.set(m.name, m);
  return byName;
}

/**
 * torch's reads by name over one member list: `storages`, `tensors`, `pickle`, the last member of each name.
 * Returns the problems that stop torch, and adds the members it reads by name to `read`.
 */
async function walkNamedMembers(walk: Walk, members: TarMember[], read: Set<TarMember>): Promise<string[]> {
  const byName = lastOfEachName(members);
  for (const name of TORCH_MEMBER_NAMES) if (byName.has(name)) read.add(byName.get(name)!);
  const problems: string[] = [];
  const walkers: [string, (w: Walk, m: TarMember) => Promise<Stop | null>][] = [
    ["storages", walkStorages],
    ["tensors", walkTensors],
    ["pickle", walkObject],
  ];
  for (const [name, walker] of walkers) {
    const m = byName.get(name);
    if (!m) {
      problems.push(`no ${name} member (torch stops with an error)`);
      break;
    }
    if (LINK_TYPES.has(m.type)) {
      // tarfile.extract writes the link and torch opens it: the bytes unpickled come from the loading machine.
      walk.findings.push({
        severity: "dangerous",
        code: "zip-slip",
        message: `tar member ${name} is a link: torch would unpickle whatever it points to`,
      });
      break;
    }
    if (!REGULAR_TYPES.has(m.type)) {
      problems.push(`tar member ${name} is not a regular file`);
      break;
    }
    const stop = await walker(walk, m);
    if (stop) problems.push(stop.message);
    if (stop?.torchStops) break;
    // torch may read on past what cannot be followed: fail closed, and still scan the members torch reads next.
    if (stop)
      walk.findings.push({
        severity: "dangerous",
        code: "unscannable",
        message: `tar: ${stop.message}; torch may read on, so this fails closed`,
      });
  }
  return problems;
}

export async function readTorchTar(source: ByteSource): Promise<ContainerResult> {
  const walk: Walk = { source, findings: [], imports: [] };
  const listing = await listTarMembers(source);
  if (listing.truncated) {
    walk.findings.push({
      severity: "dangerous",
      code: "unscannable",
      message: `tar: ${listing.truncated}; torch may still load it, so this fails closed`,
    });
  }
  const read = new Set<TarMember>();
  const problems = await walkNamedMembers(walk, listing.members, read);
  // A tarfile that rejects a malformed pax header ends the archive there: torch reads the last of each name
  // among the members before it, another chain.
  const strict = listing.strictMemberCount === null ? null : listing.members.slice(0, listing.strictMemberCount);
  const [all, before] = [lastOfEachName(listing.members), lastOfEachName(strict ?? [])];
  if (strict && TORCH_MEMBER_NAMES.some((name) => all.get(name) !== before.get(name))) {
    const strictProblems = await walkNamedMembers(walk, strict, read);
    problems.push(...strictProblems.map((p) => `${p}, with a tarfile that rejects a malformed pax header`));
  }
  // Members torch does not read by name still reach a loader that opens them; scan any that starts like a pickle.
  for (const m of listing.members) {
    if (read.has(m) || !REGULAR_TYPES.has(m.type) || m.size === 0) continue;
    const first = await source.read(m.dataOffset, 1);
    if (isOpcode(first[0])) await pickleAt(walk, m.dataOffset, m.dataOffset + m.size, "none", `tar member ${m.name}`);
  }
  for (const problem of problems)
    walk.findings.push({ severity: "suspicious", code: "invalid", message: `tar: ${problem}` });
  return {
    format: "torch-tar",
    tensors: [],
    metadata: null,
    values: {},
    findings: walk.findings,
    imports: walk.imports,
    error: problems.length > 0 ? { code: "invalid", message: `torch tar archive: ${problems[0]}` } : null,
  };
}
