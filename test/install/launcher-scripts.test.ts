import { describe, expect, it } from "vitest";
import { readBatchVariable } from "../../src/install/batch-assignments.js";
import { readShellVariable } from "../../src/install/shell-assignments.js";

const V = "COMMANDLINE_ARGS";

describe("readShellVariable (webui-user.sh, never run)", () => {
  it.each([
    ["plain export", 'export COMMANDLINE_ARGS="--a"\n', "--a", 1],
    ["single quotes keep $ and backslashes", "export COMMANDLINE_ARGS='--x $HOME \\\\m'\n", "--x $HOME \\\\m", 1],
    ["later export of an earlier assignment", 'COMMANDLINE_ARGS="--b"\necho hi; export COMMANDLINE_ARGS\n', "--b", 1],
    ["several commands on one line", 'A=1; export COMMANDLINE_ARGS="--c $A" && true\n', "--c 1", 1],
    ["assignment inside if … then", 'if [ -d /x ]; then export COMMANDLINE_ARGS="--d"; fi\n', "--d", 1],
    [
      "a prefix assignment only sets the variable for that command",
      'export COMMANDLINE_ARGS="--e"\nCOMMANDLINE_ARGS="--f" ./webui.sh\n',
      "--e",
      1,
    ],
    ["line continuation and a multi-line quoted value", 'export \\\n COMMANDLINE_ARGS="--g\n--h"\n', "--g\n--h", 2],
    ["# inside a word is not a comment", "export COMMANDLINE_ARGS=--i#j # comment\n", "--i#j", 1],
  ])("%s", (_name, text, value, line) => {
    expect(readShellVariable(text, V, undefined, {}).assignment).toEqual({ value, line });
  });

  it("expands $VAR from earlier assignments, then the environment; unknown ones are empty as in the shell", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, where ${BASE} is the shell's expansion
    const text = 'BASE=/m\nexport COMMANDLINE_ARGS="--ckpt-dir ${BASE}/sd --lora-dir $HOME/l $NOPE"\n';
    expect(readShellVariable(text, V, undefined, { HOME: "/home/u" }).assignment?.value).toBe(
      "--ckpt-dir /m/sd --lora-dir /home/u/l ",
    );
  });

  it("reports what needs code to run instead of guessing, and an assignment never exported", () => {
    const result = readShellVariable(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, where ${X:-y} is the shell's expansion
      'export COMMANDLINE_ARGS="`cat a`"\nexport COMMANDLINE_ARGS="${X:-y}"\n',
      V,
      undefined,
      {},
    );
    expect(result.assignment).toBeNull();
    expect(result.unreadable.map((u) => u.line)).toEqual([1, 2]);
    expect(readShellVariable('COMMANDLINE_ARGS="--z"\n', V, undefined, {}).notExported).toBe(1);
    // Already in the environment: a plain assignment updates what the WebUI sees.
    expect(readShellVariable('COMMANDLINE_ARGS="$COMMANDLINE_ARGS --z"\n', V, "--y", {}).assignment?.value).toBe(
      "--y --z",
    );
  });
});

describe("readBatchVariable (webui-user.bat, never run)", () => {
  const read = (text: string, env: NodeJS.ProcessEnv = {}) =>
    readBatchVariable(text, V, undefined, { env, scriptDir: "C:\\sd" });

  it.each([
    ["set with quotes kept in the value", 'set COMMANDLINE_ARGS=--ckpt-dir "D:\\m x"', '--ckpt-dir "D:\\m x"'],
    [
      'set "NAME=value" takes what lies inside the outer quotes',
      'set "COMMANDLINE_ARGS=--a "q" b" ignored',
      '--a "q" b',
    ],
    ["an unquoted & ends the command", "set COMMANDLINE_ARGS=--a & call webui.bat", "--a "],
    ["^ escapes outside quotes, not inside", 'set COMMANDLINE_ARGS=--a ^& "b^c"', '--a & "b^c"'],
    [
      "%% is a percent sign, %~dp0 the script's folder",
      "set COMMANDLINE_ARGS=--p 100%% --ckpt-dir %~dp0models",
      "--p 100% --ckpt-dir C:\\sd\\models",
    ],
    [
      "names are case-insensitive",
      "set commandline_args=--lower\r\nSET COMMANDLINE_ARGS=%CommandLine_Args% --upper",
      "--lower --upper",
    ],
  ])("%s", (_name, text, value) => {
    expect(read(text).assignment?.value).toBe(value);
  });

  it("reports variables that are not set, and skips rem and :: lines", () => {
    const result = read(
      "rem set COMMANDLINE_ARGS=--old %NOPE%\r\n:: set COMMANDLINE_ARGS=--older\r\n" +
        "set COMMANDLINE_ARGS=--ckpt-dir %MODELS%\\sd\r\n",
    );
    expect(result.assignment).toEqual({ value: "--ckpt-dir \\sd", line: 3 });
    expect(result.undefinedNames).toEqual([{ line: 3, name: "MODELS" }]);
    expect(read("set COMMANDLINE_ARGS=--ckpt-dir %MODELS%\\sd", { MODELS: "E:\\m" }).assignment?.value).toBe(
      "--ckpt-dir E:\\m\\sd",
    );
  });
});
