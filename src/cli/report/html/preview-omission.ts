import { formatBytes } from "../../../app/format-bytes.js";
import { SPECIAL_FILE_NAMES, type SpecialFileType } from "../../../read/open-regular-file.js";

/** Why a model's preview sidecar (`file`, its name) is not embedded in the report. */
export type PreviewOmission = { file: string } & (
  | { type: "not-a-file"; found: SpecialFileType }
  | { type: "unreadable"; code: string }
  | { type: "file-too-large"; size: number; limit: number }
  | { type: "not-an-image" }
  | { type: "malformed-header"; format: "png" | "jpeg"; detail: string }
  | { type: "too-many-pixels"; width: number; height: number; limit: number }
  | { type: "undecodable"; detail: string }
  | { type: "timed-out"; limitMs: number }
  /** A GIF or WebP (no decoder is bundled for them) larger than what is embedded as it is. */
  | { type: "not-decoded"; format: "gif" | "webp"; size: number; limit: number }
  | { type: "budget-spent"; limit: number }
);

/** The one place a preview omission becomes words: the card shows it where the thumbnail would be. */
export function previewOmissionText(o: PreviewOmission): string {
  switch (o.type) {
    case "not-a-file":
      return `${o.file} is ${SPECIAL_FILE_NAMES[o.found]}, not a file`;
    case "unreadable":
      return `${o.file} cannot be read (${o.code})`;
    case "file-too-large":
      return `${o.file} is ${formatBytes(o.size)}, over the ${formatBytes(o.limit)} preview limit`;
    case "not-an-image":
      return `${o.file} is not a PNG, JPEG, GIF or WebP image`;
    case "malformed-header":
      return `${o.file}: malformed ${o.format.toUpperCase()} header (${o.detail})`;
    case "too-many-pixels":
      return (
        `${o.file} declares ${o.width}×${o.height} pixels, ` +
        `over the ${(o.limit / 1e6).toFixed(1)} MP decoding limit`
      );
    case "undecodable":
      return `${o.file} cannot be decoded: ${o.detail}`;
    case "timed-out":
      return `${o.file} took over ${o.limitMs / 1000} s to decode`;
    case "not-decoded":
      return (
        `${o.file}: ${o.format.toUpperCase()} previews are not decoded, ` +
        `only embedded as they are up to ${formatBytes(o.limit)}; this one is ${formatBytes(o.size)}`
      );
    case "budget-spent":
      return `${o.file}: the report's ${formatBytes(o.limit)} of previews is spent`;
  }
}
