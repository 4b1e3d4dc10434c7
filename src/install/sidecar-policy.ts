import type { Kind } from "../classify/types.js";
import type { FileIdentity } from "../model/file-identity.js";
import type { SpecialFileType } from "../read/open-regular-file.js";

/** What a sidecar must be to travel with its model. */
export type SidecarContent = "image" | "video" | "json" | "text" | "model-config";

export interface SidecarRule {
  /** The part of the name after the model's stem, e.g. `.preview.png`. */
  suffix: RegExp;
  content: SidecarContent;
  /** Only beside a model of these kinds; absent: beside any model. */
  kinds?: readonly Kind[];
}

/**
 * Every sidecar sdmodels moves with a model, and what each must contain. A name alone proves nothing: a WebUI
 * serves `<stem>.preview.png` to the browser as it finds it and A1111 builds a checkpoint from `<stem>.yaml`, so each
 * is checked for what its name says before it travels (`checkSidecar`); one that fails stays where it is.
 */
export const SIDECAR_RULES: readonly SidecarRule[] = [
  // Previews: A1111/Forge/SD.Next Extra Networks (both forms), Civitai Helper, StabilityMatrix, Lora-Manager.
  { suffix: /^\.preview\.(?:png|jpe?g|webp|gif)$/i, content: "image" },
  { suffix: /^\.(?:png|jpe?g|webp|gif)$/i, content: "image" },
  // Civitai Helper's example images.
  { suffix: /^\.example\.\d+\.(?:png|jpe?g|webp|gif)$/i, content: "image" },
  // Lora-Manager and Civitai Helper video previews.
  { suffix: /^\.(?:preview|example\.\d+)\.mp4$/i, content: "video" },
  // Civitai's by-hash answer (Civitai Helper, `sdmodels --civitai`).
  { suffix: /^\.civitai\.info$/i, content: "json" },
  // A1111 user metadata, StabilityMatrix `.cm-info.json`, Lora-Manager `.metadata.json`, SwarmUI `.swarm.json`.
  { suffix: /^(?:\.cm-info|\.metadata|\.swarm)?\.json$/i, content: "json" },
  // A1111 Extra Networks descriptions.
  { suffix: /^(?:\.description)?\.txt$/i, content: "text" },
  // The config A1111 (and Forge, SD.Next) build this one checkpoint from.
  { suffix: /^\.yaml$/i, content: "model-config", kinds: ["checkpoint"] },
];

/**
 * Most bytes a sidecar of each content may have; a larger one stays where it is. Each bound is far above what the
 * writers produce and keeps a hostile or mistaken file (a multi-GB "preview") from riding along or being read whole.
 */
export const SIDECAR_MAX_BYTES: Readonly<Record<SidecarContent, number>> = {
  /** Civitai previews are full-size generations: a 4K PNG is 20-30 MB. */
  image: 64 * 1024 * 1024,
  /** Civitai video previews are short clips of a few to some tens of MB. */
  video: 256 * 1024 * 1024,
  /**
   * Civitai's by-hash answer with a long description and every image is a few hundred KB; SwarmUI embeds a thumbnail.
   */
  json: 16 * 1024 * 1024,
  /** A description a person wrote. */
  text: 1024 * 1024,
  /** The configs the WebUIs ship are 1-5 KB; the bound also caps what the YAML parser is handed. */
  "model-config": 64 * 1024,
};

/** Why a configuration sidecar is not a model config the WebUIs' own configs would vouch for. */
export type ConfigProblem =
  /** Not exactly one well-formed YAML document of plain mappings, lists and scalars. */
  | { type: "syntax"; detail: string }
  /** An anchor or alias: shipped configs use none, and aliases are how a small file expands into a huge one. */
  | { type: "alias" }
  /** An explicit tag (`!!python/object`, `!custom`): a loader may construct anything from it. */
  | { type: "tag"; tag: string }
  /** No `model:` mapping with a `target`: not a model config. */
  | { type: "no-model" }
  /** A `target` (at `path`, dotted) that no shipped config names. */
  | { type: "target"; path: string; target: string }
  /** A `target` that is not a string. */
  | { type: "target-not-string"; path: string }
  /** A string under `model:` that no shipped config uses (file paths, Hub repositories, interpolations). */
  | { type: "value"; path: string; value: string };

/** Why a sidecar stays where it is. */
export type SidecarRejection =
  /** A symbolic link (never followed: it could point at `~/.ssh/id_rsa`), a folder, a FIFO, a socket, a device. */
  | { type: "not-a-file"; found: SpecialFileType }
  /**
   * Another name (`links` in all) points at the same bytes: that other name may be a secret elsewhere (`~/.ssh/id_rsa`
   * linked in as `m.txt`), and the tools that write previews and metadata never hard-link them.
   */
  | { type: "hard-linked"; links: number }
  | { type: "too-large"; size: number; limit: number }
  /** The bytes are not what the name says (no image signature, not JSON, not text). */
  | { type: "wrong-content"; expected: Exclude<SidecarContent, "model-config"> }
  | { type: "config-refused"; problem: ConfigProblem }
  /** Could not be checked (errno code); unchecked is never carried. */
  | { type: "unreadable"; code: string }
  /** No longer the file whose content was checked (`field` differs): a swapped-in file was never checked. */
  | { type: "changed"; field: keyof FileIdentity }
  /** `model`, another model file of the same stem that stays in the folder, uses it too (`x.ckpt` and `x.safetensors`). */
  | { type: "shared"; model: string };

/** A sidecar the plan leaves behind, and why. */
export interface SidecarLeft {
  path: string;
  reason: SidecarRejection;
}

/** The rule a name beside the model `stem` matches, or null when it is no sidecar of a model of this kind. */
export function sidecarRule(suffix: string, kind: Kind): SidecarRule | null {
  return SIDECAR_RULES.find((r) => r.suffix.test(suffix) && (r.kinds === undefined || r.kinds.includes(kind))) ?? null;
}
