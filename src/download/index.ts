export { type BaseUrls, baseUrlsFromEnv, DEFAULT_CIVITAI_URL, DEFAULT_HF_URL } from "./base-urls.js";
export {
  type DownloadOptions,
  type DownloadProgress,
  type DownloadResult,
  downloadFile,
  PART_SUFFIX,
} from "./download-file.js";
export {
  BadResponseError,
  DownloadError,
  HttpStatusError,
  IntegrityError,
  InvalidSourceError,
  NetworkError,
  NotAuthorizedError,
  NotFoundError,
  RateLimitedError,
  TargetExistsError,
} from "./errors.js";
export {
  chooseFileName,
  fileNameFromContentDisposition,
  MAX_FILE_NAME_BYTES,
  redecodeLatin1,
  sanitizeFileName,
} from "./file-name.js";
export { type ParsedSource, parseSource, rebaseCivitaiUrl } from "./parse-source.js";
export { createTokenSet, redactQueryTokens, type TokenSet, type TokenSources, tokenFingerprint } from "./tokens.js";
