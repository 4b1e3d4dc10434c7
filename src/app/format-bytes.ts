const UNITS = ["B", "kB", "MB", "GB", "TB", "PB"] as const;

/**
 * Decimal units (1 GB = 10^9 bytes), as `hf`, `ls --si` and download pages print them: `2.13 GB`, `812 MB`, `0 B`.
 * Three significant digits are enough to recognise a file without implying byte precision.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "?";
  let value = bytes;
  let unit = 0;
  while (value >= 999.5 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(bytes)} B`;
  const digits = value >= 99.95 ? 0 : value >= 9.995 ? 1 : 2;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}
