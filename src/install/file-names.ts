import type { Kind } from "../classify/types.js";
import { PICKLE_EXTENSIONS, SAFETENSORS_EXTENSIONS } from "./layouts.js";

/** Extensions that name a model container; anything else after the last dot is part of the name. */
const MODEL_EXTENSIONS: readonly string[] = [...SAFETENSORS_EXTENSIONS, ...PICKLE_EXTENSIONS, ".gguf"];

/** `foo.vae.safetensors` → `{ stem: "foo.vae", ext: ".safetensors" }`, as A1111 and the sidecar tools split names. */
export function splitName(name: string): { stem: string; ext: string } {
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return { stem: name, ext: "" };
  return { stem: name.slice(0, dot), ext: name.slice(dot) };
}

/** The name without a model extension: `model.ckpt` → `model`, `model.v2` → `model.v2`. */
export function modelStem(name: string): string {
  const { stem, ext } = splitName(name);
  return MODEL_EXTENSIONS.includes(ext.toLowerCase()) ? stem : name;
}

/**
 * Whether a WebUI pairs `other` with the model file `name` in the same folder by their shared stem: another model file
 * (A1111 keys checkpoints, LoRAs and embeddings by stem, so `<lora:m>` would name only one of `m.pt` and
 * `m.safetensors`, and the new one would show the old one's preview), or, beside a checkpoint, `<stem>.yaml`, the
 * config A1111 builds that checkpoint from whatever its content.
 */
export function pairsByStem(name: string, other: string, kind: Kind): boolean {
  const a = splitName(name);
  const b = splitName(other);
  if (a.stem !== b.stem || !MODEL_EXTENSIONS.includes(a.ext.toLowerCase())) return false;
  return MODEL_EXTENSIONS.includes(b.ext.toLowerCase()) || (kind === "checkpoint" && b.ext.toLowerCase() === ".yaml");
}

/**
 * `name_2.ext`. A1111 puts a LoRA's or embedding's file name into the prompt (`<lora:name_2:1>`, `name_2`), where
 * the file managers' `name (2)` would read as attention syntax: `(…)` weights the words inside it.
 */
export function numberedName(name: string, n: number): string {
  const { stem, ext } = splitName(name);
  return `${stem}_${n}${ext}`;
}
