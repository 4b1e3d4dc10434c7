import { mkdir, open, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MODEL_FIXTURES } from "../../fixtures/models/catalog.js";
import { writeModelFixture } from "../../fixtures/write-model.js";

/**
 * LoRAs whose header is at most this many bytes join the small-files folder: the catalog's big LoRAs carry
 * 100–340 KB of header JSON each, which at 100,000 files would be tens of gigabytes of real (non-sparse) bytes.
 */
const SMALL_HEADER_BYTES = 64 * 1024;
/** Files written at once: enough to keep the disk busy, few enough not to run out of descriptors. */
const WRITE_CONCURRENCY = 32;
/** safetensors headers are padded to 8 bytes: each copy's metadata grows by this, so every size is distinct. */
const PAD_STEP = 8;

interface Template {
  header: Record<string, unknown>;
  dataBytes: number;
  name: string;
}

/** A safetensors header with `bench_copy` metadata of `pad` steps: as the reference writer lays it out. */
function headerBytes(template: Template, pad: number): Buffer {
  const { __metadata__: metadata, ...tensors } = template.header as { __metadata__?: Record<string, string> };
  let json = JSON.stringify({ __metadata__: { ...metadata, bench_copy: "x".repeat(pad * PAD_STEP) }, ...tensors });
  json += " ".repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const text = Buffer.from(json);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(text.length));
  return Buffer.concat([prefix, text]);
}

/** The catalog's safetensors embeddings and small LoRAs, each written once and kept as header + data length. */
async function templates(dir: string): Promise<Template[]> {
  await mkdir(dir, { recursive: true });
  const out: Template[] = [];
  for (const fixture of MODEL_FIXTURES) {
    if (!["embedding", "lora"].includes(fixture.expected.kind) || !fixture.containers.includes("safetensors")) continue;
    const path = await writeModelFixture(fixture, "safetensors", dir, `${fixture.id}.safetensors`);
    const handle = await open(path, "r");
    try {
      const prefix = Buffer.alloc(8);
      await handle.read(prefix, 0, 8, 0);
      const length = Number(prefix.readBigUInt64LE(0));
      if (length > SMALL_HEADER_BYTES) continue;
      const text = Buffer.alloc(length);
      await handle.read(text, 0, length, 8);
      out.push({
        header: JSON.parse(text.toString("utf8")),
        dataBytes: (await handle.stat()).size - 8 - length,
        name: fixture.id,
      });
    } finally {
      await handle.close();
    }
  }
  return out;
}

/**
 * `count` small safetensors files (embeddings and LoRAs from the catalog, data regions sparse), each a size of its
 * own so `sort` hashes none as a possible duplicate. Written once: a folder with a `<dir>.complete-<count>` marker
 * beside it (kept with SDMODELS_BENCH_DIR) is reused as it is.
 */
export async function writeSmallFilesFolder(
  dir: string,
  count: number,
): Promise<{ dir: string; count: number; templates: number }> {
  const marker = `${dir}.complete-${count}`;
  const made = await templates(join(dir, "..", "small-templates"));
  if (
    await stat(marker).then(
      () => true,
      () => false,
    )
  )
    return { dir, count, templates: made.length };
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  // Sizes by arithmetic: `bench_copy` grows by 8 bytes a step, so header and file grow by exactly 8 bytes a step
  // (the padding to 8 is unchanged). Each file's header is built only when it is written: 100,000 at once would
  // hold gigabytes.
  const bases = made.map((template) => headerBytes(template, 0).length + template.dataBytes);
  const sizes = new Set<number>();
  const jobs: { path: string; template: Template; pad: number; size: number }[] = [];
  for (let i = 0; i < count; i++) {
    const t = i % made.length;
    const template = made[t] as Template;
    let pad = Math.floor(i / made.length);
    while (sizes.has((bases[t] as number) + pad * PAD_STEP)) pad++;
    const size = (bases[t] as number) + pad * PAD_STEP;
    sizes.add(size);
    jobs.push({ path: join(dir, `${String(i).padStart(6, "0")}-${template.name}.safetensors`), template, pad, size });
  }
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++] as (typeof jobs)[number];
      const head = headerBytes(job.template, job.pad);
      if (head.length + job.template.dataBytes !== job.size)
        throw new Error(`${job.path}: header size arithmetic is off`);
      const handle = await open(job.path, "w");
      try {
        await handle.write(head, 0, head.length, 0);
        await handle.truncate(job.size);
      } finally {
        await handle.close();
      }
    }
  };
  await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker));
  if ((await readdir(dir)).length !== count) throw new Error(`${dir}: expected ${count} files`);
  await writeFile(marker, "");
  return { dir, count, templates: made.length };
}
