import type { SortRefusalCode } from "../app/sort.js";
import type { DownloadErrorCode } from "../download/errors.js";
import type { InstallErrorCode } from "../install/errors.js";

/** Every error code that reaches a user: the library's, and the CLI's own for bad arguments. */
export type ErrorCode = InstallErrorCode | DownloadErrorCode | SortRefusalCode | "usage" | "hash-argument";

/**
 * The one exit-code table of sdmodels. Library errors (the downloader's, the installer's) carry a `code`, never an
 * exit code: {@link EXIT_CODE_BY_ERROR} below is the only place a code becomes a number. Scripts branch on these before
 * parsing stdout, so once published a number never changes meaning. Shaped after the civitai CLI ledger, reordered so
 * that the inspection outcomes (file error, dangerous file) come right after usage and the network outcomes follow.
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success |
 * | 1 | usage error: bad flag, missing argument, bad value (no JSON is printed) |
 * | 2 | some file had an error (unreadable, corrupt, not a model), or a generic failure |
 * | 3 | some file is dangerous (wins over 2) |
 * | 4 | not authorised: HTTP 401/403, missing token |
 * | 5 | not found: HTTP 404/410, or nothing matched |
 * | 6 | network or transport failure, or 5xx after retries: the code to retry on |
 * | 7 | rate limited: a terminal HTTP 429 |
 * | 8 | integrity failure: hash or size mismatch, truncated download |
 * | 9 | refused for safety: install declined a dangerous file, or a suspicious one without confirmation |
 * | 130 | install/sort/undo/audit --fix stopped by SIGINT (Ctrl-C), the current file put back; batch `interrupted` |
 * | 143 | the same for SIGTERM |
 */

export const EXIT_OK = 0;
/** Bad flag, missing argument, bad value. Nothing was done and nothing is printed on stdout. */
export const EXIT_USAGE = 1;
/** Some file could not be read or parsed, or an unexpected failure; the other files were still reported. */
export const EXIT_FILE_ERROR = 2;
/** Some file is dangerous to load; takes precedence over {@link EXIT_FILE_ERROR}. */
export const EXIT_DANGEROUS = 3;
/** The server refused the credentials, or none were given (HTTP 401/403). */
export const EXIT_NOT_AUTHORISED = 4;
/** The model, version or file does not exist (HTTP 404/410), or a filter matched nothing. */
export const EXIT_NOT_FOUND = 5;
/** Connection, DNS, TLS or 5xx after retries. A filesystem error never maps here. */
export const EXIT_NETWORK = 6;
/** HTTP 429 that outlasted the back-off. */
export const EXIT_RATE_LIMITED = 7;
/** The bytes on disk are not the bytes promised: SHA-256 or size mismatch, truncated download. */
export const EXIT_INTEGRITY = 8;
/** Install refused a file its safety verdict does not allow. */
export const EXIT_REFUSED = 9;

/** Stopped by a signal, as shells report it (128 + the signal number): what was installed before it stays undoable. */
export const EXIT_INTERRUPTED: Readonly<Record<"SIGINT" | "SIGTERM", number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * What each failure tells a script: the user must say it differently (usage, 1: bad input, no WebUI to name), the
 * thing asked for does not exist (5), the network or the server failed (4, 6, 7), the bytes are wrong (8), or the
 * work itself failed (2). A code not listed here (an errno code, a bug) is a generic failure.
 */
const EXIT_CODE_BY_ERROR: Readonly<Record<ErrorCode, number>> = {
  usage: EXIT_USAGE,
  "hash-argument": EXIT_FILE_ERROR,
  "sort-not-a-folder": EXIT_USAGE,
  "sort-inside-webui": EXIT_USAGE,
  "webui-not-found": EXIT_USAGE,
  "webui-unsupported": EXIT_USAGE,
  "webui-ambiguous": EXIT_USAGE,
  "extra-paths-invalid": EXIT_FILE_ERROR,
  "webui-settings-invalid": EXIT_FILE_ERROR,
  "plan-has-conflicts": EXIT_FILE_ERROR,
  "destination-exists": EXIT_FILE_ERROR,
  "journal-not-found": EXIT_NOT_FOUND,
  "journal-invalid": EXIT_FILE_ERROR,
  "journal-untrusted": EXIT_FILE_ERROR,
  "invalid-source": EXIT_USAGE,
  "not-authorized": EXIT_NOT_AUTHORISED,
  "not-found": EXIT_NOT_FOUND,
  network: EXIT_NETWORK,
  "rate-limited": EXIT_RATE_LIMITED,
  "size-mismatch": EXIT_INTEGRITY,
  "hash-mismatch": EXIT_INTEGRITY,
  truncated: EXIT_INTEGRITY,
  "error-page": EXIT_INTEGRITY,
  "http-status": EXIT_FILE_ERROR,
  "target-exists": EXIT_FILE_ERROR,
  "bad-response": EXIT_FILE_ERROR,
};

/** Maps a thrown value to an exit code by its `code`; anything else is a generic failure. */
export function exitCodeFor(error: unknown): number {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") {
    return Object.hasOwn(EXIT_CODE_BY_ERROR, error.code)
      ? EXIT_CODE_BY_ERROR[error.code as ErrorCode]
      : EXIT_FILE_ERROR;
  }
  return EXIT_FILE_ERROR;
}
