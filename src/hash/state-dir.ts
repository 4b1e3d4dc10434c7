import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The directory sdmodels keeps state in: `SDMODELS_STATE_DIR`, else `$XDG_STATE_HOME/sdmodels`, else
 * `~/.local/state/sdmodels` (XDG Base Directory spec: state that survives restarts but is not user data).
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SDMODELS_STATE_DIR) return env.SDMODELS_STATE_DIR;
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, "sdmodels");
  return join(homedir(), ".local", "state", "sdmodels");
}

export function defaultHashCachePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), "hashes.json");
}
