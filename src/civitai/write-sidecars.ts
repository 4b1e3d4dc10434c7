import { randomBytes } from "node:crypto";
import { rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import type { BaseUrls } from "../download/base-urls.js";
import { downloadFile } from "../download/download-file.js";
import type { TokenSet } from "../download/tokens.js";
import type { CivitaiVersion } from "./schemas.js";

export interface SidecarOptions {
  /** Tokens for the image host, normally none: preview images are public. */
  tokens: TokenSet;
  signal?: AbortSignal;
  /** Replace existing sidecars (default: keep them and skip). */
  overwrite?: boolean;
  baseUrls?: BaseUrls;
  retries?: number;
  retryBaseDelayMs?: number;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Writes `<stem>.civitai.info` (the API's version JSON, unknown fields included, indented as Civitai Helper
 * writes it) and `<stem>.preview.png` (the version's first image of type `image`; Civitai Helper uses the `.png`
 * name whatever the image format, and the WebUIs look for that name). Returns the paths written.
 */
export async function writeCivitaiSidecars(
  modelPath: string,
  version: CivitaiVersion,
  options: SidecarOptions,
): Promise<string[]> {
  const dir = dirname(modelPath);
  const stem = basename(modelPath, extname(modelPath));
  const written: string[] = [];

  const info = join(dir, `${stem}.civitai.info`);
  if (options.overwrite || !(await exists(info))) {
    const temp = `${info}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      await writeFile(temp, `${JSON.stringify(version, null, 4)}\n`);
      await rename(temp, info);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    written.push(info);
  }

  const image = version.images?.find((candidate) => (candidate.type ?? "image") === "image");
  const previewName = `${stem}.preview.png`;
  if (image && (options.overwrite || !(await exists(join(dir, previewName))))) {
    const result = await downloadFile(image.url, {
      dir,
      fileName: previewName,
      tokens: options.tokens,
      signal: options.signal,
      overwrite: options.overwrite,
      baseUrls: options.baseUrls,
      retries: options.retries,
      retryBaseDelayMs: options.retryBaseDelayMs,
    });
    written.push(result.path);
  }
  return written;
}
