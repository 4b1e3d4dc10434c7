import { InterruptedError } from "../install/interrupted.js";

const HANDLED = ["SIGINT", "SIGTERM"] as const;

/**
 * Runs `work` with SIGINT and SIGTERM turned into an abort of the signal it is given, instead of killing the
 * process mid-copy: the work stops at a safe point, cleans up and reports, and the command exits 130/143. A second
 * signal kills at once. Outside `work` the default (die at once) applies, which is right while nothing is written.
 */
export async function withInterruptSignals<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const handlers: (readonly [NodeJS.Signals, () => void])[] = [];
  for (const name of HANDLED) {
    const handler = () => {
      if (!controller.signal.aborted) {
        controller.abort(new InterruptedError(name));
        return;
      }
      // A second signal means "now": die by it. The journal names the temp file in flight; the next run removes it.
      for (const [n, h] of handlers) process.off(n, h);
      process.kill(process.pid, name);
    };
    process.on(name, handler);
    handlers.push([name, handler]);
  }
  try {
    return await work(controller.signal);
  } finally {
    for (const [name, handler] of handlers) process.off(name, handler);
  }
}
