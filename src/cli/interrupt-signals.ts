import { InterruptedError } from "../install/interrupted.js";

const HANDLED = ["SIGINT", "SIGTERM"] as const;

/**
 * Runs `work` with SIGINT and SIGTERM turned into an abort of the signal it is given, instead of killing the
 * process mid-copy: the work stops at a safe point, cleans up and reports, and the command exits 130/143. Outside
 * `work` the default (die at once) applies, which is right while nothing has been written.
 */
export async function withInterruptSignals<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const handlers = HANDLED.map((name) => {
    const handler = () => {
      if (!controller.signal.aborted) controller.abort(new InterruptedError(name));
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  try {
    return await work(controller.signal);
  } finally {
    for (const [name, handler] of handlers) process.off(name, handler);
  }
}
