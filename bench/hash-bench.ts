import { mkdtemp, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { hashFile } from "../src/hash/index.js";
import { onPath, runChild } from "./child-run.js";
import { cliRunner, missingCommand } from "./cli.js";
import type { BenchContext, RealFile } from "./context.js";
import { formatRateRange, formatRatio, mbPerSecond, met, type Row, skippedRow } from "./results.js";
import { type Sample, timeRuns } from "./timing.js";

/** Runs per tool; the best counts, the spread is shown. */
const HASH_RUNS = 3;
/** sha256sum has no SHA-NI path in most coreutils builds: ~8× slower than openssl, one run on one file says enough. */
const SHA256SUM_RUNS = 1;
/** hashFile must keep up with one openssl SHA-256 stream over the same bytes. */
const GOAL_OPENSSL_RATIO = 0.9;
const SHA256_HEX = /\b[0-9a-f]{64}\b/;

interface HashTarget {
  label: string;
  path: string;
  size: number;
  /** openssl's digest, which every other tool must reproduce. */
  sha256: string;
}

/** Bytes this process has read through syscalls so far (Linux /proc/self/io), or null elsewhere. */
async function processBytesRead(): Promise<number | null> {
  const io = await readFile("/proc/self/io", "utf8").catch(() => null);
  const match = io ? /^rchar:\s*(\d+)$/m.exec(io) : null;
  return match ? Number(match[1]) : null;
}

async function digestOf(command: string, args: string[]): Promise<string> {
  const result = await runChild(command, args);
  const digest = SHA256_HEX.exec(result.stdout)?.[0];
  if (result.exitCode !== 0 || !digest) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr.trim()}`);
  return digest;
}

/** Times a tool `HASH_RUNS` times; a wrong digest is a failure, not a speed. */
async function timeTool(target: HashTarget, run: () => Promise<string>, runs = HASH_RUNS): Promise<Sample> {
  return timeRuns(runs, async () => {
    const digest = await run();
    if (digest !== target.sha256)
      throw new Error(`${target.label}: digest ${digest} differs from openssl's ${target.sha256}`);
  });
}

const rate = (target: HashTarget, sample: Sample) => ({
  best: mbPerSecond(target.size, sample.best),
  worst: mbPerSecond(target.size, sample.worst),
});

function compare(
  figure: string,
  target: HashTarget,
  value: Sample,
  baselineName: string,
  baseline: Sample,
  goal: number | null,
): Row {
  const mine = rate(target, value);
  const theirs = rate(target, baseline);
  const ratio = mine.best / theirs.best;
  return {
    figure,
    value: formatRateRange(mine.best, mine.worst, "MB/s"),
    baseline: `${baselineName} ${formatRateRange(theirs.best, theirs.worst, "MB/s")}`,
    ratio: formatRatio(ratio),
    goal: goal === null ? "n/a" : `≥ ${goal}× ${baselineName}`,
    met: goal === null ? "n/a" : met(ratio >= goal),
  };
}

async function hashTarget(context: BenchContext, label: string, { path, size }: RealFile): Promise<HashTarget> {
  // openssl's first run warms the page cache and gives the digest every tool must match.
  context.log(`hash: warming ${label}`);
  return { label, path, size, sha256: await digestOf("openssl", ["dgst", "-sha256", "-r", path]) };
}

export async function benchHash(context: BenchContext): Promise<Row[]> {
  if (!(await onPath("openssl")))
    return [skippedRow("hashFile vs openssl", "openssl is not on PATH", `≥ ${GOAL_OPENSSL_RATIO}× openssl`)];
  const targets = [
    await hashTarget(context, "2 GiB .bin", context.realPlain),
    await hashTarget(context, "2 GiB .safetensors", context.realSafetensors),
  ];
  const safetensors = targets[1];
  const withSha256sum = await onPath("sha256sum");
  const cliMissing = await missingCommand("hash");
  const cli = await cliRunner();

  const rows: Row[] = [];
  for (const target of targets) {
    context.log(`hash: ${target.label}`);
    const openssl = await timeTool(target, () => digestOf("openssl", ["dgst", "-sha256", "-r", target.path]));
    const sha256sum =
      withSha256sum && target !== safetensors
        ? await timeTool(target, () => digestOf("sha256sum", [target.path]), SHA256SUM_RUNS)
        : null;
    let readBefore: number | null = null;
    let readAfter: number | null = null;
    const library = await timeTool(target, async () => {
      readBefore = await processBytesRead();
      const hashes = await hashFile(target.path);
      readAfter = await processBytesRead();
      return hashes.sha256;
    });
    const streams = target === safetensors ? "SHA-256 + AutoV3 streams" : "SHA-256 + AutoV1";
    rows.push(
      compare(`hashFile ${target.label} (${streams})`, target, library, "openssl", openssl, GOAL_OPENSSL_RATIO),
    );
    if (sha256sum) rows.push(compare(`hashFile ${target.label}`, target, library, "sha256sum", sha256sum, null));
    else if (!withSha256sum)
      rows.push(skippedRow(`hashFile ${target.label} vs sha256sum`, "sha256sum is not on PATH", "n/a"));
    if (readBefore !== null && readAfter !== null) {
      const passes = (readAfter - readBefore) / target.size;
      rows.push({
        figure: `hashFile ${target.label}: bytes read / size`,
        value: `${passes.toFixed(3)} (all four hashes)`,
        baseline: "one read pass 1.000",
        ratio: formatRatio(passes),
        goal: "one pass",
        met: met(passes < 1.01),
      });
    }
    if (cliMissing) {
      rows.push(skippedRow(`sdmodels hash ${target.label} --json`, cliMissing, `≥ ${GOAL_OPENSSL_RATIO}× openssl`));
    } else {
      const command = await timeTool(target, async () => {
        // A fresh state folder per run: a cached hash would time a JSON lookup, not hashing.
        const state = await mkdtemp(join(context.workDir, "state-"));
        const result = await cli
          .run(["hash", target.path, "--json"], { SDMODELS_STATE_DIR: state })
          .finally(() => rm(state, { recursive: true, force: true }));
        if (result.exitCode !== 0)
          throw new Error(`sdmodels hash failed (${result.exitCode}): ${result.stderr.trim()}`);
        return SHA256_HEX.exec(result.stdout)?.[0] ?? "no digest in the output";
      });
      rows.push(
        compare(`sdmodels hash ${target.label} --json`, target, command, "openssl", openssl, GOAL_OPENSSL_RATIO),
      );
    }
  }
  return rows;
}
