import {
  EXIT_FILE_ERROR,
  EXIT_INTEGRITY,
  EXIT_NETWORK,
  EXIT_NOT_AUTHORISED,
  EXIT_NOT_FOUND,
  EXIT_RATE_LIMITED,
  EXIT_USAGE,
} from "../exit-codes.js";
import type { NetworkFailure } from "./network-failure.js";

/**
 * Download and lookup failures. `exitCode` comes from sdmodels' exit-code table (src/exit-codes.ts); the CLI exits
 * with it unchanged. Messages are one line and never contain a token.
 */
export class DownloadError extends Error {
  readonly exitCode: number;
  constructor(
    readonly code: string,
    message: string,
    exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** The input is not a URL or id sdmodels can download, or the server called the request malformed (400). */
export class InvalidSourceError extends DownloadError {
  constructor(message: string) {
    super("INVALID_SOURCE", message, EXIT_USAGE);
  }
}

/** 401/403: a token is missing, wrong, or not enough (early access, gated repo). */
export class NotAuthorizedError extends DownloadError {
  constructor(message: string, readonly status: number) {
    super("NOT_AUTHORIZED", message, EXIT_NOT_AUTHORISED);
  }
}

/** 404/410, or an API answer without a downloadable file (archived, taken down). */
export class NotFoundError extends DownloadError {
  constructor(message: string, readonly status?: number) {
    super("NOT_FOUND", message, EXIT_NOT_FOUND);
  }
}

/** Transport failures and 5xx answers that outlived every retry. `failure` is absent for answers no retry can fix. */
export class NetworkError extends DownloadError {
  readonly failure: NetworkFailure | undefined;
  /** The server's `Retry-After`, when it sent one. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: { cause?: unknown; failure?: NetworkFailure; retryAfterMs?: number }) {
    super("NETWORK", message, EXIT_NETWORK, options);
    this.failure = options?.failure;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** A 429 that outlived every retry. */
export class RateLimitedError extends DownloadError {
  readonly failure: NetworkFailure = { kind: "http-status", status: 429 };
  constructor(message: string, readonly retryAfterMs?: number) {
    super("RATE_LIMITED", message, EXIT_RATE_LIMITED);
  }
}

/** Size or SHA-256 mismatch, a truncated body, or an error page served in place of the file. */
export class IntegrityError extends DownloadError {
  constructor(code: "SIZE_MISMATCH" | "HASH_MISMATCH" | "TRUNCATED" | "ERROR_PAGE", message: string) {
    super(code, message, EXIT_INTEGRITY);
  }
}

/** Any other unexpected HTTP status (a 4xx we have no advice for). */
export class HttpStatusError extends DownloadError {
  constructor(message: string, readonly status: number) {
    super("HTTP_STATUS", message, EXIT_FILE_ERROR);
  }
}

/** The final file already exists and the caller did not allow replacing it. */
export class TargetExistsError extends DownloadError {
  /** `keptAs`: where the finished download was left when the name was taken while it ran. */
  constructor(readonly path: string, readonly keptAs?: string) {
    super("TARGET_EXISTS", `${path} already exists; not overwriting it${keptAs ? ` (the download is kept as ${keptAs})` : ""}`, EXIT_FILE_ERROR);
  }
}

/** An answer no retry can fix: a 2xx body that is not what the API documents, a redirect to no URL. */
export class BadResponseError extends DownloadError {
  constructor(message: string) {
    super("BAD_RESPONSE", message, EXIT_FILE_ERROR);
  }
}
