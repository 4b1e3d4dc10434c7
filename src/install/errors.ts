export type InstallErrorCode =
  /** No WebUI at the given path, or none detected. */
  | "WEBUI_NOT_FOUND"
  /** Detected a UI sdmodels does not write into (InvokeAI, SwarmUI, Fooocus). */
  | "WEBUI_UNSUPPORTED"
  /** Both A1111-style and ComfyUI-style model folders: cannot tell without `--ui`. */
  | "WEBUI_AMBIGUOUS"
  /** `extra_model_paths.yaml` does not parse or has the wrong shape. */
  | "EXTRA_PATHS_INVALID"
  /** The plan holds conflicts left unresolved by `onConflict: "fail"`. */
  | "PLAN_HAS_CONFLICTS"
  /** A destination appeared between planning and applying; nothing was overwritten. */
  | "DESTINATION_EXISTS"
  /** No journal, or none with that id, or one that does not parse. */
  | "JOURNAL_NOT_FOUND"
  | "JOURNAL_INVALID";

export class InstallError extends Error {
  override readonly name = "InstallError";

  constructor(
    readonly code: InstallErrorCode,
    message: string,
    readonly evidence: readonly string[] = [],
  ) {
    super(message);
  }
}
