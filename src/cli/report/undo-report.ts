import type { UndoRefusal, UndoReport } from "../../install/types.js";

/** The one place an undo refusal becomes words: stderr and `--json`'s `reason`. */
export function undoRefusalText(r: UndoRefusal): string {
  switch (r.code) {
    case "installed-gone":
      return "the installed file is gone";
    case "original-occupied":
      return `the original path ${r.original} is occupied; left in place`;
    case "dangerous":
      return `dangerous (code runs when it is loaded): left here, not put back at ${r.original}`;
    case "kept-with-model":
      return `kept with its model ${r.model}`;
    case "restore-failed":
      return r.message;
  }
}

/**
 * `sdmodels undo --json`: the undo report with each refusal's `reason` in words and, for a dangerous file,
 * `dangerous: true` (the keys it always had), then its `code` and fields for programs that should not read words.
 */
export function undoReport(report: UndoReport) {
  return {
    ...report,
    refused: report.refused.map((r) => {
      const { path, ...facts } = r;
      return {
        path,
        reason: undoRefusalText(r),
        ...(r.code === "dangerous" ? { dangerous: true as const } : {}),
        ...facts,
      };
    }),
  };
}
