import { join, resolve } from "node:path";
import { InstallError } from "./errors.js";
import type { FolderSettingsReading } from "./folder-settings.js";
import { ShlexError, type ShlexWord, shlexWords } from "./shlex-split.js";
import type { FolderSetting } from "./types.js";

/**
 * The folder flags of AUTOMATIC1111 (`modules/cmd_args.py`, `modules/paths_internal.py`, the built-in Lora
 * extension's `preload.py`, sd-webui-controlnet's `--controlnet-dir`), Forge (`--text-encoder-dir`,
 * `--controlnet-preprocessor-models-dir`, `--forge-ref-a1111-home`) and Forge Neo (repeatable `--ckpt-dirs`,
 * `--lora-dirs`, `--vae-dirs`, `--text-encoder-dirs`), keyed by the layout setting they move. A repeatable flag
 * (argparse `append`) collects every value and the first is where files go; a plain one keeps its last value.
 */
const FOLDER_FLAGS: Readonly<Record<string, { key: string; repeatable?: true }>> = {
  "--data-dir": { key: "data_dir" },
  "--models-dir": { key: "models_dir" },
  "--ckpt-dir": { key: "ckpt_dir" },
  "--ckpt-dirs": { key: "ckpt_dir", repeatable: true },
  "--vae-dir": { key: "vae_dir" },
  "--vae-dirs": { key: "vae_dir", repeatable: true },
  "--lora-dir": { key: "lora_dir" },
  "--lora-dirs": { key: "lora_dir", repeatable: true },
  "--lyco-dir-backcompat": { key: "lyco_dir_backcompat" },
  "--embeddings-dir": { key: "embeddings_dir" },
  "--hypernetwork-dir": { key: "hypernetwork_dir" },
  "--text-encoder-dir": { key: "text_encoder_dir" },
  "--text-encoder-dirs": { key: "text_encoder_dir", repeatable: true },
  "--controlnet-dir": { key: "controlnet_dir" },
  "--controlnet-preprocessor-models-dir": { key: "controlnet_preprocessor_models_dir" },
  "--esrgan-models-path": { key: "esrgan_models_path" },
  "--realesrgan-models-path": { key: "realesrgan_models_path" },
  "--bsrgan-models-path": { key: "bsrgan_models_path" },
  "--swinir-models-path": { key: "swinir_models_path" },
  "--scunet-models-path": { key: "scunet_models_path" },
  "--dat-models-path": { key: "dat_models_path" },
  "--hat-models-path": { key: "hat_models_path" },
  "--gfpgan-models-path": { key: "gfpgan_models_path" },
  "--codeformer-models-path": { key: "codeformer_models_path" },
  "--forge-ref-a1111-home": { key: "forge_ref_a1111_home" },
};

/**
 * What Forge's `configure_forge_reference_checkout` appends for `--forge-ref-a1111-home DIR`
 * (`modules/launch_utils.py`): each flag with `DIR/<path>`, unless that path does not exist or the flag is already on
 * the command line. The LoRA path is lower-case there: on a case-sensitive disk it misses A1111's `models/Lora`,
 * and so does Forge.
 */
const FORGE_A1111_REFS: readonly (readonly [flag: string, path: string])[] = [
  ["--ckpt-dir", "models/Stable-diffusion"],
  ["--vae-dir", "models/VAE"],
  ["--hypernetwork-dir", "models/hypernetworks"],
  ["--embeddings-dir", "embeddings"],
  ["--lora-dir", "models/lora"],
  ["--controlnet-dir", "models/ControlNet"],
  ["--controlnet-preprocessor-models-dir", "extensions/sd-webui-controlnet/annotator/downloads"],
];

export interface ArgsSource {
  /** The file and line whose `COMMANDLINE_ARGS` this is. */
  file: string;
  line: number;
  /** The WebUI's working folder when launched (its root): relative paths are taken from there, as Python does. */
  cwd: string;
}

/**
 * The folder settings in a `COMMANDLINE_ARGS` value: split exactly as the WebUI splits it, then read the way
 * argparse reads it (`--flag value` and `--flag=value`). `exists` answers for `--forge-ref-a1111-home` paths.
 */
export function readA1111Args(
  value: string,
  source: ArgsSource,
  exists: (path: string) => boolean,
): FolderSettingsReading {
  let words: ShlexWord[];
  try {
    words = shlexWords(value);
  } catch (error) {
    if (!(error instanceof ShlexError)) throw error;
    throw new InstallError(
      "webui-settings-invalid",
      `${source.file}:${source.line}: COMMANDLINE_ARGS cannot be split (Python's shlex says "${error.reason}"), ` +
        `so the WebUI does not start with it`,
    );
  }
  const argv = words.map((w) => w.value);
  const found = new Map<string, FolderSetting>();
  const setting = (name: string, raw: string): FolderSetting => ({
    name,
    path: resolve(source.cwd, raw),
    file: source.file,
    line: source.line,
  });

  for (let i = 0; i < words.length; i++) {
    const word = words[i]!.value;
    const eq = word.indexOf("=");
    const flag = word.startsWith("--") && eq > 0 ? word.slice(0, eq) : word;
    const spec = FOLDER_FLAGS[flag];
    if (!spec) continue;
    const inline = flag !== word;
    const valueWord = inline ? { value: word.slice(eq + 1), lostBackslash: words[i]!.lostBackslash } : words[i + 1];
    if (!inline) i++;
    // argparse takes no value that looks like another option; the WebUI stops with a usage error then.
    if (valueWord === undefined || (!inline && valueWord.value.startsWith("-"))) {
      throw new InstallError(
        "webui-settings-invalid",
        `${source.file}:${source.line}: ${flag} has no value, so the WebUI does not start`,
      );
    }
    if (valueWord.lostBackslash) {
      throw new InstallError(
        "webui-settings-invalid",
        `${source.file}:${source.line}: ${flag} reaches the WebUI as "${valueWord.value}": ` +
          `Python's shlex.split drops backslashes outside quotes. ` +
          `Quote the path (${flag} "…") or write it with /`,
      );
    }
    const folder = setting(flag, valueWord.value);
    if (spec.repeatable && found.has(spec.key) && found.get(spec.key)!.name === flag) continue;
    found.set(spec.key, folder);
  }

  const reading: FolderSettingsReading = { folders: {}, evidence: [], warnings: [] };
  for (const [key, folder] of found) {
    if (key === "data_dir") reading.dataDir = folder;
    else if (key === "models_dir") reading.modelsDir = folder;
    else if (key !== "forge_ref_a1111_home") reading.folders[key] = folder;
  }
  const home = found.get("forge_ref_a1111_home");
  if (home) {
    for (const [flag, path] of FORGE_A1111_REFS) {
      const key = FOLDER_FLAGS[flag]!.key;
      const target = join(home.path, path);
      // Forge skips a flag already on the command line; a value set another way (Neo's `--ckpt-dirs`) wins too.
      if (argv.includes(flag) || reading.folders[key]) continue;
      if (!exists(target)) {
        reading.warnings.push(
          `${flag} from --forge-ref-a1111-home skipped: ${target} does not exist (Forge skips it too)`,
        );
        continue;
      }
      reading.folders[key] = { ...home, name: `--forge-ref-a1111-home → ${flag}`, path: target };
    }
  }
  return reading;
}
