import type { ShellVariableResult } from "./shell-assignments.js";

/**
 * What a Windows batch file like `webui-user.bat` leaves in one variable, read as text and never run. The WebUI's
 * `webui-user.bat` does `set COMMANDLINE_ARGS=…` and then `call webui.bat`; Python reads the variable from its
 * environment, so the value is the last `set` the file reaches, after cmd.exe's own processing of the line:
 *
 * - `^` at the end of a line (outside quotes) joins the next line; `^x` outside quotes is a literal `x`;
 * - `set NAME=value` takes everything after `=` up to an unquoted `&`, `|`, `<` or `>` (quotes are kept in the
 *   value); `set "NAME=value"` takes what lies between the first `"` and the last one on the line;
 * - `%NAME%` expands (names are case-insensitive; undefined ones expand to nothing in a batch file, and are
 *   reported), `%%` is `%`, `%~dp0` is the batch file's own folder with a trailing backslash;
 * - `rem` and `::` lines are comments. `!NAME!` (delayed expansion) and `set /a`, `set /p` are not read.
 *
 * Conditionals (`if … set …`) are not evaluated: the assignment counts.
 */
export function readBatchVariable(
  text: string,
  name: string,
  inherited: string | undefined,
  context: { env: NodeJS.ProcessEnv; scriptDir: string },
): ShellVariableResult & { undefinedNames: { line: number; name: string }[] } {
  const vars = new Map<string, string>();
  if (inherited !== undefined) vars.set(name.toUpperCase(), inherited);
  const envUpper = new Map(Object.entries(context.env).map(([k, v]) => [k.toUpperCase(), v ?? ""]));
  const undefinedNames: { line: number; name: string }[] = [];
  let current: { value: string; line: number } | null = null;

  const physical = text.split(/\r?\n/);
  for (let index = 0; index < physical.length; index++) {
    const lineNumber = index + 1;
    let logical = physical[index]!;
    if (/^\s*@?(rem\b|::)/i.test(logical)) continue;
    // Caret continuation: an unquoted ^ as the last character joins the next physical line.
    while (endsWithContinuation(logical) && index + 1 < physical.length) {
      logical = logical.slice(0, -1) + physical[++index]!;
    }
    const expanded = expandPercents(logical, (n) => {
      if (n === "~dp0") return `${context.scriptDir.replace(/[\\/]+$/, "")}\\`;
      const value = vars.get(n.toUpperCase()) ?? envUpper.get(n.toUpperCase());
      if (value === undefined) undefinedNames.push({ line: lineNumber, name: n });
      return value ?? "";
    });
    const set = parseSet(expanded.trimStart().replace(/^@/, ""));
    if (!set || set.name.toUpperCase() !== name.toUpperCase()) {
      if (set) vars.set(set.name.toUpperCase(), set.value);
      continue;
    }
    vars.set(name.toUpperCase(), set.value);
    current = { value: set.value, line: lineNumber };
  }
  return {
    assignment: current,
    unreadable: [],
    notExported: null,
    undefinedNames: undefinedNames.filter((u) => u.name.toUpperCase() !== name.toUpperCase()),
  };
}

function endsWithContinuation(line: string): boolean {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (c === "^" && !quoted) {
      if (i === line.length - 1) return true;
      i++;
    }
  }
  return false;
}

/** `%NAME%` → its value, `%%` → `%`; a lone `%` stays. */
function expandPercents(line: string, value: (name: string) => string): string {
  return line.replace(/%%|%~dp0|%([^%\s]+)%/gi, (match, name?: string) => {
    if (match === "%%") return "%";
    if (match.toLowerCase() === "%~dp0") return value("~dp0");
    return value(name!);
  });
}

/** A `set NAME=value` or `set "NAME=value"` command after percent expansion; null for anything else. */
function parseSet(line: string): { name: string; value: string } | null {
  const m = /^set(?:\s+|(?="))(.*)$/i.exec(line);
  if (!m) return null;
  let rest = m[1]!;
  if (/^\/[ap]\b/i.test(rest)) return null;
  let text: string;
  if (rest.startsWith('"')) {
    const last = rest.lastIndexOf('"');
    text = last > 0 ? rest.slice(1, last) : rest.slice(1);
  } else {
    text = unescapeCarets(rest);
  }
  const eq = text.indexOf("=");
  if (eq <= 0) return null;
  rest = text.slice(eq + 1);
  return { name: text.slice(0, eq), value: rest };
}

/** Outside quotes, `^x` is a literal `x` and `&`, `|`, `<`, `>` end the command; inside quotes nothing is special. */
function unescapeCarets(text: string): string {
  let out = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      quoted = !quoted;
      out += c;
    } else if (!quoted && c === "^") {
      out += text[++i] ?? "";
    } else if (!quoted && "&|<>".includes(c)) {
      break;
    } else out += c;
  }
  return out;
}
