import type { Ora } from "ora";
import type { StatusLine } from "../app/progress.js";
import type { OutputStream } from "./context.js";

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
  const spinner: Ora = ora({
    text,
    stream: options.stream,
    discardStdin: false,
    color: options.color ? "cyan" : false,
  });
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
