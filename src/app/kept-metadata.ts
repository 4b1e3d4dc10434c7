import { detachStrings } from "../read/safetensors-detach-strings.js";

/** Metadata entries the HTML report shows per file: enough to recognise a file, bounded against huge headers. */
export const METADATA_SHOWN = 12;
/** Characters of each metadata value the report shows before cutting it. */
export const METADATA_VALUE_CHARS = 300;

/**
 * The header metadata a classified file keeps to the end of a run: only what the HTML report shows, the first
 * {@link METADATA_SHOWN} entries, each value cut one character past {@link METADATA_VALUE_CHARS} (so the report still
 * sees that it was cut). Kohya's training metadata runs to tens of kilobytes per LoRA, and keeping it all made memory
 * grow by ~48 kB per file sorted. The kept values are copies: a cut string would otherwise pin the whole value.
 */
export function keptMetadata(metadata: Readonly<Record<string, string>> | null): Record<string, string> | null {
  if (metadata === null) return null;
  const keys = Object.keys(metadata).slice(0, METADATA_SHOWN);
  const values = detachStrings(keys.map((key) => (metadata[key] as string).slice(0, METADATA_VALUE_CHARS + 1)));
  const kept: Record<string, string> = Object.create(null);
  for (const [i, key] of keys.entries()) kept[key] = values[i] as string;
  return kept;
}
