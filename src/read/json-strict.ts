/**
 * A pull reader for strict JSON (RFC 8259, as serde_json accepts it), for headers whose exact text matters.
 *
 * `JSON.parse` cannot be used for safetensors headers: it keeps only the last of duplicate keys (so they cannot be
 * reported), turns `1.0`/`1e0`/`-0` into integers and rounds integers above 2^53. This reader hands out keys one
 * at a time, numbers as their source text, and never recurses, so a hostile `[[[[…` costs one error, not a stack.
 */

export class JsonSyntaxError extends Error {
  override readonly name = "JsonSyntaxError";

  constructor(
    message: string,
    /** Character index into the decoded text. */
    readonly position: number,
  ) {
    super(`${message} at character ${position}`);
  }
}

export type JsonType = "object" | "array" | "string" | "number" | "boolean" | "null";

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const SLASH = 0x2f;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const UPPER_E = 0x45;
const LBRACKET = 0x5b;
const BACKSLASH = 0x5c;
const RBRACKET = 0x5d;
const LOWER_E = 0x65;
const LBRACE = 0x7b;
const RBRACE = 0x7d;

export const OBJECT_END = RBRACE;
export const ARRAY_END = RBRACKET;

const SIMPLE_ESCAPES: ReadonlyMap<number, string> = new Map([
  [QUOTE, '"'],
  [BACKSLASH, "\\"],
  [SLASH, "/"],
  [0x62, "\b"],
  [0x66, "\f"],
  [0x6e, "\n"],
  [0x72, "\r"],
  [0x74, "\t"],
]);

/** The longest run of characters a string can hold without an escape; sticky, native scanning instead of a JS loop. */
const PLAIN_RUN = /[^"\\\u0000-\u001f]*/y;

const U64_MAX = (1n << 64n) - 1n;
/** Integers with at most this many digits are below 2^53 and convert to `number` exactly. */
const SAFE_DIGITS = 15;
const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

export class StrictJsonReader {
  private pos = 0;
  private depth = 0;

  /**
   * @param maxDepth how many arrays/objects may be open at once; deeper input is an error. Bounds the memory of
   *   {@link skipValue}, and lets a caller mirror a reference parser's recursion limit.
   */
  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  get position(): number {
    return this.pos;
  }

  fail(message: string, at: number = this.pos): never {
    throw new JsonSyntaxError(message, at);
  }

  /** Skips whitespace and returns the next character code without consuming it; -1 at end of input. */
  peek(): number {
    const t = this.text;
    let p = this.pos;
    while (p < t.length) {
      const c = t.charCodeAt(p);
      if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break;
      p++;
    }
    this.pos = p;
    return p < t.length ? t.charCodeAt(p) : -1;
  }

  /** The type of the next value, or null when no value can start here. */
  peekType(): JsonType | null {
    const c = this.peek();
    if (c === LBRACE) return "object";
    if (c === LBRACKET) return "array";
    if (c === QUOTE) return "string";
    if (c === MINUS || isDigit(c)) return "number";
    if (this.text.startsWith("true", this.pos) || this.text.startsWith("false", this.pos)) return "boolean";
    if (this.text.startsWith("null", this.pos)) return "null";
    return null;
  }

  openObject(): void {
    this.open(LBRACE, "`{`");
  }

  openArray(): void {
    this.open(LBRACKET, "`[`");
  }

  /**
   * Call before each element of the innermost open container (`first` for the first one). Returns true when an
   * element follows (its separating comma consumed), false after consuming the closing bracket.
   */
  more(close: typeof OBJECT_END | typeof ARRAY_END, first: boolean): boolean {
    const c = this.peek();
    if (c === close) {
      this.pos++;
      this.depth--;
      return false;
    }
    if (!first) {
      if (c !== COMMA)
        this.fail(c === -1 ? "EOF while parsing a container" : `expected \`,\` or \`${String.fromCharCode(close)}\``);
      this.pos++;
      if (this.peek() === close) this.fail("trailing comma");
    }
    return true;
  }

  /** Reads an object key and its colon. */
  readKey(): string {
    if (this.peek() !== QUOTE) this.fail("key must be a string");
    const key = this.readString();
    if (this.peek() !== COLON) this.fail("expected `:`");
    this.pos++;
    return key;
  }

  readString(): string {
    const t = this.text;
    if (this.peek() !== QUOTE) this.fail("expected a string");
    let p = this.pos + 1;
    let start = p;
    // Pieces are collected only when an escape forces it; plain strings are one slice.
    let parts: string[] | null = null;
    for (;;) {
      PLAIN_RUN.lastIndex = p;
      PLAIN_RUN.test(t);
      p = PLAIN_RUN.lastIndex;
      if (p >= t.length) this.fail("EOF while parsing a string", p);
      const c = t.charCodeAt(p);
      if (c === QUOTE) break;
      if (c !== BACKSLASH) this.fail("control character (\\u0000-\\u001F) found while parsing a string", p);
      parts ??= [];
      parts.push(t.slice(start, p));
      p = this.readEscape(p, parts);
      start = p;
    }
    const tail = t.slice(start, p);
    this.pos = p + 1;
    if (parts === null) return tail;
    parts.push(tail);
    return parts.join("");
  }

  /** Reads a number and returns its source text, e.g. `1.0` stays `1.0`. */
  readNumber(): string {
    const t = this.text;
    this.peek();
    const start = this.pos;
    let p = start;
    if (t.charCodeAt(p) === MINUS) p++;
    if (t.charCodeAt(p) === ZERO) {
      p++;
    } else if (isDigit(t.charCodeAt(p))) {
      while (isDigit(t.charCodeAt(p))) p++;
    } else {
      this.fail("invalid number", p);
    }
    if (t.charCodeAt(p) === DOT) {
      p++;
      if (!isDigit(t.charCodeAt(p))) this.fail("invalid number", p);
      while (isDigit(t.charCodeAt(p))) p++;
    }
    const e = t.charCodeAt(p);
    if (e === LOWER_E || e === UPPER_E) {
      p++;
      const sign = t.charCodeAt(p);
      if (sign === PLUS || sign === MINUS) p++;
      if (!isDigit(t.charCodeAt(p))) this.fail("invalid number", p);
      while (isDigit(t.charCodeAt(p))) p++;
    }
    const text = t.slice(start, p);
    // serde_json refuses floats that overflow to infinity rather than saturating.
    if (!Number.isFinite(Number(text))) this.fail("number out of range", start);
    this.pos = p;
    return text;
  }

  /**
   * Reads an integer in `0..2^64-1` written without sign, fraction or exponent (how serde_json reads a `u64`).
   * Returns a `number` up to 2^53−1 and a `bigint` above, so equal values always have the same representation.
   */
  readUint64(): number | bigint {
    const t = this.text;
    this.peek();
    const start = this.pos;
    let p = start;
    let value = 0;
    while (p < t.length) {
      const c = t.charCodeAt(p);
      if (!isDigit(c)) break;
      value = value * 10 + (c - ZERO);
      p++;
    }
    if (p - start > 1 && t.charCodeAt(start) === ZERO) this.fail("invalid number", start);
    const next = t.charCodeAt(p);
    if (p === start || next === DOT || next === LOWER_E || next === UPPER_E) {
      // Not a plain unsigned integer: let the general grammar say whether it is a malformed number or another type.
      if (this.peekType() !== "number") this.fail("expected an unsigned integer");
      const text = this.readNumber();
      if (text.charCodeAt(0) === MINUS && !/[.eE]/.test(text))
        this.fail(`invalid value: negative integer \`${text}\`, expected an unsigned integer`, start);
      this.fail(`invalid type: floating point \`${text}\`, expected an unsigned integer`, start);
    }
    this.pos = p;
    if (p - start <= SAFE_DIGITS) return value;
    const big = BigInt(t.slice(start, p));
    // serde_json parses integers beyond u64 as floats.
    if (big > U64_MAX)
      this.fail(`invalid type: floating point \`${t.slice(start, p)}\`, expected an unsigned integer`, start);
    return big <= MAX_SAFE_BIGINT ? Number(big) : big;
  }

  readBoolean(): boolean {
    this.peek();
    if (this.text.startsWith("true", this.pos)) {
      this.pos += 4;
      return true;
    }
    if (this.text.startsWith("false", this.pos)) {
      this.pos += 5;
      return false;
    }
    return this.fail("expected a boolean");
  }

  readNull(): null {
    this.peek();
    if (!this.text.startsWith("null", this.pos)) this.fail("expected `null`");
    this.pos += 4;
    return null;
  }

  /** Validates and discards one value of any type, without recursion. */
  skipValue(): void {
    const closers: (typeof OBJECT_END | typeof ARRAY_END)[] = [];
    for (;;) {
      const type = this.peekType();
      if (type === "object" || type === "array") {
        const close = type === "object" ? OBJECT_END : ARRAY_END;
        this.open(type === "object" ? LBRACE : LBRACKET, "a value");
        if (this.more(close, true)) {
          closers.push(close);
          if (close === OBJECT_END) this.readKey();
          continue;
        }
      } else if (type === "string") {
        this.readString();
      } else if (type === "number") {
        this.readNumber();
      } else if (type === "boolean") {
        this.readBoolean();
      } else if (type === "null") {
        this.readNull();
      } else {
        this.fail(this.peek() === -1 ? "EOF while parsing a value" : "expected value");
      }
      // A value is complete: close every container that ends here, then move to the next element.
      for (;;) {
        const close = closers[closers.length - 1];
        if (close === undefined) return;
        if (this.more(close, false)) {
          if (close === OBJECT_END) this.readKey();
          break;
        }
        closers.pop();
      }
    }
  }

  /**
   * Runs a sticky `pattern` at the next non-whitespace character without consuming anything: a caller's fast path
   * for one fixed layout of a value, taken with {@link consume} only when the general grammar would read the matched
   * text the same way (the pattern must not open more containers than the depth limit leaves).
   */
  match(pattern: RegExp): RegExpExecArray | null {
    this.peek();
    pattern.lastIndex = this.pos;
    return pattern.exec(this.text);
  }

  /** Moves past a {@link match} result. */
  consume(match: RegExpExecArray): void {
    this.pos = match.index + match[0].length;
  }

  /** Requires that only whitespace remains. */
  finish(): void {
    if (this.peek() !== -1) this.fail("trailing characters");
  }

  private open(char: number, what: string): void {
    if (this.peek() !== char) this.fail(`expected ${what}`);
    if (this.depth >= this.maxDepth) this.fail("recursion limit exceeded");
    this.depth++;
    this.pos++;
  }

  /** Decodes the escape at `p` (a backslash) into `parts`; returns the index after it. */
  private readEscape(p: number, parts: string[]): number {
    const t = this.text;
    const c = t.charCodeAt(p + 1);
    const simple = SIMPLE_ESCAPES.get(c);
    if (simple !== undefined) {
      parts.push(simple);
      return p + 2;
    }
    if (c !== 0x75 /* u */) this.fail("invalid escape", p);
    const unit = this.hex4(p + 2);
    if (unit >= 0xdc00 && unit <= 0xdfff) this.fail("lone trailing surrogate in hex escape", p);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      if (t.charCodeAt(p + 6) !== BACKSLASH || t.charCodeAt(p + 7) !== 0x75)
        this.fail("lone leading surrogate in hex escape", p);
      const low = this.hex4(p + 8);
      if (low < 0xdc00 || low > 0xdfff) this.fail("lone leading surrogate in hex escape", p);
      parts.push(String.fromCharCode(unit, low));
      return p + 12;
    }
    parts.push(String.fromCharCode(unit));
    return p + 6;
  }

  private hex4(p: number): number {
    const digits = this.text.slice(p, p + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) this.fail("invalid escape", p);
    return parseInt(digits, 16);
  }
}
