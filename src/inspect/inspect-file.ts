import { type ByteSource, type FileSource, openFileSource } from "../read/byte-source.js";
import { readGguf } from "../read/gguf.js";
import { readPlainPickle } from "../read/plain-pickle.js";
import { readSafetensors } from "../read/safetensors.js";
import { SNIFF_BYTES, type SniffedFormat, sniffFormats } from "../read/sniff.js";
import { readTorchLegacy } from "../read/torch-legacy.js";
import { readTorchTar } from "../read/torch-tar.js";
import { readTorchZip } from "../read/torch-zip.js";
import { quoteErrorBody } from "./error-body.js";
import { ioInspectError, isIoError } from "./io-error.js";
import { buildSafetyReport } from "./safety-report.js";
import type { ContainerResult, InspectError, Inspection } from "./types.js";

type Reader = (source: ByteSource) => Promise<ContainerResult>;

/** The interpretations some loader acts on (GGUF: ComfyUI-GGUF and Forge). */
const READERS: Partial<Record<SniffedFormat, Reader>> = {
  safetensors: readSafetensors,
  "torch-zip": readTorchZip,
  "torch-legacy": readTorchLegacy,
  "torch-tar": readTorchTar,
  pickle: readPlainPickle,
  gguf: readGguf,
};

/**
 * Most an error body is read to quote it. Civitai's JSON errors are under 1 KB and login pages a few tens of KB,
 * and a page's <title> sits near its top; any file starting with `<` or `{` sniffs as a body, so the read is bounded.
 */
const ERROR_BODY_MAX_BYTES = 64 * 1024;

/** Leading bytes shown for a file nobody recognises: enough to look the magic up. */
const UNKNOWN_MAGIC_BYTES = 8;

/** A file that is not a model container: the reason becomes both its error and its (suspicious) finding. */
function notAModel(error: InspectError): ContainerResult {
  return {
    format: "unknown",
    tensors: [],
    metadata: null,
    values: {},
    findings: [{ severity: "suspicious", code: error.code, message: error.message }],
    imports: [],
    error,
  };
}

async function readText(source: ByteSource): Promise<string> {
  return new TextDecoder("utf-8").decode(await source.read(0, Math.min(source.size, ERROR_BODY_MAX_BYTES)));
}

/** What a file is when no loader would take it: the reason it is not a model. */
async function describeNonModel(format: SniffedFormat, source: ByteSource, head: Uint8Array): Promise<ContainerResult> {
  switch (format) {
    case "7z":
    case "rar":
      return notAModel({
        code: "unsupported-container",
        message:
          `${format === "7z" ? "7-Zip" : "RAR"} archive: sdmodels never opens archives; ` +
          `extract it and inspect the files inside`,
      });
    case "html":
    case "json": {
      const quote = quoteErrorBody(await readText(source), format);
      return notAModel({
        code: "error-page",
        message:
          `${format === "html" ? "an HTML page" : "a JSON error response"} saved in place of a model ` +
          `(failed download?): "${quote}"`,
        errorPage: { body: format, quote },
      });
    }
    case "pytorch1-preview":
      return notAModel({
        code: "invalid",
        message: "PyTorch preview-release archive (starts with PYTORCH1), which torch refuses to load",
      });
    case "empty":
      return notAModel({ code: "empty", message: "empty file (0 bytes): an interrupted download?" });
    default: {
      const magic = Buffer.from(head.subarray(0, UNKNOWN_MAGIC_BYTES))
        .toString("hex")
        .replace(/(..)(?=.)/g, "$1 ");
      return notAModel({
        code: "unknown-format",
        message: `not a model format sdmodels knows (first bytes: ${magic})`,
      });
    }
  }
}

function ioFailure(path: string, size: number, bytesRead: number, error: InspectError): Inspection {
  return {
    path,
    format: "unknown",
    size,
    tensors: [],
    metadata: null,
    values: {},
    // Nothing was proven about the content, so never "safe".
    safety: buildSafetyReport([{ severity: "suspicious", code: "unreadable", message: error.message }], []),
    error,
    bytesRead,
  };
}

/**
 * Whether a reading that is not the file's primary one weighs on the verdict. Every file whose first byte is an
 * opcode has a pickle reading, so a GGUF or safetensors file would otherwise be judged by how its binary fails as
 * a pickle. A pickle reading that does not parse ran nothing unless it reached an import before its error (listed
 * as a non-safe import, or as a global that could not be resolved); only then does it count.
 */
function reached(reading: ContainerResult): boolean {
  if (reading.format !== "pickle" || reading.error === null) return true;
  return (
    reading.imports.some((i) => i.verdict !== "safe") ||
    reading.findings.some(
      (f) => f.severity === "dangerous" && (f.code === "malformed-global" || f.code === "unscannable"),
    )
  );
}

/**
 * Everything sdmodels learns about one file from its headers. The sniffer lists every format the first bytes
 * allow, and the file is judged under each one some loader would act on (a polyglot must not pass as its
 * harmless reading): every reader's findings go into the verdict, the tensors come from the first reader that
 * parsed. Interpretations no loader acts on (an HTML page, an archive, an empty file) only explain a file that
 * no reader parsed, so a valid safetensors whose length bytes happen to read as `<` is not called an error page.
 * Never throws for what the file contains or for I/O errors; those come back as `error`.
 */
export async function inspectFile(path: string): Promise<Inspection> {
  let source: FileSource;
  try {
    source = await openFileSource(path);
  } catch (error) {
    if (isIoError(error)) return ioFailure(path, 0, 0, ioInspectError(path, error));
    throw error;
  }
  try {
    const head = await source.read(0, SNIFF_BYTES);
    const formats = sniffFormats(head, source.size);
    const loaded: ContainerResult[] = [];
    for (const format of formats) {
      const reader = READERS[format];
      if (reader) loaded.push(await reader(source));
    }
    const parsed = loaded.find((r) => r.error === null);
    const first = formats[0] ?? "unknown";
    // Nothing parsed: the most specific interpretation explains why, and the readers' findings still count.
    const primary = parsed ?? (READERS[first] && loaded[0] ? loaded[0] : await describeNonModel(first, source, head));
    const judged = (loaded.includes(primary) ? loaded : [primary, ...loaded]).filter(
      (r) => r === primary || reached(r),
    );
    return {
      path,
      format: primary.format,
      size: source.size,
      tensors: primary.tensors,
      metadata: primary.metadata,
      values: primary.values,
      safety: buildSafetyReport(
        judged.flatMap((r) => r.findings),
        judged.flatMap((r) => r.imports),
      ),
      error: parsed ? null : primary.error,
      bytesRead: source.bytesRead,
    };
  } catch (error) {
    if (isIoError(error)) return ioFailure(path, source.size, source.bytesRead, ioInspectError(path, error));
    throw error;
  } finally {
    await source.close();
  }
}
