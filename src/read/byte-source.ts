import { readSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { setImmediate as nextTurn } from "node:timers/promises";
import { openRegularFile } from "./open-regular-file.js";

/** A stretch of a file to read: `length` bytes at `offset`. */
export interface ByteRange {
  offset: number;
  length: number;
}

/**
 * Reads in one batch between two turns of the event loop. A batch reads small scattered records (a zip's local
 * headers) synchronously, ~1–2 µs each from the page cache against ~10–20 µs for a read through the thread pool;
 * yielding after this many keeps a cold disk from holding up progress output and signals for long.
 */
const RANGES_PER_TURN = 256;

/**
 * Random access to a file that counts every byte it hands out. Readers take a ByteSource instead of a path so
 * tests (and `inspect --json`) can prove that classification read only header bytes.
 */
export interface ByteSource {
  readonly size: number;
  /** Bytes handed out so far. */
  readonly bytesRead: number;
  /** Reads up to `length` bytes at `offset`; shorter only at end of file. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * The same as {@link read} of each range, in order, for a source that reads many small ranges faster at once
   * than one by one. Callers go through {@link readRanges}, which falls back to `read`.
   */
  readRanges?(ranges: readonly ByteRange[]): Promise<Uint8Array[]>;
}

/** Every range's bytes, in order: in one batch when the source has one, else by parallel reads. */
export function readRanges(source: ByteSource, ranges: readonly ByteRange[]): Promise<Uint8Array[]> {
  if (source.readRanges) return source.readRanges(ranges);
  return Promise.all(ranges.map(({ offset, length }) => source.read(offset, length)));
}

function checkRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`invalid read of ${length} bytes at ${offset}`);
  }
}

export interface FileSource extends ByteSource {
  readonly path: string;
  close(): Promise<void>;
}

class FileByteSource implements FileSource {
  bytesRead = 0;

  constructor(
    readonly path: string,
    readonly size: number,
    private readonly handle: FileHandle,
  ) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(offset, length);
    const wanted = this.available({ offset, length });
    const buffer = new Uint8Array(wanted);
    let filled = 0;
    // 0 bytes: the file shrank while we read it; part of the loop's condition so that no pass can ask again
    for (let got = -1; filled < wanted && got !== 0; filled += got) {
      ({ bytesRead: got } = await this.handle.read(buffer, filled, wanted - filled, offset + filled));
    }
    this.bytesRead += filled;
    return filled === wanted ? buffer : buffer.subarray(0, filled);
  }

  async readRanges(ranges: readonly ByteRange[]): Promise<Uint8Array[]> {
    for (const { offset, length } of ranges) checkRange(offset, length);
    const out: Uint8Array[] = [];
    for (let start = 0; start < ranges.length; start += RANGES_PER_TURN) {
      if (start > 0) await nextTurn();
      const turn = ranges.slice(start, start + RANGES_PER_TURN);
      // one allocation per turn: a typed array over 64 bytes is a separate native allocation in V8
      const block = new Uint8Array(turn.reduce((sum, range) => sum + this.available(range), 0));
      let at = 0;
      for (const range of turn) {
        const wanted = this.available(range);
        let filled = 0;
        // as in read: a synchronous loop that asked again at end of file would block the process for good
        for (let got = -1; filled < wanted && got !== 0; filled += got) {
          got = readSync(this.handle.fd, block, at + filled, wanted - filled, range.offset + filled);
        }
        this.bytesRead += filled;
        out.push(block.subarray(at, at + filled));
        at += wanted;
      }
    }
    return out;
  }

  /** How much of a range lies inside the file. */
  private available({ offset, length }: ByteRange): number {
    return Math.max(0, Math.min(length, this.size - offset));
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** Opens a regular file only: a FIFO, socket or device is refused unopened ({@link openRegularFile}). */
export async function openFileSource(path: string): Promise<FileSource> {
  const { handle, info } = await openRegularFile(path);
  return new FileByteSource(path, info.size, handle);
}

/** An in-memory source, for tests and for records already read out of a container. */
export function bufferSource(bytes: Uint8Array): ByteSource {
  let bytesRead = 0;
  return {
    size: bytes.length,
    get bytesRead() {
      return bytesRead;
    },
    async read(offset: number, length: number) {
      const slice = bytes.subarray(offset, Math.min(bytes.length, offset + length));
      bytesRead += slice.length;
      return slice;
    },
  };
}
