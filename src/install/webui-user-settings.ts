import { dirname, join, relative } from "node:path";
import { readA1111Args } from "./a1111-args.js";
import { readBatchVariable } from "./batch-assignments.js";
import { emptyReading, type FolderSettingsReading } from "./folder-settings.js";
import { readShellVariable, type ShellVariableResult } from "./shell-assignments.js";

/** A launcher script sdmodels may read: its path and text (null when the file does not exist). */
export interface LauncherFile {
  path: string;
  text: string | null;
}

export interface WebuiUserFiles {
  /** `webui-macos-env.sh`: sourced before `webui-user.sh` on macOS only (A1111 `webui.sh`). */
  macosEnv: LauncherFile;
  sh: LauncherFile;
  bat: LauncherFile;
}

const VARIABLE = "COMMANDLINE_ARGS";

/**
 * The folder flags an A1111 or Forge install starts with: `COMMANDLINE_ARGS` as `webui.bat` (Windows) or `webui.sh`
 * (elsewhere; `webui-macos-env.sh` first on macOS) would leave it, then split and read as the WebUI reads it.
 * `inherited` is the variable in the user's environment, which the scripts start from.
 */
export function readWebuiUserSettings(
  files: WebuiUserFiles,
  context: { root: string; platform: NodeJS.Platform; env: NodeJS.ProcessEnv; exists: (path: string) => boolean },
): FolderSettingsReading {
  const scripts =
    context.platform === "win32"
      ? [files.bat]
      : context.platform === "darwin"
        ? [files.macosEnv, files.sh]
        : [files.sh];
  let value = context.env[VARIABLE];
  let source: { file: string; line: number } | null = null;
  const reading = emptyReading();

  for (const script of scripts) {
    if (script.text === null) continue;
    const result: ShellVariableResult & { undefinedNames?: { line: number; name: string }[] } = script.path.endsWith(
      ".bat",
    )
      ? readBatchVariable(script.text, VARIABLE, value, { env: context.env, scriptDir: dirname(script.path) })
      : readShellVariable(script.text, VARIABLE, value, context.env);
    const name = script.path;
    for (const u of result.unreadable) {
      reading.warnings.push(
        `${name}:${u.line}: ${VARIABLE} uses ${u.reason}, which sdmodels does not run; that assignment is not read`,
      );
    }
    for (const u of result.undefinedNames ?? []) {
      reading.warnings.push(`${name}:${u.line}: %${u.name}% is not set here, so it was read as empty`);
    }
    if (result.notExported !== null) {
      reading.warnings.push(
        `${name}:${result.notExported}: ${VARIABLE} is set but never exported, so the WebUI does not see it`,
      );
    }
    if (result.assignment) {
      value = result.assignment.value;
      source = { file: script.path, line: result.assignment.line };
      reading.evidence.push(`${VARIABLE} from ${relative(context.root, script.path)}:${result.assignment.line}`);
    }
  }
  if (value === undefined || value.trim() === "") return reading;
  // Set only in the user's environment: no file to point at (line 0 says so).
  const args = readA1111Args(
    value,
    { ...(source ?? { file: `environment variable ${VARIABLE}`, line: 0 }), cwd: context.root },
    context.exists,
  );
  return {
    ...args,
    evidence: [...reading.evidence, ...args.evidence],
    warnings: [...reading.warnings, ...args.warnings],
  };
}

/** The launcher scripts of an A1111-family install, for {@link readWebuiUserSettings}. */
export function webuiUserPaths(root: string): { macosEnv: string; sh: string; bat: string } {
  return {
    macosEnv: join(root, "webui-macos-env.sh"),
    sh: join(root, "webui-user.sh"),
    bat: join(root, "webui-user.bat"),
  };
}
