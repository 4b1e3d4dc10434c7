import { basename } from "node:path";
import { formatBytes } from "../../app/format-bytes.js";
import { MAX_FOLDER_ENTRIES } from "../../install/folder-tree.js";
import type { ConfigProblem, SidecarRejection } from "../../install/sidecar-policy.js";
import type { ApplyFailure, ModelFacts, PlanWarning, SkipReason } from "../../install/types.js";
import type { LoadJudgement } from "../../install/will-load.js";
import { IDENTITY_CHANGE_WORDS } from "../../model/file-identity.js";
import { SPECIAL_FILE_NAMES } from "../../read/open-regular-file.js";

/*
 * The words of a plan: why a file stays where it is, what a planned file should be told, why a UI will not load it,
 * why a sidecar stays behind. The planner hands out typed reasons and warnings only; every report (the table, the
 * `message` and `warnings` of `--json`, the HTML page, audit) takes its sentences from here, so rewording one changes
 * no behaviour and no report ever reads a sentence back.
 */

/** Why a UI will not load a file, in a few words and without the UI's name: for plans and `inspect`'s `loads in`. */
export function notLoadedText(j: LoadJudgement, c: ModelFacts): string {
  switch (j.code) {
    case "base-not-supported":
      return `no model class for ${c.architecture && c.base === "sd3" ? c.architecture : c.base}`;
    case "kind-not-supported":
      return `no loader for ${c.kind}${c.architecture ? ` (${c.architecture})` : ""} files`;
    case "lora-format-ignored":
      return `its LoRA loader skips ${c.loraFormat ?? "these"} keys: the LoRA would do nothing`;
    case "needs-conversion":
      return `no UI applies ${c.loraFormat ?? "this"} LoRAs: convert it first`;
    case "file-format-not-supported":
      return `lists only .safetensors ${c.kind} files`;
    case null:
      return j.since ? `loads it from ${j.since}` : "loads it";
  }
}

/** What each content is called where a folder does not load it. */
const CONTENT_NAMES: Readonly<Record<Extract<SkipReason, { code: "extension-not-loaded" }>["content"], string>> = {
  safetensors: "safetensors",
  gguf: "GGUF",
  pickle: "pickle",
};

/** Why a file is not installed, in one short line: `duplicate of …`, `no folder for text-encoder in a1111`, … */
export function skipReasonText(reason: SkipReason): string {
  switch (reason.code) {
    case "unreadable":
      return `unreadable: ${reason.error}`;
    case "dangerous":
      return "dangerous";
    case "unknown-kind":
      return "unknown kind";
    case "suspicious-strict":
      return "suspicious (strict)";
    case "diffusers-not-loaded":
      return `${reason.ui} does not load diffusers folders (SD.Next and ComfyUI do)`;
    case "unsupported-format":
      return "unsupported format: not safetensors, GGUF or a torch pickle";
    case "will-not-load":
      return `${reason.load.ui}: ${notLoadedText(reason.load, reason.model)} (strict)`;
    case "needs-conversion":
      return notLoadedText(reason.load, reason.model);
    case "no-folder": {
      if (reason.rootFolder !== null) {
        const { folder, modelsFolder } = reason.rootFolder;
        return (
          `no folder for ${reason.kind} in ${reason.ui}: ${folder} ` +
          `lives in the WebUI root, not in the models folder ${modelsFolder}`
        );
      }
      const kind =
        reason.architecture && reason.kind === "upscaler" ? `${reason.kind} (${reason.architecture})` : reason.kind;
      return `no folder for ${kind} in ${reason.ui}`;
    }
    case "misnamed-pickle":
      return `pickle named ${reason.extension}: refusing a disguised pickle`;
    case "extension-not-loaded":
      return (
        `${CONTENT_NAMES[reason.content]} files are not loaded from ${reason.folder} ` +
        `(it lists ${reason.extensions.join(" ")})`
      );
    case "duplicate":
      return `duplicate of ${reason.of}`;
    case "conflict":
      return `conflict: ${reason.existing} exists with different content`;
    case "in-place":
      return "already in place";
    case "symlink":
      return "symbolic link: install the file it points to instead";
    case "inside-webui":
      return `really lies at ${reason.realPath}, inside the WebUI`;
    case "outside-sorted-folder":
      return `really lies at ${reason.realPath ?? "an unknown place"}, outside ${reason.sortedDir}`;
    case "sidecar-refused":
      return (
        `refused by --strict: ` +
        `${reason.sidecars === 1 ? "a sidecar" : `${reason.sidecars} sidecars`} would stay behind`
      );
    case "special-file-in-folder":
      return reason.found === null
        ? `${reason.path} holds more than ${MAX_FOLDER_ENTRIES} entries: not a model folder`
        : `${reason.path} is ${SPECIAL_FILE_NAMES[reason.found]}: a folder moves only with regular files and folders in it`;
    case "name-too-long":
      return `the name ${reason.name} is ${reason.bytes} bytes; filesystems take at most ${reason.limit}`;
    case "not-writable":
      return `cannot write into ${reason.dir} (permissions or a read-only filesystem)`;
    case "no-space":
      return `needs ${reason.needed} bytes on the target filesystem, ${reason.free} free`;
  }
}

/** A planner warning in one line, as `--json` lists it and the table shows it. */
export function planWarningText(warning: PlanWarning): string {
  switch (warning.type) {
    case "suspicious":
      return "suspicious: installed with a warning";
    case "will-not-load":
      return `will not load in ${warning.load.ui}: ${notLoadedText(warning.load, warning.model)}`;
    case "folder-note":
      return warning.note;
    case "comfyui-gguf":
      return "GGUF files load through the ComfyUI-GGUF custom node (Unet Loader / CLIPLoader (GGUF))";
    case "extension-fixed":
      return `${warning.format} content named ${warning.from}: installed as ${warning.to}`;
    case "sidecar-claimed":
      return `${basename(warning.sidecar)} also matches an earlier file of this batch and moves with that one`;
    case "conflict-renamed":
      return `${warning.existing} exists with different content: installing as ${warning.installedAs}`;
    case "lycoris-dir-ignored":
      return `lycorisDir has no effect on ${warning.ui}: it loads every LoRA-family file from its LoRA folder`;
  }
}

/** A config value quoted in a note is cut to this many characters: it names the problem, the file holds the rest. */
const MAX_QUOTED_VALUE = 60;

const quoted = (value: string) =>
  JSON.stringify(value.length > MAX_QUOTED_VALUE ? `${value.slice(0, MAX_QUOTED_VALUE)}…` : value);

const EXPECTED_CONTENT: Readonly<Record<Extract<SidecarRejection, { type: "wrong-content" }>["expected"], string>> = {
  image: "not an image (no PNG, JPEG, GIF or WebP signature)",
  video: "not an MP4 video",
  json: "not a JSON object",
  text: "not UTF-8 text, or holds NUL bytes",
};

function configProblemText(problem: ConfigProblem): string {
  switch (problem.type) {
    case "syntax":
      return `not a plain YAML config (${problem.detail})`;
    case "alias":
      return "uses YAML anchors or aliases, which no WebUI's own config does";
    case "tag":
      return `uses the YAML tag ${problem.tag}, which can make a loader build objects`;
    case "no-model":
      return "not a model config (no model.target)";
    case "target":
      return `config target ${problem.target} (at ${problem.path}) is not one the WebUIs' own configs use`;
    case "target-not-string":
      return `config target at ${problem.path} is not a plain name`;
    case "value":
      return `config value ${quoted(problem.value)} at ${problem.path} is not one the WebUIs' own configs use`;
  }
}

/** Why a sidecar stays where it is, in words. */
export function sidecarRejectionText(reason: SidecarRejection): string {
  switch (reason.type) {
    case "not-a-file":
      return `not a regular file but ${SPECIAL_FILE_NAMES[reason.found]}`;
    case "hard-linked":
      return `hard-linked: ${reason.links} names share its bytes, and another may be a file kept elsewhere`;
    case "too-large":
      return `${formatBytes(reason.size)}, more than the ${formatBytes(reason.limit)} such a sidecar may have`;
    case "wrong-content":
      return EXPECTED_CONTENT[reason.expected];
    case "config-refused":
      return configProblemText(reason.problem);
    case "unreadable":
      return `could not be checked (${reason.code})`;
    case "changed":
      return `changed after its content was checked: ${IDENTITY_CHANGE_WORDS[reason.field]}`;
    case "shared":
      return `also used by ${basename(reason.model)}, which stays`;
  }
}

/** The move that stopped a batch: which file, where to, the code, and the error's own words (unless they start with it). */
export function applyFailureText(f: ApplyFailure): string {
  return `cannot install ${f.source} → ${f.destination}: ${f.detail.startsWith(f.code) ? "" : `${f.code}: `}${f.detail}`;
}
