import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { inspectFile } from "./inspect-file.js";
import { isIoError } from "./io-error.js";
import { buildSafetyReport } from "./safety-report.js";
import type { DiffusersInfo, Finding, ImportRecord, InspectError, Inspection } from "./types.js";
import { DIFFUSERS_MODEL_INDEX, hasModelExtension } from "./walk.js";

/** Most bytes of a pipeline or component JSON read: real ones are a few KB; a larger one is not a config. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** Files looked at inside one pipeline folder: real pipelines hold a few dozen; this bounds any other folder. */
const MAX_FOLDER_FILES = 10_000;

export async function isDiffusersFolder(path: string): Promise<boolean> {
  return stat(join(path, DIFFUSERS_MODEL_INDEX)).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * A diffusers pipeline folder as one model: its `model_index.json` and UNet config say what it is, every weight file
 * in its component folders is inspected header-only and folded into one safety verdict (a pickled `.bin` component
 * runs code as surely as a `.ckpt`), and its size is the sum of its files. Any unreadable component makes the
 * folder unreadable, so a half-downloaded pipeline is never installed.
 */
export async function inspectDiffusersFolder(path: string): Promise<Inspection> {
  const findings: Finding[] = [];
  const imports: ImportRecord[] = [];
  let size = 0;
  let bytesRead = 0;
  let error: InspectError | null = null;
  let diffusers: DiffusersInfo = { pipeline: null, components: {}, unet: null };
  try {
    const index = await readJson(join(path, DIFFUSERS_MODEL_INDEX));
    diffusers = pipelineInfo(index, await readJson(join(path, "unet", "config.json")).catch(() => null));
  } catch (e) {
    if (!isIoError(e) && !(e instanceof SyntaxError) && !(e instanceof RangeError)) throw e;
    error = {
      code: "invalid",
      message: `${join(path, DIFFUSERS_MODEL_INDEX)}: ${e instanceof Error ? e.message : String(e)}`,
    };
    findings.push({ severity: "suspicious", code: "invalid", message: error.message });
  }
  for (const file of await filesUnder(path)) {
    const info = await stat(file).catch(() => null);
    size += info?.size ?? 0;
    if (!hasModelExtension(file)) continue;
    const inspection = await inspectFile(file);
    bytesRead += inspection.bytesRead;
    const where = relative(path, file);
    findings.push(
      ...inspection.safety.findings.map((f) => ({
        ...f,
        message: `${where}: ${f.message}`,
        ...(f.summary === undefined ? {} : { summary: `${where}: ${f.summary}` }),
      })),
    );
    imports.push(...inspection.safety.imports);
    if (inspection.error && !error)
      error = { code: inspection.error.code, message: `${where}: ${inspection.error.message}` };
  }
  return {
    path,
    format: "diffusers",
    size,
    tensors: [],
    metadata: null,
    values: {},
    safety: buildSafetyReport(findings, imports),
    error,
    bytesRead,
    diffusers,
  };
}

async function readJson(path: string): Promise<unknown> {
  const info = await stat(path);
  if (info.size > MAX_CONFIG_BYTES) throw new RangeError(`${info.size} bytes: too large for a pipeline config`);
  return JSON.parse(await readFile(path, "utf8"));
}

function pipelineInfo(index: unknown, unetConfig: unknown): DiffusersInfo {
  if (typeof index !== "object" || index === null || Array.isArray(index)) throw new SyntaxError("not a JSON object");
  const entries = Object.entries(index as Record<string, unknown>);
  const pipeline = entries.find(([k]) => k === "_class_name")?.[1];
  const components: Record<string, [string, string] | null> = Object.create(null);
  for (const [key, value] of entries) {
    if (key.startsWith("_")) continue;
    if (value === null || (Array.isArray(value) && value.every((v) => v === null))) components[key] = null;
    else if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === "string"))
      components[key] = [String(value[0]), String(value[1])];
  }
  const unet = typeof unetConfig === "object" && unetConfig !== null ? (unetConfig as Record<string, unknown>) : null;
  const int = (v: unknown) => (typeof v === "number" && Number.isSafeInteger(v) ? v : null);
  return {
    pipeline: typeof pipeline === "string" ? pipeline : null,
    components,
    unet: unet && { crossAttentionDim: int(unet.cross_attention_dim), inChannels: int(unet.in_channels) },
  };
}

/**
 * Every regular file and symbolic link under `dir` (hidden ones included: they are part of what moves), bounded. A
 * link is inspected as what it points to, as a loader reads it: a Hugging Face cache snapshot is a folder of links
 * into its blob store, and a linked pickle runs code as surely as one in place.
 */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((e: unknown) => {
    if (isIoError(e)) return [];
    throw e;
  });
  return entries
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .slice(0, MAX_FOLDER_FILES)
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** A folder or a file: what `inspect`, `install`, `sort` and `audit` hand each path to. */
export async function inspectPath(path: string): Promise<Inspection> {
  return (await isDiffusersFolder(path)) ? inspectDiffusersFolder(path) : inspectFile(path);
}
