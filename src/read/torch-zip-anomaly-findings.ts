import type { Finding } from "../inspect/types.js";
import type { Verdict } from "../model/verdict.js";
import type { ZipAnomaly, ZipAnomalyCode } from "./zip.js";

/**
 * How much each container anomaly weighs: names that escape a directory and data shared between entries are attack
 * shapes, and so is an end record we skipped: miniz uses the last signature, so skipping it means the directory we
 * scanned may not be the one torch loads. The rest are inconsistencies that stop the file from being provably safe.
 */
const SEVERITY: Record<ZipAnomalyCode, { severity: Verdict; code: string }> = {
  "unsafe-name": { severity: "dangerous", code: "zip-slip" },
  "overlapping-entries": { severity: "dangerous", code: "zip-anomaly" },
  "overlaps-central-directory": { severity: "dangerous", code: "zip-anomaly" },
  // readers that walk local headers from the start and readers that follow the directory see different archives
  "entry-after-central-directory": { severity: "dangerous", code: "zip-anomaly" },
  "trailing-bytes": { severity: "suspicious", code: "trailing-bytes" },
  "duplicate-name": { severity: "suspicious", code: "zip-anomaly" },
  "duplicate-name-case-insensitive": { severity: "suspicious", code: "zip-anomaly" },
  "non-utf8-name": { severity: "suspicious", code: "zip-anomaly" },
  "unsupported-flags": { severity: "suspicious", code: "zip-anomaly" },
  "local-header-missing": { severity: "suspicious", code: "zip-anomaly" },
  // data torch would load was not located, so the scan may have missed it
  "local-headers-unread": { severity: "dangerous", code: "unscannable" },
  "local-name-mismatch": { severity: "suspicious", code: "zip-anomaly" },
  "local-header-mismatch": { severity: "suspicious", code: "zip-anomaly" },
  "data-out-of-bounds": { severity: "suspicious", code: "zip-anomaly" },
  "comment-overruns-file": { severity: "suspicious", code: "zip-anomaly" },
  "ignored-end-record": { severity: "dangerous", code: "unscannable" },
  "zip64-mismatch": { severity: "suspicious", code: "zip-anomaly" },
  "gap-before-end-record": { severity: "suspicious", code: "zip-anomaly" },
};

export function anomalyFinding(anomaly: ZipAnomaly): Finding {
  return { ...SEVERITY[anomaly.code], message: anomaly.message };
}
