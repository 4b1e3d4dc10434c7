import type { ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";

export interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Both output streams of a child started with piped stdout and stderr, and its exit code, once it has closed. */
export function childOutput(child: ChildProcessByStdio<null, Readable, Readable>): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
