import type { ByteSource } from "./byte-source.js";
import { GgufError } from "./gguf-format.js";

/**
 * Bytes fetched per read while walking a GGUF header. A diffusion model's header (names, dims, a few keys) is tens of
 * KB, so one read usually covers it; an LLM text encoder's tokenizer table takes a few hundred.
 */
const READ_CHUNK = 64 * 1024;

/**
 * Sequential reader over the front of a GGUF file. Every length is checked against the end of the file and the
 * header budget before anything is read or allocated, and skipped bytes (long arrays nobody displays) are never
 * read at all: the source's byte count proves the tensor data was not touched.
 */
export class GgufCursor {
  /** Absolute file offset of the next byte. */
  pos = 0;
  /** Byte order of every multi-byte number; set from the version field (big-endian files exist since version 3). */
  littleEndian = true;
  /** Width of counts, lengths and dimensions: 4 bytes in version 1, 8 since version 2. */
  sizeBytes: 4 | 8 = 8;
  private chunk: Uint8Array = new Uint8Array(0);
  private chunkStart = 0;
  private view = new DataView(this.chunk.buffer);

  constructor(
    private readonly source: ByteSource,
    /** Most header bytes walked; past it the header is refused. */
    private readonly budget: number,
  ) {}

  /** Makes [pos, pos+n) available in `chunk`, and returns its index there. */
  private async ensure(n: number, what: string): Promise<number> {
    const end = this.pos + n;
    if (end > this.source.size) {
      throw new GgufError(
        "header-truncated",
        `header ends early: ${what} at byte ${this.pos} runs past the end of the file (${this.source.size} bytes)`,
      );
    }
    if (end > this.budget) throw this.tooLarge();
    const chunkEnd = this.chunkStart + this.chunk.length;
    if (this.pos < this.chunkStart || end > chunkEnd) {
      const length = Math.min(Math.max(n, READ_CHUNK), this.source.size - this.pos, this.budget - this.pos);
      this.chunk = await this.source.read(this.pos, length);
      this.chunkStart = this.pos;
      this.view = new DataView(this.chunk.buffer, this.chunk.byteOffset, this.chunk.byteLength);
      if (this.chunk.length < n) {
        throw new GgufError("header-truncated", `header ends early: the file shrank while ${what} was read`);
      }
    }
    return this.pos - this.chunkStart;
  }

  private tooLarge(): GgufError {
    return new GgufError(
      "header-too-large",
      `header runs past ${this.budget} bytes, far beyond any model's tensor table and metadata`,
    );
  }

  /** Bytes left before the end of the file or the budget, whichever comes first. */
  remaining(): number {
    return Math.min(this.source.size, this.budget) - this.pos;
  }

  /** Moves past `n` bytes without reading them. */
  skip(n: number, what: string): void {
    if (this.pos + n > this.source.size) {
      throw new GgufError(
        "header-truncated",
        `header ends early: ${what} at byte ${this.pos} runs past the end of the file (${this.source.size} bytes)`,
      );
    }
    if (this.pos + n > this.budget) throw this.tooLarge();
    this.pos += n;
  }

  async u8(what: string): Promise<number> {
    const at = await this.ensure(1, what);
    this.pos += 1;
    return this.view.getUint8(at);
  }

  async u32(what: string): Promise<number> {
    const at = await this.ensure(4, what);
    this.pos += 4;
    return this.view.getUint32(at, this.littleEndian);
  }

  async u64(what: string): Promise<bigint> {
    const at = await this.ensure(8, what);
    this.pos += 8;
    return this.view.getBigUint64(at, this.littleEndian);
  }

  /** A count, length or dimension, in the width of the file's version. */
  async size(what: string): Promise<bigint> {
    return this.sizeBytes === 4 ? BigInt(await this.u32(what)) : this.u64(what);
  }

  /** A fixed-size scalar of `bytes` bytes, decoded by `decode` from its offset in the view in the file's byte order. */
  async scalar<T>(
    bytes: number,
    what: string,
    decode: (view: DataView, at: number, littleEndian: boolean) => T,
  ): Promise<T> {
    const at = await this.ensure(bytes, what);
    this.pos += bytes;
    return decode(this.view, at, this.littleEndian);
  }

  async bytes(n: number, what: string): Promise<Uint8Array> {
    const at = await this.ensure(n, what);
    this.pos += n;
    // A copy, so a kept string does not pin the whole chunk.
    return this.chunk.slice(at, at + n);
  }
}
