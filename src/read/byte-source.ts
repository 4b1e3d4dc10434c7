import type { FileHandle } from "node:fs/promises";
import { openRegularFile } from "./open-regular-file.js";

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
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw new RangeError(`invalid read of ${length} bytes at ${offset}`);
    }
    const wanted = Math.max(0, Math.min(length, this.size - offset));
    const buffer = new Uint8Array(wanted);
    let filled = 0;
    while (filled < wanted) {
      const { bytesRead } = await this.handle.read(buffer, filled, wanted - filled, offset + filled);
      if (bytesRead === 0) break; // the file shrank while we read it
      filled += bytesRead;
    }
    this.bytesRead += filled;
    return filled === wanted ? buffer : buffer.subarray(0, filled);
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
