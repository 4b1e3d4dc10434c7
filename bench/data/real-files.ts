import { join } from "node:path";
import { MODEL_FIXTURES } from "../../fixtures/models/catalog.js";
import type { RealFile } from "../context.js";
import { writeRandomFile, writeRandomSafetensors } from "./random-file.js";
import { scaledFixture } from "./scaled-fixture.js";

/** 2 GiB: long enough that start-up and the last partial chunk vanish, small enough to stay in the page cache. */
export const REAL_FILE_BYTES = 2 * 1024 ** 3;

/** The two real-data files hashing and cross-disk copying are measured on. */
export async function writeRealFiles(dir: string): Promise<{ realPlain: RealFile; realSafetensors: RealFile }> {
  const plain = join(dir, "real-random.bin");
  await writeRandomFile(plain, REAL_FILE_BYTES);
  const checkpoint = MODEL_FIXTURES.find((f) => f.id === "sd1-checkpoint-ldm-safetensors");
  if (!checkpoint) throw new Error("the catalog has no sd1-checkpoint-ldm-safetensors to take a header from");
  const safetensors = join(dir, "real-checkpoint.safetensors");
  const size = await writeRandomSafetensors(safetensors, scaledFixture(checkpoint, REAL_FILE_BYTES));
  return { realPlain: { path: plain, size: REAL_FILE_BYTES }, realSafetensors: { path: safetensors, size } };
}
