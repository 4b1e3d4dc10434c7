import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { type FixtureContainer, MODEL_FIXTURES, type ModelFixture } from "../../fixtures/models/catalog.js";
import { containerFileName, writeModelFixture } from "../../fixtures/write-model.js";
import type { Kind } from "../../src/classify/types.js";

/**
 * Shares of a downloads folder by kind, as a WebUI user's folder holds them: mostly LoRAs, then embeddings, a few
 * VAEs, ControlNets and checkpoints. Every catalog model of a kind takes its turn, in every container it ships in.
 */
const KIND_SHARES: readonly (readonly [Kind, number])[] = [
  ["lora", 0.65],
  ["embedding", 0.15],
  ["controlnet", 0.08],
  ["checkpoint", 0.06],
  ["vae", 0.06],
];

/**
 * Bytes a copy grows by per copy index. The planner hashes every candidate that shares its size with another (only
 * those can be duplicates); real downloads differ, and so must these, or `sort` would hash gigabytes of holes.
 * safetensors headers are padded to 8 bytes, torch zip records aligned to 64, so these steps always change the size.
 */
const SAFETENSORS_PAD_STEP = 8;
const TORCH_PAD_STEP = 64;
/** Tries per file to find a size no other file has; a few always suffice, the bound only stops a broken writer. */
const MAX_SIZE_TRIES = 64;

export interface DownloadsFolder {
  dir: string;
  files: { path: string; kind: Kind; container: FixtureContainer; size: number }[];
}

/** The (fixture, container) pairs of `kind`, in catalog order. */
function variantsOf(kind: Kind): { fixture: ModelFixture; container: FixtureContainer }[] {
  return MODEL_FIXTURES.filter((f) => f.expected.kind === kind).flatMap((fixture) =>
    fixture.containers.map((container) => ({ fixture, container })),
  );
}

/**
 * The catalog model written as a distinct download: an inert metadata entry (safetensors) or plain value (torch)
 * makes its size differ from every other copy, the way training metadata makes real files differ.
 */
function distinctCopy(fixture: ModelFixture, container: FixtureContainer, padUnits: number): ModelFixture {
  if (padUnits === 0) return fixture;
  if (container === "safetensors") {
    return { ...fixture, metadata: { ...fixture.metadata, bench_copy: "x".repeat(padUnits * SAFETENSORS_PAD_STEP) } };
  }
  return { ...fixture, values: { ...fixture.values, bench_copy: "x".repeat(padUnits * TORCH_PAD_STEP) } };
}

/** Writes `count` sparse model files of mixed kinds and containers into `dir`, each with a size of its own. */
export async function writeDownloadsFolder(dir: string, count: number): Promise<DownloadsFolder> {
  const files: DownloadsFolder["files"] = [];
  const sizes = new Set<number>();
  const wanted = KIND_SHARES.map(([, share]) => Math.round(count * share));
  // Rounding leftovers go to the largest share.
  wanted[0]! += count - wanted.reduce((a, b) => a + b, 0);
  for (const [k, [kind]] of KIND_SHARES.entries()) {
    const variants = variantsOf(kind);
    for (let i = 0; i < wanted[k]!; i++) {
      const { fixture, container } = variants[i % variants.length]!;
      const name = `${String(files.length).padStart(4, "0")}-${containerFileName(fixture, container)}`;
      let path = "";
      let size = -1;
      for (let pad = Math.floor(i / variants.length), tries = 0; size < 0 || sizes.has(size); pad++, tries++) {
        if (tries === MAX_SIZE_TRIES) throw new Error(`could not give ${name} a size of its own`);
        path = await writeModelFixture(distinctCopy(fixture, container, pad), container, dir, name);
        size = (await stat(path)).size;
      }
      sizes.add(size);
      files.push({ path, kind, container, size });
    }
  }
  return { dir, files };
}

export function describeMix(folder: DownloadsFolder): string {
  const byKind = new Map<string, number>();
  for (const f of folder.files) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
  const containers = new Map<string, number>();
  for (const f of folder.files) containers.set(f.container, (containers.get(f.container) ?? 0) + 1);
  const list = (m: Map<string, number>) => [...m].map(([k, n]) => `${n} ${k}`).join(", ");
  return `${folder.files.length} files in ${basename(folder.dir)}/: ${list(byKind)}; ${list(containers)}`;
}
