import { NotRegularFileError } from "../read/open-regular-file.js";
import type { InspectError } from "./types.js";

const PHRASES: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "is a directory",
  ENOTDIR: "a parent of it is not a directory",
  ELOOP: "too many levels of symbolic links",
  ENAMETOOLONG: "name too long",
  EIO: "input/output error while reading",
  EMFILE: "too many open files",
};

/** System error codes (`ENOENT`, `EACCES`, …), as opposed to the reason codes of a file's content. */
export function isIoErrorCode(code: string): boolean {
  return /^E[A-Z]+$/.test(code);
}

/** True for the errors the file system raises; anything else is a bug and propagates. */
export function isIoError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return typeof code === "string" && isIoErrorCode(code);
}

/** `{code: "ENOENT", message: "<path>: no such file"}`: one sentence that names the file, no stack, no syscall. */
export function ioInspectError(path: string, error: NodeJS.ErrnoException & { code: string }): InspectError {
  // Its message already names the path and what it is instead of a file.
  if (error instanceof NotRegularFileError) return { code: error.code, message: error.message };
  const phrase = PHRASES[error.code] ?? error.message.replace(/^[A-Z]+: /, "").replace(/, \w+ '.*'$/, "");
  return { code: error.code, message: `${path}: ${phrase}` };
}
