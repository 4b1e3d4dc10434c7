import { type Dispatcher, EnvHttpProxyAgent } from "undici";

/**
 * A dead host must be noticed in seconds, not after undici's five-minute defaults. Ten seconds covers a TCP or TLS
 * handshake across the world several times over; curl and pip use 10-15 s connect timeouts too.
 */
export const CONNECT_TIMEOUT_S = 10;
/**
 * Longest silence tolerated while waiting for response headers or between body bytes. Civitai's download endpoint
 * answers within a few seconds; storage that sends nothing for 30 s is stalled, and a retry resumes from the part.
 */
export const IDLE_TIMEOUT_S = 30;

export interface NetworkOptions {
  /** Where HTTPS_PROXY / HTTP_PROXY / NO_PROXY are read (lower-case forms first, as curl does); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default CONNECT_TIMEOUT_S; tests shorten it. */
  connectTimeoutMs?: number;
  /** Default IDLE_TIMEOUT_S; tests shorten it. */
  idleTimeoutMs?: number;
}

export interface NetworkSettings {
  dispatcher: Dispatcher;
  idleTimeoutMs: number;
}

const dispatchers = new Map<string, Dispatcher>();

/**
 * One dispatcher per proxy and timeout setting for the life of the process, so connections are reused across
 * requests. undici's EnvHttpProxyAgent tunnels https through HTTPS_PROXY (CONNECT) and forwards http through
 * HTTP_PROXY, except for hosts NO_PROXY names; without those variables it connects directly.
 */
export function networkSettings(options: NetworkOptions = {}): NetworkSettings {
  const env = options.env ?? process.env;
  const connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_S * 1000;
  const idleTimeoutMs = options.idleTimeoutMs ?? IDLE_TIMEOUT_S * 1000;
  const proxies = {
    // "" (not undefined): undici would fall back to process.env, which a caller's own env must override.
    httpProxy: env.http_proxy || env.HTTP_PROXY || "",
    httpsProxy: env.https_proxy || env.HTTPS_PROXY || "",
    noProxy: env.no_proxy ?? env.NO_PROXY ?? "",
  };
  const key = JSON.stringify([proxies, connectTimeoutMs]);
  let dispatcher = dispatchers.get(key);
  if (!dispatcher) {
    dispatcher = new EnvHttpProxyAgent({ ...proxies, connect: { timeout: connectTimeoutMs } });
    dispatchers.set(key, dispatcher);
  }
  return { dispatcher, idleTimeoutMs };
}
