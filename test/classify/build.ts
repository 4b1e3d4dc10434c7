import type { Classification, ClassifyInput } from "../../src/classify/types.js";
import type { KeySegment, PlainValue, TensorInfo } from "../../src/inspect/types.js";

/** A safetensors tensor: its path is its name. */
export function t(name: string, shape: number[], dtype = "F16"): TensorInfo {
  return { name, path: [name], shape, dtype };
}

/** A pickled tensor reached through `path` (wrappers, integer keys, tuple indices). */
export function at(path: KeySegment[], shape: number[], dtype = "F32"): TensorInfo {
  return { name: path.join("."), path, shape, dtype };
}

export function input(
  tensors: TensorInfo[],
  metadata: Record<string, string> | null = null,
  values: Record<string, PlainValue> = {},
): ClassifyInput {
  return { tensors, metadata, values };
}

/** kohya LoRA module: down [r, in…], up [out, r…], alpha []. */
export function kohya(module: string, down: number[], up: number[]): TensorInfo[] {
  return [t(`${module}.alpha`, []), t(`${module}.lora_down.weight`, down), t(`${module}.lora_up.weight`, up)];
}

/** The evidence sentences of a classification, as a person reads them. */
export function texts(c: Classification): string[] {
  return c.evidence.map((e) => e.text);
}
