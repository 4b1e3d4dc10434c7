import { EXIT_FILE_ERROR, EXIT_NOT_FOUND, EXIT_USAGE } from "../exit-codes.js";

export type InstallErrorCode =
  /** No WebUI at the given path, or none detected. */
  | "WEBUI_NOT_FOUND"
  /** Detected a UI sdmodels does not write into (InvokeAI, whose model store is managed). */
  | "WEBUI_UNSUPPORTED"
  /** Both A1111-style and ComfyUI-style model folders: cannot tell without `--ui`. */
  | "WEBUI_AMBIGUOUS"
  /** `extra_model_paths.yaml` does not parse or has the wrong shape. */
  | "EXTRA_PATHS_INVALID"
  /**
   * A UI settings file (`webui-user.sh`/`.bat`, `config.json`, `Data/Settings.fds`, `config.txt`, Stability Matrix
   * `settings.json`) cannot be read, or sets a folder the UI itself would not read correctly.
   */
  | "WEBUI_SETTINGS_INVALID"
  /** The plan holds conflicts left unresolved by `onConflict: "fail"`. */
  | "PLAN_HAS_CONFLICTS"
  /** A destination appeared between planning and applying; nothing was overwritten. */
  | "DESTINATION_EXISTS"
  /** No journal, or none with that id, or one that does not parse. */
  | "JOURNAL_NOT_FOUND"
  | "JOURNAL_INVALID"
  /** Undo cannot prove the journal says what was installed (foreign owner, paths outside, files not as installed). */
  | "JOURNAL_UNTRUSTED";

/**
 * What each failure tells a script (see src/exit-codes.ts): the user must name the WebUI (usage, 1), the batch to undo
 * does not exist (not found, 5), or the install itself failed (2).
 */
const EXIT_CODES: Readonly<Record<InstallErrorCode, number>> = {
  WEBUI_NOT_FOUND: EXIT_USAGE,
  WEBUI_UNSUPPORTED: EXIT_USAGE,
  WEBUI_AMBIGUOUS: EXIT_USAGE,
  EXTRA_PATHS_INVALID: EXIT_FILE_ERROR,
  WEBUI_SETTINGS_INVALID: EXIT_FILE_ERROR,
  PLAN_HAS_CONFLICTS: EXIT_FILE_ERROR,
  DESTINATION_EXISTS: EXIT_FILE_ERROR,
  JOURNAL_NOT_FOUND: EXIT_NOT_FOUND,
  JOURNAL_INVALID: EXIT_FILE_ERROR,
  JOURNAL_UNTRUSTED: EXIT_FILE_ERROR,
};

export class InstallError extends Error {
  override readonly name = "InstallError";
  /** The process exit code when this error stops a command. */
  readonly exitCode: number;

  constructor(
    readonly code: InstallErrorCode,
    message: string,
    readonly evidence: readonly string[] = [],
  ) {
    super(message);
    this.exitCode = EXIT_CODES[code];
  }
}
