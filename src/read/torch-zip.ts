import { crc32 } from "node:zlib";
import type { ContainerResult, Finding, ImportRecord, InspectError, TensorInfo } from "../inspect/types.js";
import type { Verdict } from "../model/verdict.js";
import { analyzePickle, type PickleAnalysis } from "../pickle/analyze.js";
import { MAX_PICKLE_BYTES } from "../pickle/limits.js";
import { STORAGE_CLASSES } from "../pickle/torch-types.js";
import type { ByteSource } from "./byte-source.js";
import { anomalyFinding } from "./torch-zip-anomaly-findings.js";
import {
  isExpectedRecord,
  isStorageRecord,
  isTorchScriptRecord,
  type TorchZipLayout,
  torchZipLayout,
} from "./torch-zip-layout.js";
import { peekRecord, readRecord } from "./torch-zip-read-record.js";
import { readZipDirectory, type ZipDirectory, type ZipEntry, ZipFormatError } from "./zip.js";

/** `byteorder` is "little"/"big" and `version` a short decimal line; 64 bytes is far beyond either. */
const MAX_SMALL_RECORD_BYTES = 64;
/** Total bytes of non-torch entries interpreted as pickles; four full-size pickles bound the work on a hostile zip. */
const MAX_EXTRA_PICKLE_BYTES = 4 * MAX_PICKLE_BYTES;
/** Bit 0 encrypted, bit 5 patched, bit 6 strong encryption: miniz refuses to extract such a record. */
const UNREADABLE_FLAGS = 0x0001 | 0x0020 | 0x0040;
/** caffe2/serialize/versions.h `kMinSupportedFileFormatVersion` … `kMaxSupportedFileFormatVersion`. */
const MIN_FILE_FORMAT_VERSION = 1;
const MAX_FILE_FORMAT_VERSION = 10;
/** Pickle protocols 0–5 start with PROTO (0x80) and the protocol number (CPython writes PROTO from protocol 2 on). */
const PICKLE_MAGIC = (bytes: Uint8Array) => bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! <= 5;
/**
 * Copies of an ambiguous record that are interpreted. A second copy already makes the file dangerous, so further
 * ones cannot change the verdict; without a bound, a million central records naming one deflated 64 MiB data.pkl
 * would each be inflated and interpreted.
 */
const MAX_SCANNED_COPIES = 4;
/** How many names a summary finding lists before "…". */
const LISTED_NAMES = 5;

/**
 * A record longer than declared by less than one element: torch.save of a dtype view over a storage whose byte
 * length is not a multiple of the new element size (`x[:4].view(torch.float16)` of a 5-byte uint8 tensor) writes
 * the whole untyped storage (`storage.nbytes()` bytes) but pickles numel = nbytes // element size. No tensor can
 * reach outside such a record.
 */
function viewTail(recordBytes: number, storage: { storageClass: string; byteSize: number }): boolean {
  const element = STORAGE_CLASSES.get(storage.storageClass)?.size ?? 1;
  return recordBytes > storage.byteSize && recordBytes - storage.byteSize < element;
}

/**
 * Scans a torch zip checkpoint the way `torch.load` would read it (pytorch `caffe2/serialize/inline_container.cc`
 * on miniz): root from the first central-directory entry, records looked up case-insensitively, `data.pkl`
 * interpreted symbolically, storage records checked against the sizes the pickle declares. Never throws on hostile
 * input: what cannot be read becomes a finding.
 */
export async function readTorchZip(source: ByteSource): Promise<ContainerResult> {
  let directory: ZipDirectory;
  try {
    directory = await readZipDirectory(source);
  } catch (error) {
    if (!(error instanceof ZipFormatError)) throw error;
    const message = `the zip central directory cannot be parsed (${
      error.message
    }); torch's own zip reader may still load it`;
    return {
      ...emptyResult(),
      findings: [{ severity: "dangerous", code: "unscannable", message }],
      error: { code: "unscannable", message },
    };
  }
  return new TorchZipScan(source, directory).run();
}

function emptyResult(): ContainerResult {
  return { format: "torch-zip", tensors: [], metadata: null, values: {}, findings: [], imports: [], error: null };
}

class TorchZipScan {
  private readonly findings: Finding[] = [];
  private readonly imports: ImportRecord[] = [];
  private error: InspectError | null = null;
  private readonly layout: TorchZipLayout | null;

  constructor(
    private readonly source: ByteSource,
    private readonly directory: ZipDirectory,
  ) {
    this.layout = torchZipLayout(directory.entries, directory.nameKeys);
  }

  async run(): Promise<ContainerResult> {
    for (const anomaly of this.directory.anomalies) this.findings.push(anomalyFinding(anomaly));
    const layout = this.layout;
    let analysis: PickleAnalysis | null = null;
    const loaded = new Set<ZipEntry>();
    if (layout === null) {
      this.fail("invalid", "the first zip entry is not in a directory, so torch cannot find the archive root");
    } else {
      const copies = this.resolve("data.pkl");
      for (const entry of copies) loaded.add(entry);
      if (copies.length === 0) this.fail("invalid", `no ${layout.root}/data.pkl record`);
      for (const entry of copies.slice(0, MAX_SCANNED_COPIES)) {
        const result = await this.scanDataPkl(entry);
        analysis ??= result;
      }
      await this.checkByteorder(loaded);
      await this.checkVersion(loaded);
      if (analysis) this.checkStorages(analysis, layout, loaded);
    }
    await this.scanOtherEntries(loaded);
    return {
      format: "torch-zip",
      tensors: (analysis?.tensors ?? []).map(
        ({ name, path, dtype, shape }): TensorInfo => ({ name, path, dtype, shape }),
      ),
      metadata: null,
      values: analysis?.values ?? {},
      findings: this.findings,
      imports: this.imports,
      error: this.error,
    };
  }

  private add(severity: Verdict, code: string, message: string): void {
    this.findings.push({ severity, code, message });
  }

  private fail(code: string, message: string): void {
    this.add("suspicious", code, message);
    this.error ??= { code, message };
  }

  /** Every entry torch's lookup could return for `name`; a second copy is a parser-differential attack. */
  private resolve(name: string): ZipEntry[] {
    const matches = this.layout?.lookup(name) ?? [];
    if (matches.length > 1) {
      this.add(
        "dangerous",
        "ambiguous-record",
        `${matches.length} entries match ${this.layout!.root}/${name} (${listNames(matches)}); ` +
          `torch may load either, ` +
          `${matches.length > MAX_SCANNED_COPIES ? `the first ${MAX_SCANNED_COPIES}` : "all"} were scanned`,
      );
    }
    for (const entry of matches) {
      if (entry.flags & UNREADABLE_FLAGS) {
        this.add(
          "suspicious",
          "invalid",
          `${entry.name}: flags 0x${entry.flags.toString(16)} make torch refuse to read it`,
        );
      }
    }
    return matches;
  }

  private async scanDataPkl(entry: ZipEntry): Promise<PickleAnalysis | null> {
    if (entry.uncompressedSize > MAX_PICKLE_BYTES) {
      this.add(
        "dangerous",
        "unscannable",
        `${entry.name} is ${entry.uncompressedSize} bytes, above the ${MAX_PICKLE_BYTES}-byte scan limit; ` +
          `torch would still unpickle it`,
      );
      this.error ??= { code: "unscannable", message: `${entry.name} is too large to scan` };
      return null;
    }
    if (entry.method !== 0) {
      this.add(
        "suspicious",
        "zip-anomaly",
        `${entry.name} is compressed (method ${entry.method}); torch never compresses records`,
      );
    }
    const record = await readRecord(this.source, entry, MAX_PICKLE_BYTES);
    if (record.problem !== undefined) {
      this.fail("invalid", `${entry.name} ${record.problem}`);
      return null;
    }
    if (crc32(record.bytes) >>> 0 !== entry.crc32) {
      this.add(
        "suspicious",
        "zip-anomaly",
        `${entry.name}: CRC-32 does not match the central directory (torch does not check it)`,
      );
    }
    return this.fold(analyzePickle(record.bytes, { persistentIds: "zip", expectEnd: true, label: entry.name }));
  }

  private fold(analysis: PickleAnalysis): PickleAnalysis {
    // loops, not push(...list): a spread of a very long list overflows the call stack
    for (const finding of analysis.findings) this.findings.push(finding);
    for (const record of analysis.imports) this.imports.push(record);
    return analysis;
  }

  private async readSmallRecord(entry: ZipEntry): Promise<string | null> {
    const record = await readRecord(this.source, entry, MAX_SMALL_RECORD_BYTES);
    if (record.problem === undefined) return Buffer.from(record.bytes).toString("latin1");
    this.add("suspicious", "invalid", `${entry.name} ${record.problem}`);
    return null;
  }

  /** torch ≥ 2.1 writes `byteorder`; `_load` raises on anything but "little" or "big", and byte-swaps "big". */
  private async checkByteorder(loaded: Set<ZipEntry>): Promise<void> {
    for (const entry of this.resolve("byteorder")) {
      loaded.add(entry);
      const value = await this.readSmallRecord(entry);
      if (value === "big") this.add("safe", "big-endian", `${entry.name}: tensors are stored big-endian`);
      else if (value !== null && value !== "little") {
        this.add("suspicious", "invalid", `${entry.name}: unknown byte order ${JSON.stringify(value)}`);
      }
    }
  }

  /** The reader tries `.data/version` first, then `version`, and refuses versions outside its supported range. */
  private async checkVersion(loaded: Set<ZipEntry>): Promise<void> {
    const preferred = this.resolve(".data/version");
    const copies = preferred.length > 0 ? preferred : this.resolve("version");
    if (copies.length === 0) {
      this.add("suspicious", "invalid", `no ${this.layout!.root}/.data/version or ${this.layout!.root}/version record`);
    }
    for (const entry of copies) {
      loaded.add(entry);
      const value = await this.readSmallRecord(entry);
      if (value === null) continue;
      const version = /^\d+\n?$/.test(value) ? Number.parseInt(value, 10) : NaN;
      if (!(version >= MIN_FILE_FORMAT_VERSION && version <= MAX_FILE_FORMAT_VERSION)) {
        this.add("suspicious", "invalid", `${entry.name}: unsupported file format version ${JSON.stringify(value)}`);
      }
    }
  }

  /**
   * `getRecord` insists that `data/<key>` holds exactly numel × element size bytes. A record shorter than declared lets
   * tensors read past it, and one no torch.save writes is forged: dangerous. The one mismatch torch.save does write is
   * `viewTail`'s, and it runs nothing: suspicious.
   */
  private checkStorages(analysis: PickleAnalysis, layout: TorchZipLayout, loaded: Set<ZipEntry>): void {
    for (const storage of analysis.storages) {
      // keys that are not decimal are the pickle analyser's finding; they are never turned into paths here
      if (!/^\d+$/.test(storage.key)) continue;
      const records = this.resolve(`data/${storage.key}`);
      if (records.length === 0) {
        this.add("suspicious", "invalid", `storage ${storage.key} has no ${layout.root}/data/${storage.key} record`);
      }
      for (const entry of records) {
        loaded.add(entry);
        if (entry.method !== 0) {
          this.add(
            "suspicious",
            "zip-anomaly",
            `${entry.name} is compressed (method ${entry.method}); it was not inflated`,
          );
        }
        if (entry.uncompressedSize !== storage.byteSize) {
          this.add(
            viewTail(entry.uncompressedSize, storage) ? "suspicious" : "dangerous",
            "storage-size-mismatch",
            `${entry.name} holds ${entry.uncompressedSize} bytes but the pickle declares ` +
              `${storage.numel} × ${storage.storageClass} = ${storage.byteSize}`,
          );
        }
      }
    }
    const unreferenced = this.directory.entries.filter((entry) => {
      const relative = layout.relativeName(entry);
      return relative !== null && isStorageRecord(relative) && !loaded.has(entry);
    });
    if (unreferenced.length > 0) {
      this.add(
        "suspicious",
        "zip-anomaly",
        `${unreferenced.length} storage record(s) no tensor uses: ${listNames(unreferenced)}`,
      );
    }
  }

  /**
   * Entries torch does not read are ignored by `torch.load` but are a smuggling channel for other loaders
   * (picklescan CVE-2025-1889): report them, and interpret any that is named `*.pkl` or starts like a pickle.
   * Storage and metadata records are raw bytes to torch and are never interpreted, whatever they start with.
   */
  private async scanOtherEntries(loaded: Set<ZipEntry>): Promise<void> {
    const others = this.directory.entries.filter((entry) => !loaded.has(entry));
    const unexpected = others.filter((entry) => {
      const relative = this.layout?.relativeName(entry) ?? null;
      return relative === null || !isExpectedRecord(relative);
    });
    if (unexpected.length > 0) {
      this.add(
        "suspicious",
        "zip-anomaly",
        `${unexpected.length} entr${unexpected.length === 1 ? "y" : "ies"} torch does not write: ` +
          `${listNames(unexpected)}`,
      );
    }
    const torchScript = unexpected.filter((entry) => isTorchScriptRecord(this.layout?.relativeName(entry) ?? ""));
    if (torchScript.length > 0) {
      this.add(
        "suspicious",
        "unsupported-container",
        `TorchScript archive (${listNames(torchScript)}); torch.load hands it to torch.jit.load`,
      );
    }
    let budget = MAX_EXTRA_PICKLE_BYTES;
    for (const entry of unexpected) {
      const looksLikePickle =
        entry.name.toLowerCase().endsWith(".pkl") || PICKLE_MAGIC(await peekRecord(this.source, entry, 2));
      if (!looksLikePickle) continue;
      const record = await readRecord(this.source, entry, Math.min(MAX_PICKLE_BYTES, budget));
      if (record.problem !== undefined) {
        this.add(
          "suspicious",
          "zip-anomaly",
          `${entry.name} looks like a pickle but was not scanned: it ${record.problem}`,
        );
        continue;
      }
      budget -= record.bytes.length;
      this.fold(analyzePickle(record.bytes, { persistentIds: "none", expectEnd: true, label: entry.name }));
    }
  }
}

function listNames(entries: readonly ZipEntry[]): string {
  const shown = entries.slice(0, LISTED_NAMES).map((e) => JSON.stringify(e.name));
  return shown.join(", ") + (entries.length > LISTED_NAMES ? `, … (${entries.length - LISTED_NAMES} more)` : "");
}
