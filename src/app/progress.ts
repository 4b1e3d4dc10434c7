import { formatBytes } from "./format-bytes.js";

/** A transient status line on stderr. Every method is a no-op when progress is disabled. */
export interface StatusLine {
  update(text: string): void;
  /** Clears the line and leaves `text`, if given, as a permanent ✔ line. */
  succeed(text?: string): void;
  fail(text?: string): void;
  /** Clears the line, leaving nothing behind. */
  stop(): void;
  /** Writes `line` as a permanent line above the status (or alone, when progress is off): retries, warnings. */
  note(line: string): void;
}

export interface ByteProgress {
  done: number;
  /** null when the size is unknown (no Content-Length). */
  total: number | null;
  elapsedMs: number;
}

/** Below this much elapsed time a rate is noise (the first chunk arrives in a burst from socket buffers). */
const MIN_RATE_WINDOW_MS = 500;

function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

/**
 * `42% · 896 MB of 2.13 GB · 45.2 MB/s · ETA 0:27`; without a total, `896 MB · 45.2 MB/s`. Shared by download and
 * hash so both read the same.
 */
export function formatByteProgress({ done, total, elapsedMs }: ByteProgress): string {
  const parts: string[] = [];
  const knownTotal = total !== null && total > 0 ? total : null;
  if (knownTotal !== null) {
    parts.push(
      `${Math.min(100, Math.floor((done / knownTotal) * 100))}%`,
      `${formatBytes(done)} of ${formatBytes(knownTotal)}`,
    );
  } else {
    parts.push(formatBytes(done));
  }
  if (elapsedMs >= MIN_RATE_WINDOW_MS && done > 0) {
    const perSecond = done / (elapsedMs / 1000);
    parts.push(`${formatBytes(perSecond)}/s`);
    if (knownTotal !== null && done < knownTotal) parts.push(`ETA ${formatDuration((knownTotal - done) / perSecond)}`);
  }
  return parts.join(" · ");
}
