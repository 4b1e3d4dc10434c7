/**
 * What a POSIX shell script like `webui-user.sh` leaves in one exported variable, found by reading the script as
 * text: it is never run. `webui.sh` `source`s `webui-user.sh` (after `webui-macos-env.sh` on macOS), so the value
 * the WebUI sees is the last `export NAME=…` (or `NAME=…` of an exported name) the script reaches.
 *
 * The reader splits the file into simple commands the way the shell tokenises them (quotes, backslashes, `#`
 * comments at the start of a word, `;`, `&`, `|` and newlines between commands) and expands `$NAME` / `${NAME}` from
 * the assignments before it and the inherited environment. What it cannot know without running code — command
 * substitution `$(…)`/backticks, `${NAME:-…}`-style operators, `$'…'` strings — makes that assignment unreadable,
 * reported with its line, never guessed. Conditionals are not evaluated: an assignment inside `if … fi` counts.
 */

export interface ShellAssignment {
  value: string;
  /** 1-based line of the assignment word. */
  line: number;
}

export interface ShellVariableResult {
  /** The value the script leaves exported, or null when it exports none (then the inherited value, if any, stands). */
  assignment: ShellAssignment | null;
  /** Lines where the variable is assigned in a way that cannot be read without running the script. */
  unreadable: { line: number; reason: string }[];
  /** Line of an assignment that is never exported, so the WebUI does not see it. */
  notExported: number | null;
}

/** Reserved words that may precede a command on the same line (`then export X=…`). */
const RESERVED = new Set(["if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}"]);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface Word {
  /** Expanded text; null when it needs a command substitution or another runtime-only expansion. */
  value: string | null;
  /** Raw text up to the first unquoted `=`, for recognising `NAME=` assignments. */
  prefix: string;
  line: number;
  unreadable?: string;
}

/**
 * Tracks `name` through `text`. `inherited` is the value the variable has before the script runs (exported
 * environment, or an earlier sourced script), and is what `$name` expands to until the script assigns it.
 */
export function readShellVariable(
  text: string,
  name: string,
  inherited: string | undefined,
  env: NodeJS.ProcessEnv,
): ShellVariableResult {
  const vars = new Map<string, string>();
  let exported = inherited !== undefined;
  let current: ShellAssignment | null = null;
  let pending: ShellAssignment | null = null;
  const unreadable: { line: number; reason: string }[] = [];
  if (inherited !== undefined) vars.set(name, inherited);
  const lookup = (n: string) => vars.get(n) ?? env[n] ?? "";

  for (const command of commands(text, lookup)) {
    let words = command;
    while (words.length > 0 && RESERVED.has(words[0]!.value ?? "")) words = words.slice(1);
    const isExport = words[0]?.value === "export";
    const assignments = isExport ? words.slice(1) : leadingAssignments(words);
    // `NAME=v cmd` sets NAME for that command only: not an assignment the WebUI sees.
    const prefixOnly = !isExport && assignments.length < words.length;
    for (const word of assignments) {
      const eq = word.prefix.indexOf("=");
      const target = eq >= 0 ? word.prefix.slice(0, eq) : (word.value ?? "");
      if (prefixOnly) continue;
      if (target !== name) {
        // Other variables matter as far as `$OTHER` in the tracked one expands to them.
        if (eq >= 0 && word.value !== null) vars.set(target, word.value.slice(word.value.indexOf("=") + 1));
        continue;
      }
      if (eq < 0) {
        // `export NAME`: exports the current value.
        exported = true;
        if (pending) current = pending;
        continue;
      }
      if (word.value === null) {
        unreadable.push({ line: word.line, reason: word.unreadable ?? "runtime expansion" });
        continue;
      }
      const value = word.value.slice(word.value.indexOf("=") + 1);
      vars.set(name, value);
      const assignment = { value, line: word.line };
      if (isExport) exported = true;
      if (exported) current = assignment;
      pending = assignment;
    }
  }
  const notExported = !exported && pending ? pending.line : null;
  return { assignment: current, unreadable, notExported };
}

function leadingAssignments(words: Word[]): Word[] {
  const out: Word[] = [];
  for (const w of words) {
    const eq = w.prefix.indexOf("=");
    if (eq <= 0 || !NAME.test(w.prefix.slice(0, eq))) break;
    out.push(w);
  }
  return out;
}

/**
 * Splits `text` into simple commands of expanded words, one at a time: a command's words are expanded only after
 * the caller has taken the assignments before it, as the shell does.
 */
function* commands(text: string, lookup: (name: string) => string): Generator<Word[]> {
  let command: Word[] = [];
  let i = 0;
  let line = 1;
  const ready: Word[][] = [];
  const endCommand = () => {
    if (command.length > 0) ready.push(command);
    command = [];
  };

  while (i < text.length) {
    yield* ready.splice(0);
    const ch = text[i]!;
    if (ch === "\n") {
      line++;
      i++;
      endCommand();
    } else if (ch === " " || ch === "\t" || ch === "\r") {
      i++;
    } else if (ch === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (ch === ";" || ch === "&" || ch === "|" || ch === "(" || ch === ")") {
      i++;
      endCommand();
    } else if (ch === "\\" && text[i + 1] === "\n") {
      i += 2;
      line++;
    } else {
      const start = line;
      const word = readWord(text, i, lookup);
      line += word.newlines;
      i = word.end;
      command.push({
        value: word.value,
        prefix: word.prefix,
        line: start,
        ...(word.unreadable ? { unreadable: word.unreadable } : {}),
      });
    }
  }
  endCommand();
  yield* ready.splice(0);
}

const WORD_END = " \t\r\n;&|()<>";

function readWord(
  text: string,
  start: number,
  lookup: (name: string) => string,
): { value: string | null; prefix: string; end: number; newlines: number; unreadable?: string } {
  let value = "";
  let prefix = "";
  let sawEquals = false;
  let unreadable: string | undefined;
  let newlines = 0;
  let i = start;
  const add = (s: string, raw = true) => {
    value += s;
    if (!sawEquals) prefix += s;
    if (raw && !sawEquals && s.includes("=")) sawEquals = true;
  };
  const fail = (reason: string) => (unreadable ??= reason);

  const dollar = (inQuotes: boolean): void => {
    const next = text[i + 1];
    if (next === "(" || next === "'") {
      fail(next === "(" ? "command substitution $(…)" : "$'…' string");
      i = skipGroup(text, i + 1, next === "(" ? ")" : "'");
      return;
    }
    if (next === "{") {
      const close = text.indexOf("}", i + 2);
      const inner = close < 0 ? "" : text.slice(i + 2, close);
      if (close < 0 || !NAME.test(inner)) fail(`\${${inner}} expansion`);
      else add(lookup(inner), false);
      i = close < 0 ? text.length : close + 1;
      return;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
    if (m) {
      add(lookup(m[0]), false);
      i += 1 + m[0].length;
    } else if (next !== undefined && /[0-9@*#?$!-]/.test(next)) {
      fail(`$${next}`);
      i += 2;
    } else {
      add("$", inQuotes);
      i++;
    }
  };

  while (i < text.length && !WORD_END.includes(text[i]!)) {
    const ch = text[i]!;
    if (ch === "\\") {
      if (text[i + 1] === "\n") {
        newlines++;
        i += 2;
      } else {
        add(text[i + 1] ?? "", false);
        i += 2;
      }
    } else if (ch === "'") {
      const close = text.indexOf("'", i + 1);
      const literal = close < 0 ? text.slice(i + 1) : text.slice(i + 1, close);
      if (close < 0) fail("unterminated quote");
      newlines += countNewlines(literal);
      add(literal, false);
      i = close < 0 ? text.length : close + 1;
    } else if (ch === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        const c = text[i]!;
        if (c === "\\" && i + 1 < text.length && '$`"\\\n'.includes(text[i + 1]!)) {
          if (text[i + 1] === "\n") newlines++;
          else add(text[i + 1]!, false);
          i += 2;
        } else if (c === "$") {
          dollar(true);
        } else if (c === "`") {
          fail("command substitution `…`");
          i = skipGroup(text, i, "`");
        } else {
          if (c === "\n") newlines++;
          add(c, false);
          i++;
        }
      }
      if (i >= text.length) fail("unterminated quote");
      i++;
    } else if (ch === "$") {
      dollar(false);
    } else if (ch === "`") {
      fail("command substitution `…`");
      i = skipGroup(text, i, "`");
    } else {
      add(ch);
      i++;
    }
  }
  return {
    value: unreadable === undefined ? value : null,
    prefix,
    end: i,
    newlines,
    ...(unreadable ? { unreadable } : {}),
  };
}

/** Index after the `close` that ends the group opened at `open` (parentheses nest). */
function skipGroup(text: string, open: number, close: string): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (close === ")" && c === "(") depth++;
    else if (c === close && (close !== ")" || --depth === 0) && i > open) return i + 1;
  }
  return text.length;
}

function countNewlines(s: string): number {
  let n = 0;
  for (const c of s) if (c === "\n") n++;
  return n;
}
