import { IntegrityError, NetworkError, RateLimitedError } from "./errors.js";
import { isRetryableFailure, type NetworkFailure, networkFailureOf } from "./network-failure.js";

/** Civitai documents no Retry-After; 1 s doubling to 30 s is the back-off its own tooling guidance gives. */
export const DEFAULT_RETRY_BASE_MS = 1000;
export const MAX_RETRY_DELAY_MS = 30_000;
/** Five attempts in all: StabilityMatrix retries four times; more only delays the failure a user must act on. */
export const DEFAULT_RETRIES = 4;
/**
 * Longest `Retry-After` waited out. A server asking for more (Civitai's rate limiter can say an hour) gets an
 * error now, with its wait in the message, rather than a process that looks hung.
 */
export const MAX_RETRY_AFTER_S = 120;

/** One retry about to happen, for the CLI to announce (`retry 2/4 in 4 s: connection refused`). */
export interface RetryEvent {
  /** 1 for the first retry. */
  retry: number;
  retries: number;
  delayMs: number;
  failure: NetworkFailure;
  host: string;
}

export interface RetryOptions {
  /** Retries after the first attempt; default DEFAULT_RETRIES. */
  retries?: number;
  retryBaseDelayMs?: number;
  signal?: AbortSignal;
  onRetry?(event: RetryEvent): void;
}

/** The network failure an error stands for: our typed errors, a truncated body, or a raw transport error. */
export function failureOf(error: unknown): NetworkFailure | null {
  if (error instanceof NetworkError) return error.failure ?? null;
  if (error instanceof RateLimitedError) return error.failure;
  if (error instanceof IntegrityError && error.code === "truncated") return { kind: "short-body" };
  return networkFailureOf(error);
}

/** Exponential back-off with "equal jitter": uniform in [c/2, c] where c = min(base·2^attempt, 30 s). */
export function backoffDelay(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** attempt);
  return ceiling / 2 + random() * (ceiling / 2);
}

/**
 * Runs `run` until it succeeds, retrying transient network failures (5xx, 429, resets, timeouts) with back-off or
 * the server's bounded `Retry-After`, and announcing each retry. A reader that fell behind the network is resumed
 * at once and not counted: it made progress. Anything else, or the last failure, is thrown unchanged.
 */
export async function withRetries<T>(host: string, run: () => Promise<T>, options: RetryOptions): Promise<T> {
  const retries = options.retries ?? DEFAULT_RETRIES;
  for (let failures = 0; ; ) {
    try {
      return await run();
    } catch (error) {
      const failure = failureOf(error);
      if (failure === null || options.signal?.aborted || !isRetryableFailure(failure)) throw error;
      if (failure.kind === "reader-behind") continue;
      const retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs;
      if (failures >= retries || (retryAfterMs !== undefined && retryAfterMs > MAX_RETRY_AFTER_S * 1000)) throw error;
      const delayMs = retryAfterMs ?? backoffDelay(failures, options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_MS);
      failures++;
      options.onRetry?.({ retry: failures, retries, delayMs, failure, host });
      await sleep(delayMs, options.signal);
    }
  }
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
