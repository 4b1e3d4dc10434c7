import { Command } from "commander";
import { markerHelp } from "../install/detect-webui.js";
import type { CliContext, OutputStream } from "./context.js";
import { registerAudit } from "./definitions/audit.js";
import { registerConfig } from "./definitions/config.js";
import { registerDownload } from "./definitions/download.js";
import { registerHash } from "./definitions/hash.js";
import { registerInspect } from "./definitions/inspect.js";
import { registerInstall } from "./definitions/install.js";
import { registerSort } from "./definitions/sort.js";
import { registerUndo } from "./definitions/undo.js";
import { readPackageInfo } from "./package-info.js";

/**
 * One register function per file under definitions/; each adds its subcommand with `program.command(…)` and loads
 * the code that runs it (commands/) only when it runs.
 */
const COMMANDS: ReadonlyArray<(program: Command, context: CliContext) => void> = [
  registerInspect,
  registerInstall,
  registerSort,
  registerUndo,
  registerAudit,
  registerHash,
  registerDownload,
  registerConfig,
];

const EXAMPLES = `
Examples:
  $ sdmodels inspect model.safetensors
  $ sdmodels inspect stable-diffusion-webui/models --json
  $ sdmodels install lora.safetensors --webui ~/stable-diffusion-webui
  $ sdmodels install "https://civitai.com/models/4201?modelVersionId=130072" --civitai
  $ sdmodels sort ~/Downloads --webui ~/ComfyUI --dry-run
  $ sdmodels undo
  $ sdmodels audit --webui ~/stable-diffusion-webui --fix --dry-run
  $ sdmodels hash model.safetensors --json
  $ sdmodels download https://huggingface.co/stabilityai/sdxl-vae/blob/main/sdxl_vae.safetensors --to ~/Downloads
  $ sdmodels config webui ~/stable-diffusion-webui
  $ sdmodels help install

Which WebUI: --webui, else $SDMODELS_WEBUI, else the current folder or the nearest one above it that holds one
of these marker sets, else the one remembered by \`sdmodels config webui\`. Folders the UI's own settings move
(webui-user.sh/.bat COMMANDLINE_ARGS, SD.Next config.json, SwarmUI Data/Settings.fds, Fooocus config.txt,
ComfyUI extra_model_paths.yaml, Stability Matrix settings.json) are read, never run.
${markerHelp()
  .map((line) => `  ${line}`)
  .join("\n")}

Exit codes: 0 success, 1 usage error, 2 file error or failure, 3 dangerous file, 4 not authorised,
5 not found, 6 network error, 7 rate limited, 8 integrity (hash or size) mismatch, 9 refused for safety,
130/143 install, sort or undo stopped by SIGINT/SIGTERM (the file in progress put back).
Output: data on stdout, progress and errors on stderr; colour only on a terminal (NO_COLOR is honoured).
`;

/** Commander's own help width when the output is not a terminal. */
const PIPED_HELP_WIDTH = 80;

function helpWidth(stream: OutputStream): number {
  return (stream.isTTY === true ? stream.columns : undefined) ?? PIPED_HELP_WIDTH;
}

/**
 * The commander program. Subcommands are created with `program.command()` so that they inherit the output
 * routing, `exitOverride` and help settings configured here.
 */
export function createProgram(context: CliContext): Command {
  const { name, version, description } = readPackageInfo();
  const { stdout, stderr } = context.io;
  const program = new Command(name)
    .description(description)
    .version(version, "-V, --version", "print the version")
    .option("--json", "print exactly one JSON document on stdout; no colour, no progress")
    .option("--debug", "print stack traces on failure")
    .option("--no-color", "never colour the output")
    .helpOption("-h, --help", "show help")
    .helpCommand("help [command]", "show help for a command")
    .exitOverride()
    .showSuggestionAfterError()
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: (text) => stdout.write(text),
      writeErr: (text) => stderr.write(text),
      // Help wraps to the terminal the CLI writes to, which need not be the process's own (a test's, an embedder's).
      getOutHelpWidth: () => helpWidth(stdout),
      getErrHelpWidth: () => helpWidth(stderr),
      // commander's usage errors arrive as "error: …"; every failure line of the CLI starts with "sdmodels: ".
      outputError: (text, write) => write(`${name}: ${text.replace(/^error: /, "")}`),
    })
    .addHelpText("after", EXAMPLES);
  for (const register of COMMANDS) register(program, context);
  return program;
}
