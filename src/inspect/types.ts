import type { Verdict } from "../model/verdict.js";

/**
 * The inspection result: what the readers learned from a file's header without reading tensor data.
 * Every later stage (classify, plan, print) is a pure function of this value.
 */

/** `diffusers`: a pipeline folder (`model_index.json` + component folders), inspected as one model. */
export type FileFormat =
  | "safetensors"
  | "torch-zip"
  | "torch-legacy"
  | "torch-tar"
  | "pickle"
  | "gguf"
  | "diffusers"
  | "unknown";

/** One step from a pickle's root object to a tensor: a dict key (str or int) or a tuple/list index (int). */
export type KeySegment = string | number;

export interface TensorInfo {
  /** Segments joined with "." — the name matched by the classifier (safetensors: the header key itself). */
  name: string;
  /** Path from the root object (safetensors: `[name]`); lets the classifier unwrap `state_dict`, `params_ema`, … */
  path: KeySegment[];
  /** Safetensors dtype names (`F16`, `BF16`, `F32`, `I64`, …); pickled storages are mapped to the same names. */
  dtype: string;
  /** PyTorch order, `[out, in, kh, kw]`; `[]` for a scalar. */
  shape: number[];
}

/** A plain (non-tensor) value found in a pickle, e.g. `global_step`, `name`, `layer_structure`. */
export type PlainValue = null | boolean | number | string | PlainValue[];

export interface Finding {
  /** "safe" marks a note that does not lower the verdict (e.g. leading whitespace in a safetensors header). */
  severity: Verdict;
  /** Machine-readable reason: a safetensors reference error name or a code from README "Reason codes". */
  code: string;
  /** The whole sentence, with the byte offset and repeat count when known: what `inspect` shows. */
  message: string;
  /**
   * The sentence without its byte offset and repeat count, for reports that name the finding in a few words; absent
   * when it equals {@link message}.
   */
  summary?: string;
  /** Byte offset inside its pickle stream where the finding was made, when it has one. */
  offset?: number;
  /** How often the same finding occurred in its stream, when more than once. */
  times?: number;
  /**
   * For a finding about an imported global (`dangerous-global`, `known-benign-class`, `unknown-global`): the global
   * as judged (`ImportRecord.resolved`), so a report can name it without reading the message.
   */
  global?: string;
}

export interface ImportRecord {
  /** As written in the pickle. */
  module: string;
  name: string;
  /** `module.name` after the Python 2 name mapping; what the policy judged. */
  resolved: string;
  verdict: Verdict;
  /** Byte offset of the first occurrence inside its pickle stream, and how often it occurs. */
  offset: number;
  count: number;
}

export interface SafetyReport {
  verdict: Verdict;
  /** One short human sentence per non-"safe" finding, most severe first. */
  reasons: string[];
  findings: Finding[];
  imports: ImportRecord[];
}

export interface InspectError {
  code: string;
  /** The whole sentence; when {@link file} is set, `<file>: <problem>`. */
  message: string;
  /** The file the error is about, when the message names one, and the problem without it (a table row names it). */
  file?: string;
  problem?: string;
  /**
   * A download cut short: how many bytes the file lacks of the size its safetensors header or GGUF tensor table
   * declares. Reports say so from this field, whatever the reader's message words it.
   */
  missing?: { bytes: number; declaredBy: "header" | "tensor-table" };
  /** `error-page`: what a downloader saved instead of the model, and the server's own words quoted from it. */
  errorPage?: { body: "html" | "json"; quote: string };
  /**
   * Present when the file system failed (missing, permission denied, not a regular file): the content was never
   * judged. Absent for a problem in the content itself, so a report never has to guess from the code's spelling.
   */
  io?: true;
}

/** What one container reader returns; `inspectFile` merges these into an {@link Inspection}. */
export interface ContainerResult {
  format: FileFormat;
  tensors: TensorInfo[];
  metadata: Record<string, string> | null;
  values: Record<string, PlainValue>;
  findings: Finding[];
  imports: ImportRecord[];
  /** Set when the container could not be parsed far enough to list its tensors. */
  error: InspectError | null;
}

export interface Inspection {
  path: string;
  format: FileFormat;
  size: number;
  tensors: TensorInfo[];
  metadata: Record<string, string> | null;
  values: Record<string, PlainValue>;
  safety: SafetyReport;
  error: InspectError | null;
  /** Bytes the readers requested from the file: the proof that tensor data was never read. */
  bytesRead: number;
  /** Set for a diffusers pipeline folder: what its JSON files say, which is what classifies it. */
  diffusers?: DiffusersInfo;
}

/** What a diffusers folder's JSON files say, read by `inspectDiffusersFolder`. */
export interface DiffusersInfo {
  /** `model_index.json` `_class_name`, e.g. `StableDiffusionXLPipeline`. */
  pipeline: string | null;
  /**
   * Component name → `[library, class]` as listed (`unet` → `["diffusers", "UNet2DConditionModel"]`);
   * null entries are absent parts.
   */
  components: Record<string, [string, string] | null>;
  /** From `unet/config.json`: what tells SD1 from SD2 and SDXL from its refiner. */
  unet: { crossAttentionDim: number | null; inChannels: number | null } | null;
}
