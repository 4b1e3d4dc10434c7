import { spawn } from "node:child_process";
import { access, constants } from "node:fs/promises";

/** GNU time: `-v` reports the child's peak resident set ("Maximum resident set size (kbytes)"). */
export const GNU_TIME = "/usr/bin/time";

export interface ChildResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** Peak resident set of the child in bytes, when it was measured. */
  maxRssBytes: number | null;
  /** User plus system CPU time of the child, every thread counted, when it was measured. */
  cpuMs: number | null;
}

/** Runs a command to completion, capturing its output; never throws for a non-zero exit. */
export function runChild(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (exitCode) => {
      resolve({
        exitCode,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        wallMs: performance.now() - start,
        maxRssBytes: null,
        cpuMs: null,
      });
    });
  });
}

export async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** Whether `name` resolves on PATH (as `which` would), without depending on `which` being installed. */
export async function onPath(name: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? "").split(":").filter(Boolean)) {
    if (await isExecutable(`${dir}/${name}`)) return true;
  }
  return false;
}

/** GNU time's report opens with an exit-status line for a failing child, else with the command line. */
const GNU_TIME_REPORT_START = /(Command exited with non-zero status \d+\n)?\tCommand being timed:/;
const MAX_RSS_LINE = /Maximum resident set size \(kbytes\):\s*(\d+)/;
const CPU_LINES = /User time \(seconds\):\s*([\d.]+)\n\s*System time \(seconds\):\s*([\d.]+)/;

/**
 * Runs `command` under GNU time and returns its peak RSS and CPU time with the rest. GNU time appends its report to the child's
 * stderr; the report is cut off so callers see only the child's own output.
 */
export async function runChildWithRss(
  command: string,
  args: readonly string[],
  env?: NodeJS.ProcessEnv,
): Promise<ChildResult> {
  const result = await runChild(GNU_TIME, ["-v", command, ...args], env);
  const match = MAX_RSS_LINE.exec(result.stderr);
  const cpu = CPU_LINES.exec(result.stderr);
  const reportStart = result.stderr.search(GNU_TIME_REPORT_START);
  return {
    ...result,
    stderr: reportStart >= 0 ? result.stderr.slice(0, reportStart) : result.stderr,
    maxRssBytes: match ? Number(match[1]) * 1024 : null,
    cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : null,
  };
}
