import { SPECIAL_FILE_NAMES, type SpecialFileType } from "../read/open-regular-file.js";
import { MAX_FOLDER_ENTRIES } from "./folder-tree.js";
import type { SkipReason } from "./types.js";

/*
 * The skip reasons that name another file, made in one place: the path is a field a report reads, and the message
 * (for `--json` readers and logs) is written from it here only.
 */

export function duplicateOf(of: string): SkipReason {
  return { code: "duplicate", of, message: `duplicate of ${of}` };
}

export function conflictWith(existing: string): SkipReason {
  return { code: "conflict", existing, message: `conflict: ${existing} exists with different content` };
}

export function specialFileInFolder(path: string, found: SpecialFileType | null): SkipReason {
  return {
    code: "special-file-in-folder",
    path,
    found,
    message:
      found === null
        ? `${path} holds more than ${MAX_FOLDER_ENTRIES} entries: not a model folder`
        : `${path} is ${SPECIAL_FILE_NAMES[found]}: a folder moves only with regular files and folders in it`,
  };
}
