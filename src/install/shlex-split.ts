/**
 * Python's `shlex.split(s)` (POSIX mode, no comments), which is how AUTOMATIC1111, Forge and SD.Next turn the
 * `COMMANDLINE_ARGS` environment variable into arguments (`modules/paths_internal.py`: `sys.argv +=
 * shlex.split(commandline_args)`). It is a port of CPython's `shlex.read_token` state machine for exactly the
 * settings `split` uses (`whitespace_split = True`, `commenters = ""`, `posix = True`), not a shell parser: the
 * folder a WebUI reads is the folder this returns, including its surprises —
 *
 * - `#` is an ordinary character (`split` turns comments off), so `--lora-dir /m/#1` is one path;
 * - a backslash outside quotes escapes the next character and disappears: `D:\models\sd` becomes `D:modelssd`;
 * - inside double quotes a backslash escapes only `"` and `\` and is otherwise kept: `"D:\models"` stays as written;
 * - inside single quotes nothing is special; `''` and `""` are empty arguments, kept;
 * - backslash-newline outside quotes is a newline character in the word, not a line continuation.
 *
 * Why not an npm package: `shell-quote` and `string-argv` follow the shell (or neither), not `shlex`; they keep `#`
 * comments, expand or reject `$`, and treat backslashes differently, so they would report folders the WebUI
 * never reads.
 */

export class ShlexError extends Error {
  override readonly name = "ShlexError";

  constructor(
    /** CPython's message: `No closing quotation` or `No escaped character`. */
    readonly reason: "No closing quotation" | "No escaped character",
  ) {
    super(reason);
  }
}

export interface ShlexWord {
  value: string;
  /**
   * A backslash outside quotes before a letter or digit was dropped: the Windows-path trap (`D:\m` → `D:m`). A
   * backslash before a space or a quote is an ordinary escape and does not count.
   */
  lostBackslash: boolean;
}

const WHITESPACE = " \t\r\n";
const QUOTES = "'\"";
const ESCAPE = "\\";
/** Quotes inside which the escape character still escapes (`shlex.escapedquotes`). */
const ESCAPED_QUOTES = '"';

type State = " " | "a" | "'" | '"' | "\\";

/** `shlex.split(text)`; throws {@link ShlexError} where Python raises `ValueError`. */
export function shlexSplit(text: string): string[] {
  return shlexWords(text).map((w) => w.value);
}

/** {@link shlexSplit} with, per word, whether an unquoted backslash was consumed. */
export function shlexWords(text: string): ShlexWord[] {
  const words: ShlexWord[] = [];
  let state: State = " ";
  let escapedState: State = "a";
  let token = "";
  let quoted = false;
  let lostBackslash = false;
  const emit = () => {
    words.push({ value: token, lostBackslash });
    token = "";
    quoted = false;
    lostBackslash = false;
  };

  for (let i = 0; i <= text.length; i++) {
    const ch = i < text.length ? text[i]! : "";
    if (state === " ") {
      if (ch === "") break;
      if (WHITESPACE.includes(ch)) {
        if (token !== "" || quoted) emit();
        continue;
      }
      if (ch === ESCAPE) {
        escapedState = "a";
        state = "\\";
      } else if (QUOTES.includes(ch)) {
        state = ch as State;
      } else {
        token = ch;
        state = "a";
      }
    } else if (state === "'" || state === '"') {
      quoted = true;
      if (ch === "") throw new ShlexError("No closing quotation");
      if (ch === state) state = "a";
      else if (ch === ESCAPE && ESCAPED_QUOTES.includes(state)) {
        escapedState = state;
        state = "\\";
      } else token += ch;
    } else if (state === "\\") {
      if (ch === "") throw new ShlexError("No escaped character");
      // Inside quotes the backslash stays unless it escapes the quote itself or another backslash.
      if (QUOTES.includes(escapedState) && ch !== ESCAPE && ch !== escapedState) token += ESCAPE;
      if (escapedState === "a" && /[A-Za-z0-9]/.test(ch)) lostBackslash = true;
      token += ch;
      state = escapedState;
    } else {
      // state "a": inside a word
      if (ch === "") break;
      if (WHITESPACE.includes(ch)) {
        state = " ";
        if (token !== "" || quoted) emit();
      } else if (QUOTES.includes(ch)) {
        state = ch as State;
      } else if (ch === ESCAPE) {
        escapedState = "a";
        state = "\\";
      } else token += ch;
    }
  }
  if (token !== "" || quoted) emit();
  return words;
}
