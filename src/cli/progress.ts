import type { Ora } from "ora";
import type { OutputStream } from "./context.js";
import { formatBytes } from "./output/format-bytes.js";

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

/**
 * Progress only for a person watching: stderr must be a terminal and the output must not be JSON. Piped runs and
 * CI logs stay free of spinner frames and carriage returns. A terminal that reports zero columns (`script`, some
 * container ptys) is left alone too: ora divides by the width and would spin forever clearing "Infinity" lines.
 */
export function progressEnabled(stderr: { isTTY?: boolean; columns?: number }, json: boolean): boolean {
  return stderr.isTTY === true && (stderr.columns ?? 0) > 0 && !json;
}

function silent(stream: OutputStream): StatusLine {
  return { update() {}, succeed() {}, fail() {}, stop() {}, note: (line) => void stream.write(`${line}\n`) };
}

/** Starts a spinner with `text`. ora is loaded only here: it is half the start-up time of a scripted run. */
export async function startStatus(
  text: string,
  options: { stream: OutputStream; enabled: boolean; color: boolean },
): Promise<StatusLine> {
  if (!options.enabled) return silent(options.stream);
  const { default: ora } = await import("ora");
  // discardStdin would put a TTY stdin into raw mode and swallow input meant for a later confirmation prompt.
  const spinner: Ora = ora({ text, stream: options.stream, discardStdin: false, color: options.color ? "cyan" : false });
  spinner.start();
  return {
    update(next) {
      spinner.text = next;
    },
    succeed(final) {
      if (final === undefined) spinner.stop();
      else spinner.succeed(final);
    },
    fail(final) {
      if (final === undefined) spinner.stop();
      else spinner.fail(final);
    },
    stop() {
      spinner.stop();
    },
    note(line) {
      spinner.clear();
      options.stream.write(`${line}\n`);
      spinner.render();
    },
  };
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
    parts.push(`${Math.min(100, Math.floor((done / knownTotal) * 100))}%`, `${formatBytes(done)} of ${formatBytes(knownTotal)}`);
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
