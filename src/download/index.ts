export { downloadFile, PART_SUFFIX, type DownloadOptions, type DownloadProgress, type DownloadResult } from "./download-file.js";
export { parseSource, rebaseCivitaiUrl, type ParsedSource } from "./parse-source.js";
export { sanitizeFileName, chooseFileName, fileNameFromContentDisposition, redecodeLatin1, MAX_FILE_NAME_BYTES } from "./file-name.js";
export { createTokenSet, redactQueryTokens, tokenFingerprint, type TokenSet, type TokenSources } from "./tokens.js";
export { baseUrlsFromEnv, DEFAULT_CIVITAI_URL, DEFAULT_HF_URL, type BaseUrls } from "./base-urls.js";
export {
  DownloadError, InvalidSourceError, NotAuthorizedError, NotFoundError, NetworkError, RateLimitedError,
  IntegrityError, HttpStatusError, TargetExistsError, BadResponseError,
} from "./errors.js";
