import { stat } from "node:fs/promises";
import { createFileHasher } from "../../app/file-hasher.js";
import { formatBytes } from "../../app/format-bytes.js";
import type { CliIo, GlobalOptions } from "../context.js";
import { EXIT_OK } from "../exit-codes.js";
import { colorEnabled, createPalette } from "../output/color.js";
import { writeJson } from "../output/json.js";
import { outputWidth, renderTable } from "../output/table.js";
import { progressEnabled, startStatus } from "../progress.js";

/** A path given to `hash` is missing or not a file; nothing was hashed. */
export class HashArgumentError extends Error {
  readonly code = "hash-argument";
  override readonly name = "HashArgumentError";
}

/** One element of `hash --json`. */
export interface HashReport {
  path: string;
  size: number;
  sha256: string;
  autov2: string;
  autov1: string | null;
  autov3: string | null;
  cached: boolean;
}

export async function runHash(
  paths: readonly string[],
  flags: { cache: boolean },
  options: GlobalOptions,
  io: CliIo,
): Promise<number> {
  // Every path is checked before any is read: a typo in the last argument should not cost an hour of hashing first.
  for (const path of paths) {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      throw new HashArgumentError(`${path}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
    });
    if (!info.isFile()) throw new HashArgumentError(`${path}: not a file`);
  }
  const status = await startStatus("Hashing…", {
    stream: io.stderr,
    enabled: progressEnabled(io.stderr, options.json),
    color: colorEnabled(io.stderr, io.env, options.color),
  });
  const hasher = createFileHasher({ env: io.env, useCache: flags.cache, status });
  const reports: HashReport[] = [];
  try {
    for (const path of paths) {
      const h = await hasher.hash(path);
      reports.push({
        path,
        size: h.size,
        sha256: h.sha256,
        autov2: h.autov2,
        autov1: h.autov1,
        autov3: h.autov3,
        cached: h.cached,
      });
    }
    await hasher.save();
  } finally {
    status.stop();
  }
  if (options.json) writeJson(io.stdout, reports);
  else {
    const palette = createPalette(colorEnabled(io.stdout, io.env, options.color));
    io.stdout.write(
      renderTable(
        [
          { header: "FILE", value: (r: HashReport) => r.path, shrink: "middle", minWidth: 16 },
          { header: "SIZE", value: (r) => formatBytes(r.size), shrink: "none" },
          { header: "SHA256", value: (r) => r.sha256, shrink: "none" },
          { header: "AUTOV2", value: (r) => r.autov2, shrink: "none" },
          { header: "AUTOV1", value: (r) => r.autov1 ?? "-", shrink: "none" },
          { header: "AUTOV3", value: (r) => r.autov3 ?? "-", shrink: "none" },
        ],
        reports,
        { width: outputWidth(io.stdout, io.env), header: palette.bold },
      ),
    );
  }
  return EXIT_OK;
}
