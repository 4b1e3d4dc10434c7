import { NotRegularFileError, notRegularFileProblem } from "../read/open-regular-file.js";
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

/** What Node puts in a file name for bytes that are not UTF-8. */
const UNDECODABLE = "\uFFFD";

/**
 * True for the errors the file system raises (errno codes such as `ENOENT`) and for a special file refused before
 * opening; anything else is a bug and propagates. The operating system's errors carry no other mark of where they
 * came from, so this is the one place that reads an errno code's spelling; what it returns is typed by `io: true`.
 */
export function isIoError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  if (error instanceof NotRegularFileError) return true;
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return typeof code === "string" && /^E[A-Z]+$/.test(code);
}

/** An error about one file: its sentence names the file, and the file and problem stay apart as fields. */
export function fileInspectError(code: string, file: string, problem: string): InspectError {
  return { code, message: `${file}: ${problem}`, file, problem };
}

/** `{code: "ENOENT", message: "<path>: no such file"}`: one sentence that names the file, no stack, no syscall. */
export function ioInspectError(path: string, error: NodeJS.ErrnoException & { code: string }): InspectError {
  if (error instanceof NotRegularFileError) {
    return { ...fileInspectError(error.code, error.path, notRegularFileProblem(error.fileType)), io: true };
  }
  // A directory walk decodes a name that is not UTF-8 with U+FFFD, a path that then names no file: say so.
  if (error.code === "ENOENT" && path.includes(UNDECODABLE)) {
    return {
      ...fileInspectError(error.code, path, "its name is not valid UTF-8 and cannot be opened; rename it"),
      io: true,
    };
  }
  const phrase = PHRASES[error.code] ?? error.message.replace(/^[A-Z]+: /, "").replace(/, \w+ '.*'$/, "");
  return { ...fileInspectError(error.code, path, phrase), io: true };
}
