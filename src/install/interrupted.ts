/** The abort reason a command gives when SIGINT or SIGTERM asks it to stop; the batch is journaled `interrupted`. */
export class InterruptedError extends Error {
  readonly code = "interrupted";
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
    this.name = "InterruptedError";
  }
}

/** The signal behind an aborted AbortSignal (SIGINT when the reason does not say). */
export function interruptingSignal(signal: AbortSignal): NodeJS.Signals {
  return signal.reason instanceof InterruptedError ? signal.reason.signal : "SIGINT";
}
