import type { DetectionEvidence } from "./types.js";
/** What went wrong, for programs: reaches `--json` as is. The CLI alone turns a code into an exit code. */
export type InstallErrorCode =
  /** No WebUI at the given path, or none detected. */
  | "webui-not-found"
  /** Detected a UI sdmodels does not write into (InvokeAI, whose model store is managed). */
  | "webui-unsupported"
  /** Both A1111-style and ComfyUI-style model folders: cannot tell without `--ui`. */
  | "webui-ambiguous"
  /** `extra_model_paths.yaml` does not parse or has the wrong shape. */
  | "extra-paths-invalid"
  /**
   * A UI settings file (`webui-user.sh`/`.bat`, `config.json`, `Data/Settings.fds`, `config.txt`, Stability Matrix
   * `settings.json`) cannot be read, or sets a folder the UI itself would not read correctly.
   */
  | "webui-settings-invalid"
  /** The plan holds conflicts left unresolved by `onConflict: "fail"`. */
  | "plan-has-conflicts"
  /** A destination appeared between planning and applying; nothing was overwritten. */
  | "destination-exists"
  /** No journal, or none with that id, or one that does not parse. */
  | "journal-not-found"
  | "journal-invalid"
  /** Undo cannot prove the journal says what was installed (foreign owner, paths outside, files not as installed). */
  | "journal-untrusted";

export class InstallError extends Error {
  override readonly name = "InstallError";

  constructor(
    readonly code: InstallErrorCode,
    message: string,
    readonly evidence: readonly DetectionEvidence[] = [],
  ) {
    super(message);
  }
}

/** A destination that appeared between planning and placing: nothing is ever overwritten. */
export function destinationExists(path: string): InstallError {
  return new InstallError("destination-exists", `${path} appeared since planning; nothing was overwritten`);
}
