import type { DownloadsFolder } from "./data/downloads-folder.js";

/** A file whose every byte is real (random) data: what hashing and copying must actually move. */
export interface RealFile {
  path: string;
  size: number;
}

export interface BenchContext {
  /** Scratch folder on the main disk; everything the bench writes goes under it. */
  workDir: string;
  downloads: DownloadsFolder;
  /** 2 GiB of random bytes with no recognisable header. */
  realPlain: RealFile;
  /** A safetensors checkpoint of about 2 GiB whose data region is random bytes. */
  realSafetensors: RealFile;
  /** Progress for the person waiting, on stderr. */
  log(message: string): void;
}
