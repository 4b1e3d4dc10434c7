import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { systemCallPickle } from "../../fixtures/hostile-ckpt.js";
import { PickleBuilder, torchPickle } from "../../fixtures/pickle-builder.js";
import { TAR_BLOCK, tarArchive, tarChecksum, tarHeader } from "../../fixtures/tar-writer.js";
import { torchTarMembers } from "../../fixtures/torch-tar-writer.js";
import { writeTorchZip } from "../../fixtures/torch-zip-writer.js";
import { inspectFile } from "../../src/inspect/inspect-file.js";
import { analyzePickle } from "../../src/pickle/analyze.js";
import { useBuiltCli } from "../cli/run-cli.js";
import { useTempDirs, useTempFiles } from "../helpers.js";
import { verdictOf } from "./verdict.js";

/**
 * Second red-team pass, worked from the loaders (CPython's `Lib/tarfile.py`, `Lib/pickle.py`, torch's
 * `serialization.py` and its zip reader binding) rather than from the inspector. Every case here FAILS on the
 * code it was written against; each is a miss (a file that runs code or touches the system yet is not called
 * dangerous) or a false alarm (an ordinary torch file called dangerous). Nothing is ever unpickled: payloads name
 * `posix.system` with a harmless argument, and the verdict is all that is checked.
 */

const tempDir = useTempDirs("sdmodels-redteam2-");
const ascii = new TextEncoder();
const proto2 = () => new PickleBuilder().proto(2);

/** `posix.system("true")`: what a loader that reaches this stream would run. */
const payload = () => systemCallPickle("true");

const tempFile = useTempFiles();
const verdictOfFile = async (name: string, bytes: Uint8Array) =>
  (await inspectFile(await tempFile(name, bytes))).safety.verdict;

/** One pax record, `"%d %s=%s\n"`, whose leading length counts the whole record including itself. */
function paxRecord(keyword: string, value: string): string {
  const body = ` ${keyword}=${value}\n`;
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length++;
  return `${length}${body}`;
}

describe("red team 2: tar members torch reads differently from the inspector", () => {
  it("a global pax 'size' resizes members but does not move the next header: torch reads a hidden pickle", async () => {
    // Lib/tarfile.py: a global ('g') pax header is stored in tarfile.pax_headers. Each later member is read by
    // TarInfo._proc_builtin, which FIRST advances tarfile.offset by the member's own header size field
    // (offset += self._block(self.size)) and only THEN calls self._apply_pax_info(tarfile.pax_headers, …), which
    // sets member.size from the global record. So a global `size` changes how many bytes extractfile() returns,
    // never where the next header is. (Only an 'x'/'X' header re-computes the offset from the pax size, in
    // _proc_pax.) An inspector that also steps by the global size walks a different chain of headers.
    //
    // torch.serialization._legacy_load tries legacy_load() (tarfile.open(mode='r:')) on any non-zip file first:
    // it extracts 'storages' (count pickle, views pickle), then 'tensors' (count pickle), then unpickles the
    // 'pickle' member with a plain Unpickler (weights_only=False): posix.system runs. tarfile's getmember takes
    // the LAST member of a name.
    //
    // Layout (512-byte blocks), global size = 1024 (two blocks):
    //   tarfile (steps by each header's own size)      inspector stepping by the global size (3 blocks a member)
    //   0 'g' header, 1 its record                     same
    //   2 storages (data at 3)                          2 storages (data 3-4)
    //   4 sys_info, header size 5 blocks (5-9 skipped)  5 tensors (data 6-7)  — inside sys_info's data for tarfile
    //                                                   8 pickle (data 9-10): an empty dict, benign
    //   10 tensors (data at 11)                         11 is tensors' count pickle, not a header: the end
    //   12 pickle (data at 13): the payload
    // Every member tarfile extracts is 1024 bytes from its data block; each pickle ends at its STOP.
    const blocks = new Uint8Array(16 * TAR_BLOCK);
    const at = (block: number, bytes: Uint8Array) => blocks.set(bytes, block * TAR_BLOCK);
    const header = (name: string, size: number, type = "0") => tarHeader({ name, data: new Uint8Array(size), type });
    const record = ascii.encode(paxRecord("size", "1024"));
    const storages = new Uint8Array([...proto2().int(0).stop().bytes(), ...proto2().emptyList().stop().bytes()]);
    const count0 = proto2().int(0).stop().bytes();
    const hidden = payload();
    at(0, header("pax_global_header", record.length, "g"));
    at(1, record);
    at(2, header("storages", storages.length));
    at(3, storages);
    at(4, header("sys_info", 5 * TAR_BLOCK));
    at(5, header("tensors", count0.length));
    at(6, count0);
    at(8, header("pickle", 4));
    at(9, proto2().emptyDict().stop().bytes());
    at(10, header("tensors", count0.length));
    at(11, count0);
    at(12, header("pickle", hidden.length));
    at(13, hidden);
    expect(await verdictOfFile("global-pax.tar", blocks)).toBe("dangerous");
  });

  it("a '\\0'-type member named '…/' is a directory to tarfile: its size skips nothing; a chain follows", async () => {
    // Lib/tarfile.py TarInfo.frombuf: `if obj.type == AREGTYPE and obj.name.endswith("/"): obj.type = DIRTYPE`,
    // before _proc_builtin decides where the next header is: `if self.isreg() or self.type not in
    // SUPPORTED_TYPES: offset += self._block(self.size)`. A directory's size field therefore moves nothing: the
    // next header is the very next block. An inspector that treats type '\0' as a regular file whatever its name
    // skips `size` bytes instead, so the two walk different header chains. torch's legacy_load (tarfile.open,
    // extract 'storages' and 'tensors', unpickle the LAST 'pickle' member with a plain Unpickler) runs what
    // tarfile's chain holds.
    //
    //   tarfile                                          inspector
    //   0 'd/' type '\0' size 2 blocks: a directory       0 'd/' regular, data 1-2 skipped
    //   1 'zz_sys_info' size 7 blocks (2-8 skipped)      3 storages, 5 tensors, 7 pickle: a benign decoy chain
    //   9 'e/' type '\0' size 7 blocks: a directory       9 'e/' regular, data 10-16 skipped; 17 is zeros: the end
    //   10 'zz', 11 storages, 13 tensors, 15 pickle: the payload (data at 16)
    // Member names start with 'z' (not a pickle opcode) so no skipped region starts like a pickle.
    const blocks = new Uint8Array(20 * TAR_BLOCK);
    const at = (block: number, bytes: Uint8Array) => blocks.set(bytes, block * TAR_BLOCK);
    const header = (name: string, size: number, type = "0") => tarHeader({ name, data: new Uint8Array(size), type });
    const storages = new Uint8Array([...proto2().int(0).stop().bytes(), ...proto2().emptyList().stop().bytes()]);
    const count0 = proto2().int(0).stop().bytes();
    const benign = proto2().emptyDict().stop().bytes();
    const hidden = payload();
    at(0, header("d/", 2 * TAR_BLOCK, "\0"));
    at(1, header("zz_sys_info", 7 * TAR_BLOCK));
    at(3, header("storages", storages.length));
    at(4, storages);
    at(5, header("tensors", count0.length));
    at(6, count0);
    at(7, header("pickle", benign.length));
    at(8, benign);
    at(9, header("e/", 7 * TAR_BLOCK, "\0"));
    at(10, header("zz", 0));
    at(11, header("storages", storages.length));
    at(12, storages);
    at(13, header("tensors", count0.length));
    at(14, count0);
    at(15, header("pickle", hidden.length));
    at(16, hidden);
    expect(await verdictOfFile("areg-dir.tar", blocks)).toBe("dangerous");
  });

  it("a ustar prefix joins the name whatever the magic: a GNU-magic decoy is 'p/storages' to tarfile", async () => {
    // Lib/tarfile.py TarInfo.frombuf reads `prefix = nts(buf[345:500], …)` for every header and ends with
    // `if prefix and obj.type not in GNU_TYPES: obj.name = prefix + "/" + obj.name`: it does not look at the magic
    // field first. A header with GNU magic ("ustar  \0"), name "storages" and prefix "p" is the member
    // "p/storages" to tarfile, but "storages" to an inspector that honours the prefix only under POSIX magic.
    // tarfile's getmember takes the last member of a name, so torch's legacy_load extracts the FIRST 'storages'
    // here, reads its count pickle (1) and then unpickles the per-storage record pickle with pickle_module.load:
    // the payload runs. The inspector follows the decoy (count 0, no views) as 'storages' and reads only the first
    // stream of the real one.
    const real = new Uint8Array([...proto2().int(1).stop().bytes(), ...payload()]);
    const decoy = new Uint8Array([...proto2().int(0).stop().bytes(), ...proto2().emptyList().stop().bytes()]);
    const bytes = tarArchive([
      { name: "storages", data: real },
      { name: "tensors", data: proto2().int(0).stop().bytes() },
      { name: "pickle", data: proto2().emptyDict().stop().bytes() },
      { name: "storages", data: decoy },
    ]);
    const decoyHeader = bytes.subarray(6 * TAR_BLOCK, 7 * TAR_BLOCK);
    decoyHeader.set(ascii.encode("ustar  \0"), 257);
    decoyHeader.set(ascii.encode("p"), 345);
    decoyHeader.set(ascii.encode(`${tarChecksum(decoyHeader).toString(8).padStart(6, "0")}\0 `), 148);
    expect(await verdictOfFile("gnu-prefix.tar", bytes)).toBe("dangerous");
  });

  it("pax records split by their length field, not newlines: 'size=0' inside a comment resizes nothing", async () => {
    // Lib/tarfile.py TarInfo._proc_pax: each record is `"%d %s=%s\n"`; the regex matches only the length and the
    // keyword at the current position, the value is buf[match.end(2) + 1 : match.start(1) + length - 1], and the
    // next record starts at match.start(1) + length. A value may hold newlines, so the text "7 size=0\n" inside a
    // `comment` value is part of that value, not a record. The member after this 'x' header keeps its real size:
    // tarfile (and so torch's legacy_load, as above) reads storages, tensors and the 'pickle' member and
    // unpickles the payload. An inspector that finds `size=` anywhere in the block reads the first member as
    // empty, loses the chain and never scans the payload.
    const members = torchTarMembers({ tensors: [], objectPickle: payload() });
    const pax = ascii.encode(paxRecord("comment", "a\n7 size=0\n"));
    const bytes = tarArchive([{ name: "PaxHeader", type: "x", data: pax }, ...members]);
    expect(await verdictOfFile("pax-comment.tar", bytes)).toBe("dangerous");
  });
});

describe("red team 2: resource use", () => {
  const cli = useBuiltCli();

  it("a pax header of repeated '1 ' is rejected in one pass, as tarfile does, not rescanned per offset", async () => {
    // Lib/tarfile.py TarInfo._proc_pax matches `(\d+) ([^=]+)=` ANCHORED at the current record (regex.match(buf,
    // pos)) and stops at the first position that is not a record: one linear pass, so tarfile (and torch's
    // legacy_load, which opens every non-zip file with it) is done with this header in milliseconds. Searching
    // the block for a record at every offset instead backtracks over the rest of the block from each "1 ":
    // superlinear in the header size (measured through the CLI: 128 KiB ~9 s and 256 KiB ~47 s of CPU; an
    // extension header may hold 1 MiB), for a file of a few hundred KiB, blocking the whole process. The header holds
    // no record, so tarfile ignores it and the archive is an ordinary torch tar holding an empty dict: safe.
    // The inspection runs in a child that is killed after a deadline far above what a linear reading needs, so a
    // hang ends the test instead of the test run; nothing is timed.
    const text = ascii.encode("1 ".repeat(128 * 1024));
    const bytes = tarArchive([{ name: "PaxHeader", type: "x", data: text }, ...torchTarMembers({ tensors: [] })]);
    const path = join(await tempDir(), "pax-backtrack.tar");
    await writeFile(path, bytes);
    const run = await cli(["inspect", path, "--json"], { killAfterMs: 30_000 });
    expect(run.code, "the inspection did not finish before its deadline").not.toBeNull();
    expect(run.stdout).toContain('"safe"');
  }, 60_000);
});

describe("red team 2: imports that touch the system yet are only 'unknown'", () => {
  it("each name below opens, creates or truncates a file, or starts a process, once pickle.load reaches it", () => {
    // Lib/pickle.py / Modules/_pickle.c find_class: GLOBAL imports the module (running its top level) and
    // getattr()s the name; REDUCE calls it with the pickled tuple. torch.load(weights_only=False) and a plain
    // pickle.load both do this for any name.
    const cases: [module: string, name: string, args: string[], why: string][] = [
      // Lib/antigravity.py runs webbrowser.open(...) at import time: GLOBAL alone spawns a browser process.
      ["antigravity", "geohash", [], "import runs webbrowser.open (starts a process)"],
      // torch/serialization.py save(obj, f): _open_file_like(f, "wb") opens the path for writing, truncating it.
      ["torch", "save", ["x", "/home/user/.bashrc"], "writes (truncates) any path"],
      // torch.from_file(filename, shared, size): maps the named file (with shared=True, opened read-write).
      ["torch", "from_file", ["/etc/passwd"], "opens and maps any path"],
      // Lib/dbm/__init__.py open(file, "n"): always creates a new, empty database file.
      ["dbm", "open", ["/home/user/.bashrc", "n"], "creates or truncates a file"],
      // Lib/aifc.py and Lib/sunau.py open(f, "wb"/"w") call builtins.open(f, "wb") (wave.open is already dangerous).
      ["aifc", "open", ["/home/user/.bashrc", "wb"], "truncates a file"],
      ["sunau", "open", ["/home/user/.bashrc", "w"], "truncates a file"],
      // Lib/uu.py decode(in_file, out_file): opens in_file and writes out_file.
      ["uu", "decode", ["/tmp/in", "/home/user/.bashrc"], "reads and writes files"],
      // Lib/mailbox.py mbox(path): creates the file when it does not exist (create=True).
      ["mailbox", "mbox", ["/home/user/new-file"], "creates a file"],
    ];
    const missed: string[] = [];
    for (const [module, name, args, why] of cases) {
      const b = proto2().global(module, name);
      if (args.length > 0) {
        b.mark();
        for (const arg of args) b.binunicode(arg);
        b.tuple().reduce();
      }
      const analysis = analyzePickle(b.stop().bytes(), { persistentIds: "none" });
      if (verdictOf(analysis) !== "dangerous") missed.push(`${module}.${name}: ${why}`);
    }
    expect(missed).toEqual([]);
  });
});

describe("red team 2: ordinary torch files called dangerous", () => {
  it("torch.save of a dtype view on an odd-length storage (record > numel × item size): not dangerous", async () => {
    // torch/serialization.py _save (zip): a tensor pickles its storage as a TypedStorage whose numel is
    // TypedStorage._size() = untyped_storage.nbytes() // element_size, while the record written is the whole
    // untyped storage: zip_file.write_record(name, storage, storage.nbytes()). So
    //   x = torch.zeros(5, dtype=torch.uint8); torch.save(x[:4].view(torch.float16), f)
    // writes a HalfStorage of numel 2 (4 bytes) whose record holds 5 bytes. torch's zip reader binding
    // get_storage_from_record wraps the record's bytes in a storage of numel × element size (older releases,
    // the ones WebUIs pin, load it as is; newer ones check the size and refuse). A record LONGER than declared
    // lets no tensor reach outside its buffer, runs nothing and touches nothing: at most suspicious.
    const pickle = torchPickle(
      { dict: { w: { tensor: { shape: [2], dtype: "F16", storageNumel: 2 } } } },
      { persistentIds: "zip" },
    );
    const path = join(await tempDir(), "view.pt");
    await writeTorchZip(path, { dataPkl: pickle.bytes, storages: [{ key: pickle.storages[0]!.key, byteSize: 5 }] });
    expect((await inspectFile(path)).safety.verdict).not.toBe("dangerous");
  });
});
