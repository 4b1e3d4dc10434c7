/** Run-to-run figures of one measurement. Benchmarks report the best run (the least disturbed) and the spread. */
export interface Sample {
  /** Milliseconds of every run, in run order. */
  runs: number[];
  best: number;
  worst: number;
  median: number;
  /** (worst − best) / best: how much the machine disturbed the runs. */
  spread: number;
}

export function sampleOf(runs: readonly number[]): Sample {
  if (runs.length === 0) throw new RangeError("a sample needs at least one run");
  const sorted = [...runs].sort((a, b) => a - b);
  const best = sorted[0]!;
  const worst = sorted[sorted.length - 1]!;
  return {
    runs: [...runs],
    best,
    worst,
    median: sorted[Math.floor(sorted.length / 2)]!,
    spread: best > 0 ? (worst - best) / best : 0,
  };
}

export interface Job {
  run(): Promise<unknown>;
  /** Runs before each timed run and is not timed, e.g. to recreate a file a move consumed. */
  prepare?(): Promise<unknown>;
}

/**
 * Times each job `count` times, taking turns, so a machine that slows down or speeds up mid-way (other processes,
 * CPU frequency) shifts every sample alike instead of biasing a comparison.
 */
export async function timeInterleaved(count: number, jobs: readonly Job[]): Promise<Sample[]> {
  const runs = jobs.map(() => [] as number[]);
  for (let i = 0; i < count; i++) {
    for (const [j, job] of jobs.entries()) {
      await job.prepare?.();
      const start = performance.now();
      await job.run();
      runs[j]!.push(performance.now() - start);
    }
  }
  return runs.map(sampleOf);
}

export async function timeRuns(count: number, run: () => Promise<unknown>): Promise<Sample> {
  const [sample] = await timeInterleaved(count, [{ run }]);
  return sample!;
}
