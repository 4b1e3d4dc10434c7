import { InvalidArgumentError, Option } from "commander";

/**
 * Largest `--jobs`. Each worker is a V8 isolate with its own heap (~35 MB of RSS) and start-up (~0.1–0.2 s), and the
 * pool never gives a worker fewer than 64 files, so past the cores of the largest desktop CPUs more workers only cost
 * memory; a mistyped `--jobs 1000` is refused instead of starting a thousand heaps.
 */
export const MAX_JOBS = 64;

/** A whole number written plainly: no sign, exponent, fraction, hex or surrounding spaces. */
const WHOLE_NUMBER = /^[0-9]+$/;

/** `--jobs` as given: 1 to {@link MAX_JOBS}, else commander's usage error naming the option and the value. */
export function parseJobs(value: string): number {
  const jobs = WHOLE_NUMBER.test(value) ? Number(value) : Number.NaN;
  if (!(jobs >= 1 && jobs <= MAX_JOBS))
    throw new InvalidArgumentError(`It must be a whole number from 1 to ${MAX_JOBS}.`);
  return jobs;
}

/** `-j, --jobs <n>`, the name make, ninja and cargo give the same choice, for every command that inspects many files. */
export function jobsOption(): Option {
  return new Option(
    "-j, --jobs <n>",
    "most threads inspecting files at once: 1 keeps the work on one thread (default: one per core)",
  ).argParser(parseJobs);
}
