import { spawn } from "node:child_process";
import { type ChildRun, childOutput } from "../child-output.js";

export type NodeRun = ChildRun;

/** Runs `node <script> …args` with colour off, collecting both streams. */
export function runNode(
  script: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<NodeRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...options.env };
  delete env.FORCE_COLOR;
  return childOutput(
    spawn(process.execPath, [script, ...args], { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] }),
  );
}
