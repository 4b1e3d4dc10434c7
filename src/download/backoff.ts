/** Civitai documents no Retry-After; 1 s doubling to 30 s is the back-off its own tooling guidance gives. */
export const DEFAULT_RETRY_BASE_MS = 1000;
export const MAX_RETRY_DELAY_MS = 30_000;
/** Five attempts in all: StabilityMatrix retries four times; more only delays the failure a user must act on. */
export const DEFAULT_RETRIES = 4;

/** Transport failures worth another attempt (undici and libuv codes). */
const TRANSPORT_ERROR_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH",
  "UND_ERR_SOCKET", "UND_ERR_CLOSED", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
]);

/** A connection-level failure (not an HTTP answer): another attempt may well succeed. */
export function isTransportError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && TRANSPORT_ERROR_CODES.has(code);
}

/** Exponential back-off with "equal jitter": uniform in [c/2, c] where c = min(base·2^attempt, 30 s). */
export function backoffDelay(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** attempt);
  return ceiling / 2 + random() * (ceiling / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
