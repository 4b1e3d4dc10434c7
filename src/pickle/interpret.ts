import type { ImportRecord } from "../inspect/types.js";
import type { Verdict } from "../model/verdict.js";
import type { StorageRef } from "./analyze.js";
import { buildParameterDict, callSafeGlobal, checkSafeBuild, PARAMETER_DICT } from "./call-rules.js";
import type { FindingCollector } from "./findings.js";
import { type GlobalClass, judgeGlobal } from "./judge-global.js";
import {
  CLOCK_CHECK_INTERVAL,
  MAX_IMPORT_RECORDS,
  MAX_KEPT_BYTES,
  MAX_LONG_TEXT_DIGITS,
  MAX_LONG1_BYTES,
  MAX_MARK_DEPTH,
  MAX_MEMO_ENTRIES,
  MAX_OPCODES,
  MAX_PICKLE_BYTES,
  MAX_STACK_VALUES,
  PICKLE_TIME_BUDGET_MS,
} from "./limits.js";
import { OPCODES, type OperandLayout } from "./opcodes.js";
import { decodeBytesEscape, decodeRawUnicodeEscape, FLOAT_TEXT, parseIntText } from "./text-operands.js";
import { STORAGE_CLASSES, STORAGE_KEY, STORAGE_LOCATION } from "./torch-types.js";
import { describe, FALSE, type GlobalRef, MAX_SAFE_BIGINT, NONE, OPAQUE, TRUE, type Value } from "./values.js";

/**
 * Which persistent_load the stream meets: torch's zip loader (`('storage', …)` 5-tuples), the legacy loader
 * (6-tuples, or `('module', cls, source_file, source)`), the tar loader's `pickle` member (`(cls, source_file,
 * source)` or a decimal tensor key), or none (a plain pickle: any persistent id fails).
 */
export type PersistentIdMode = "zip" | "legacy" | "tar" | "none";

export interface Interpretation {
  root: Value | null;
  /** Absolute offset just past STOP, or null. */
  end: number | null;
  storages: Map<string, StorageRef>;
  imports: ImportRecord[];
}

/**
 * Why interpretation stopped early. `invalid`: CPython would raise too (underflow, memo miss, EOF…).
 * `hostile`: a length or encoding no writer produces (oversized lengths, LONG4, bad frames). `limit`: see limits.ts.
 */
class Abort extends Error {
  constructor(
    readonly kind: "invalid" | "hostile" | "limit",
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const VERDICT_OF: Record<GlobalClass, Verdict> = {
  safe: "safe",
  known: "suspicious",
  unknown: "suspicious",
  dangerous: "dangerous",
  malformed: "suspicious",
};

const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");
/** INT holds what fits a C long (Python 2 wrote 64-bit ints as INT); longer ints are LONG. */
const MAX_INT_TEXT_DIGITS = 19;
/** Memo indexes are below MAX_MEMO_ENTRIES in any stream we finish; 10 digits leave room for sparse indexes. */
const MAX_MEMO_INDEX_DIGITS = 10;

/** UTF-8-encoded UTF-16 surrogates (U+D800–U+DFFF): invalid UTF-8, but CPython's "surrogatepass" accepts them. */
const ENCODED_SURROGATE = [0xed, 0xa0, 0xbf] as const;

/**
 * BINUNICODE text as CPython decodes it (`_pickle.c`: UTF-8 with "surrogatepass"), or null where it raises. A lone
 * surrogate has no UTF-8 form in JavaScript strings either, so it is kept as U+FFFD: such text names nothing
 * importable either way.
 */
function decodeSurrogatePass(raw: Uint8Array): string | null {
  try {
    return utf8.decode(raw);
  } catch {
    const [lead, low, high] = ENCODED_SURROGATE;
    const out = Uint8Array.from(raw);
    for (let i = 0; i + 2 < out.length; i++) {
      if (out[i] === lead && out[i + 1]! >= low && out[i + 1]! <= high && (out[i + 2]! & 0xc0) === 0x80)
        out.set([0xef, 0xbf, 0xbd], i);
    }
    try {
      return utf8.decode(out);
    } catch {
      return null;
    }
  }
}

/** ASCII bytes a module or attribute name that can be imported holds. */
const NAME_BYTE: readonly boolean[] = Array.from({ length: 128 }, (_, b) =>
  /[A-Za-z0-9_.]/.test(String.fromCharCode(b)),
);

/** Bytes an INT/LONG/FLOAT/GET/PUT line can hold and still parse somewhere in CPython (digits, letters for bases,
 * `inf`/`nan` and `L`, signs, `.`, `_`, ASCII whitespace other than the newline, and NUL, where parsing ends). */
const NUMERIC_TEXT_BYTE: readonly boolean[] = Array.from({ length: 256 }, (_, b) =>
  /[0-9A-Za-z_+\-. \t\r\x0b\x0c\0]/.test(String.fromCharCode(b)),
);

/**
 * Values of built-in types with no `__setstate__`, no `__dict__`, no item assignment and no append: BUILD,
 * SETITEM(S) or APPEND(S) on one makes CPython raise, so the load stops there with nothing run.
 */
const PLAIN_KINDS: ReadonlySet<Value["k"]> = new Set(["none", "bool", "int", "float", "str", "bytes", "tuple", "set"]);

/** Values the machine could not follow (call results, rejected constructions): at load time they may be anything. */
const MAY_BE_ANYTHING: ReadonlySet<Value["k"]> = new Set(["object", "opaque"]);

/**
 * BININT1's 256 values, shared like NONE/TRUE/FALSE: ints are never mutated, and shapes and strides are mostly these.
 */
/**
 * Opcodes after which a str may be on the stack: the text pushes, a memo read, and anything that pushes the result
 * of an import, a call or a persistent-id hook (a str constant, a call returning text). CPython's STACK_GLOBAL
 * imports only when its two operands are str (`_pickle.c` load_stack_global, else UnpicklingError), so one that no
 * such opcode precedes in its stream cannot import anything, whatever the interpreter's reading of the bytes between.
 */
const MAY_PUSH_STR: ReadonlySet<string> = new Set([
  "STRING",
  "BINSTRING",
  "SHORT_BINSTRING",
  "UNICODE",
  "BINUNICODE",
  "SHORT_BINUNICODE",
  "BINUNICODE8",
  "GET",
  "BINGET",
  "LONG_BINGET",
  "GLOBAL",
  "STACK_GLOBAL",
  "INST",
  "OBJ",
  "REDUCE",
  "NEWOBJ",
  "NEWOBJ_EX",
  "BUILD",
  "PERSID",
  "BINPERSID",
  "EXT1",
  "EXT2",
  "EXT4",
]);

/** {@link MAY_PUSH_STR} by opcode byte: looked up once per opcode interpreted. */
const MAY_PUSH_STR_BY_CODE: readonly boolean[] = Array.from({ length: 256 }, (_, code) => {
  const info = OPCODES[code];
  return info !== undefined && MAY_PUSH_STR.has(info.name);
});

const BYTE_INTS: readonly Value[] = Array.from({ length: 256 }, (_, n) => ({ k: "int", v: BigInt(n) }));

/** The symbolic machine for one stream. Never calls, imports or recurses. */
class Machine {
  private pos: number;
  private readonly limit: number;
  private readonly stack: Value[] = [];
  private readonly marks: number[] = [];
  /**
   * Indexed by memo key: writers number their entries 0, 1, 2, …, so this is a dense array (a Map costs a hash
   * insert per PUT). A sparse key an attacker picks still works, as an ordinary property.
   */
  private readonly memo: (Value | undefined)[] = [];
  private memoEntries = 0;
  private readonly records = new Map<string, ImportRecord>();
  /** One view for every fixed-size operand, instead of a DataView per opcode. */
  private readonly data: DataView;
  readonly storages = new Map<string, StorageRef>();
  private protocol = 0;
  private sawNonSafeGlobal = false;
  /** An opcode that may leave a str on the stack has been read in this stream ({@link MAY_PUSH_STR}). */
  private strPossible = false;
  private frameEnd: number | null = null;
  private opStart = 0;
  /** Set while a KNOWN wrapper's inner call is judged: a wrapper calling a wrapper would make the judging recursive. */
  private unwrapping = false;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly start: number,
    private readonly mode: PersistentIdMode,
    private readonly findings: FindingCollector,
    private readonly streamContinues: boolean,
  ) {
    this.pos = start;
    this.data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.limit = Math.min(bytes.length, start + MAX_PICKLE_BYTES);
  }

  get imports(): ImportRecord[] {
    return [...this.records.values()];
  }

  /** Stream-relative offset, as reported in findings and import records. */
  private rel(absolute: number): number {
    return absolute - this.start;
  }

  private finding(severity: Verdict, code: string, message: string, global?: string): void {
    this.findings.add(severity, code, message, this.rel(this.opStart), global);
  }

  private violation(message: string): void {
    this.finding("dangerous", "structural-violation", message);
  }

  private abort(kind: Abort["kind"], message: string): never {
    throw new Abort(kind, message, this.rel(this.opStart));
  }

  // ---- reading ----------------------------------------------------------------------------------------------

  private eof(): never {
    if (this.limit < this.bytes.length || this.streamContinues) {
      this.abort(
        "limit",
        `pickle runs past the ${Math.min(this.limit - this.start, MAX_PICKLE_BYTES)} bytes sdmodels reads`,
      );
    }
    return this.abort("invalid", "unexpected end of data (truncated pickle)");
  }

  private take(n: number): Uint8Array {
    if (n > this.limit - this.pos) this.eof();
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private u1(): number {
    if (this.pos >= this.limit) this.eof();
    return this.bytes[this.pos++]!;
  }

  /** Moves past an `n`-byte operand and returns where it starts, for reading it from {@link data}. */
  private advance(n: number): number {
    if (n > this.limit - this.pos) this.eof();
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** A declared length, checked against what is left before anything is allocated. */
  private length(declared: number | bigint): number {
    // Relational operators compare number and bigint by value; only an 8-byte length is a bigint.
    if (declared < 0 || declared > MAX_PICKLE_BYTES) {
      this.abort("hostile", `length field ${declared} is negative or larger than any pickle sdmodels reads`);
    }
    if (declared > this.limit - this.pos) this.eof();
    return Number(declared);
  }

  private sized(layout: "len1" | "len4" | "slen4" | "len8"): Uint8Array {
    const declared =
      layout === "len1"
        ? this.u1()
        : layout === "len4"
          ? this.data.getUint32(this.advance(4), true)
          : layout === "slen4"
            ? this.data.getInt32(this.advance(4), true)
            : this.data.getBigUint64(this.advance(8), true);
    return this.take(this.length(declared));
  }

  /** One newline-terminated operand, without its newline, as bytes (CPython decodes each opcode's line its own way). */
  private lineBytes(): Uint8Array {
    const nl = this.bytes.subarray(this.pos, this.limit).indexOf(0x0a);
    if (nl < 0) this.eof();
    return this.take(nl + 1).subarray(0, nl);
  }

  /**
   * A numeric text operand (INT, LONG, FLOAT, GET, PUT). CPython parses it with C string functions (`strtol`,
   * `PyLong_FromString`, `PyOS_string_to_double`) that stop at a NUL, so the text ends at the first NUL. A line
   * that runs past the window without a newline but already holds a byte no number has makes CPython's conversion
   * fail whatever follows, so the load stops there without reading on for the newline (binary data can go on for
   * gigabytes without one).
   */
  private line(): string {
    const rest = this.bytes.subarray(this.pos, this.limit);
    const nl = rest.indexOf(0x0a);
    if (nl < 0) {
      if (rest.some((b) => !NUMERIC_TEXT_BYTE[b]))
        this.abort("invalid", "numeric operand holds a character no number has, and no end");
      this.eof();
    }
    const text = this.take(nl + 1).subarray(0, nl);
    const nul = text.indexOf(0);
    return latin1.decode(nul < 0 ? text : text.subarray(0, nul));
  }

  /** INT/LONG/GET/PUT: `repr(int)` only, as CPython's pickler writes it; other forms CPython may accept fail closed. */
  private intText(text: string, maxDigits: number, what: string): bigint {
    const parsed = parseIntText(text, maxDigits);
    if (parsed.ok) return parsed.value;
    return parsed.kind === "hostile"
      ? this.abort(
          "hostile",
          `${what} operand ${JSON.stringify(text.slice(0, 40))} is not repr(int): ` +
            `CPython may still parse it, so the stream cannot be followed`,
        )
      : this.abort("invalid", `${what} operand is not an int`);
  }

  /**
   * Text after CPython's final decode of a byte string: UTF-8 as torch.load asks, else Latin-1 (`encoding="latin1"`).
   */
  private byteText(raw: Uint8Array): string {
    try {
      return utf8.decode(raw);
    } catch {
      return latin1.decode(raw);
    }
  }

  // ---- stack ------------------------------------------------------------------------------------------------

  private base(): number {
    return this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
  }

  private push(value: Value): void {
    if (this.stack.length >= MAX_STACK_VALUES) this.abort("limit", `more than ${MAX_STACK_VALUES} values on the stack`);
    this.stack.push(value);
  }

  private pop(): Value {
    if (this.stack.length <= this.base()) this.abort("invalid", "stack underflow");
    return this.stack.pop()!;
  }

  private top(): Value {
    if (this.stack.length <= this.base()) this.abort("invalid", "stack underflow");
    return this.stack[this.stack.length - 1]!;
  }

  private popMark(): Value[] {
    const mark = this.marks.pop();
    if (mark === undefined) this.abort("invalid", "no MARK to pop to");
    return this.stack.splice(mark);
  }

  private put(index: number): void {
    const value = this.top();
    if (this.memo[index] === undefined) {
      if (this.memoEntries >= MAX_MEMO_ENTRIES) this.abort("limit", `more than ${MAX_MEMO_ENTRIES} memo entries`);
      this.memoEntries++;
    }
    this.memo[index] = value;
  }

  private get(index: number): void {
    const value = this.memo[index];
    if (value === undefined) this.abort("invalid", `memo key ${index} was never stored`);
    this.push(value);
  }

  // ---- globals ----------------------------------------------------------------------------------------------

  private global(module: string, name: string, context = ""): GlobalRef {
    const judgement = judgeGlobal(module, name, this.protocol);
    if (judgement.class === "malformed") return this.unimportable(module, name, judgement.reason, context);
    const key = `${module}\n${name}`;
    let record = this.records.get(key);
    if (record) record.count++;
    else if (this.records.size >= MAX_IMPORT_RECORDS) {
      record = {
        module,
        name,
        resolved: judgement.resolved,
        verdict: VERDICT_OF[judgement.class],
        offset: this.rel(this.opStart),
        count: 1,
      };
      if (record.verdict !== "safe") {
        this.finding(
          record.verdict,
          "too-many-imports",
          `more than ${MAX_IMPORT_RECORDS} distinct globals: the rest are judged but not listed`,
        );
      }
    } else {
      record = {
        module,
        name,
        resolved: judgement.resolved,
        verdict: VERDICT_OF[judgement.class],
        offset: this.rel(this.opStart),
        count: 1,
      };
      this.records.set(key, record);
      const mapped = judgement.resolved !== `${module}.${name}` ? ` (written as ${module}.${name})` : "";
      const what = `${judgement.resolved}${mapped}${context}`;
      switch (judgement.class) {
        case "dangerous":
          this.finding("dangerous", "dangerous-global", `imports ${what}: ${judgement.reason}`, judgement.resolved);
          break;
        case "known":
          this.finding("suspicious", "known-benign-class", `imports ${what}: ${judgement.reason}`, judgement.resolved);
          break;
        case "unknown":
          this.finding("suspicious", "unknown-global", `imports ${what}: ${judgement.reason}`, judgement.resolved);
          break;
        case "safe":
          break;
      }
    }
    if (judgement.class !== "safe") this.sawNonSafeGlobal = true;
    return { resolved: judgement.resolved, class: judgement.class, record };
  }

  /**
   * A name no module or attribute has: CPython's find_class raises, nothing is imported and the load stops there
   * (after a break, where nothing runs anyway, it is only noted). Not listed as an import: none happens.
   */
  private unimportable(module: string, name: string, reason: string, context: string): GlobalRef {
    const shown = JSON.stringify(`${module} ${name}`);
    this.finding("suspicious", "malformed-global", `malformed global ${shown}: ${reason}${context}`);
    if (context === "") this.abort("invalid", `cannot import ${shown}: the load stops here`);
    const record: ImportRecord = {
      module,
      name,
      resolved: `${module}.${name}`,
      verdict: "suspicious",
      offset: this.rel(this.opStart),
      count: 1,
    };
    return { resolved: record.resolved, class: "malformed", record };
  }

  /**
   * STACK_GLOBAL operands that are not two strings (picklescan's `unknown` placeholder case). CPython raises for a
   * value that is surely no str (an int, a tuple): the load stops (suspicious). A call result or a value the
   * machine could not follow may be a str at run time, so that global resolves to something unknown: dangerous.
   */
  private unresolvedGlobal(module: Value, name: Value): GlobalRef {
    const raw = `<${describe(module)}> <${describe(name)}>`;
    const mayBeStr = (v: Value) => v.k === "object" || v.k === "opaque" || v.k === "str";
    if (!mayBeStr(module) || !mayBeStr(name))
      this.abort("invalid", `STACK_GLOBAL operands are ${raw}, not two strings: CPython stops here`);
    this.finding(
      "dangerous",
      "malformed-global",
      `STACK_GLOBAL operands are ${raw}: computed at load time, so what it imports is unknown`,
    );
    this.sawNonSafeGlobal = true;
    let record = this.records.get(raw);
    if (record) record.count++;
    else {
      record = {
        module: `<${describe(module)}>`,
        name: `<${describe(name)}>`,
        resolved: "<unresolved>",
        verdict: "dangerous",
        offset: this.rel(this.opStart),
        count: 1,
      };
      this.records.set(raw, record);
    }
    return { resolved: "<unresolved>", class: "dangerous", record };
  }

  // ---- target rules: what REDUCE, NEWOBJ, BUILD, SETITEM(S), APPEND(S) and persistent ids may act on --------

  private reduce(fn: Value, args: Value): Value {
    if (!MAY_BE_ANYTHING.has(fn.k) && fn.k !== "global")
      this.abort("invalid", `REDUCE calls a ${describe(fn)}, which is not callable: CPython raises`);
    if (!MAY_BE_ANYTHING.has(args.k) && args.k !== "tuple")
      this.abort("invalid", `REDUCE arguments are a ${describe(args)}, not a tuple: CPython raises`);
    if (fn.k !== "global") {
      this.violation(`REDUCE calls a ${describe(fn)}, not a global pushed by GLOBAL (call chaining)`);
      return OPAQUE;
    }
    if (args.k !== "tuple") {
      this.violation(`REDUCE arguments for ${fn.g.resolved} are a ${describe(args)}, computed at load time`);
      return OPAQUE;
    }
    if (fn.g.class === "safe") {
      const outcome = callSafeGlobal(fn.g, args.items);
      if (!outcome.ok) {
        this.violation(outcome.violation);
        return OPAQUE;
      }
      if (outcome.note) this.finding("suspicious", "invalid", outcome.note);
      return outcome.value;
    }
    if (fn.g.class === "known") {
      const unwrapped = this.knownWrapper(fn.g, args.items);
      if (unwrapped) return unwrapped;
    }
    return { k: "object", of: fn.g, args: args.items, built: false };
  }

  /**
   * KNOWN callables that call one of their arguments are judged like a REDUCE of that argument, so they are no way
   * around the call rules or the call-chaining rule; a wrapped tensor stays listable (the KNOWN import already made
   * the verdict suspicious).
   */
  private knownWrapper(fn: GlobalRef, args: Value[]): Value | null {
    const [first, second, third] = args;
    if (this.unwrapping) {
      if (fn.resolved === "torch._tensor._rebuild_from_type_v2" || fn.resolved === "copyreg._reconstructor") {
        this.violation(`${fn.resolved} called by another wrapper (torch.save never nests them)`);
      }
      return null;
    }
    this.unwrapping = true;
    try {
      return this.unwrap(fn, args, first, second, third);
    } finally {
      this.unwrapping = false;
    }
  }

  private unwrap(fn: GlobalRef, args: Value[], first?: Value, second?: Value, third?: Value): Value | null {
    switch (fn.resolved) {
      case "torch.nn.parameter.Parameter":
        return first?.k === "tensor" ? first : null;
      case "torch._tensor._rebuild_from_type_v2": {
        // `ret = func(*args)`, then `ret.as_subclass(new_type)` (torch/_tensor.py)
        if (args.length !== 4) return null;
        const ret = this.reduce(first!, third!);
        return ret.k === "tensor" ? ret : null;
      }
      case "copyreg._reconstructor":
        // `base.__new__(cls, state)` and `base.__init__(obj, state)`: base is called with state (Lib/copyreg.py)
        if (args.length === 3 && first?.k !== "global")
          this.violation(`copyreg._reconstructor builds a ${describe(first!)}, not a class (call chaining)`);
        else if (args.length === 3) this.reduce(second!, { k: "tuple", items: third?.k === "none" ? [] : [third!] });
        return null;
      default:
        return null;
    }
  }

  private newobj(cls: Value, args: Value): Value {
    if (!MAY_BE_ANYTHING.has(cls.k) && cls.k !== "global")
      this.abort("invalid", `NEWOBJ on a ${describe(cls)}, which is not a class: CPython raises`);
    if (!MAY_BE_ANYTHING.has(args.k) && args.k !== "tuple")
      this.abort("invalid", `NEWOBJ arguments are a ${describe(args)}, not a tuple: CPython raises`);
    if (cls.k !== "global") {
      this.violation(`NEWOBJ on a ${describe(cls)}, not a class pushed by GLOBAL`);
      return OPAQUE;
    }
    if (args.k !== "tuple") {
      this.violation(`NEWOBJ arguments for ${cls.g.resolved} are a ${describe(args)}, not a tuple`);
      return OPAQUE;
    }
    if (cls.g.resolved === "collections.OrderedDict") {
      // OrderedDict.__new__ ignores its arguments
      this.finding("suspicious", "structural-violation", `NEWOBJ of ${cls.g.resolved} (torch.save never writes this)`);
      return { k: "dict", entries: [], ordered: true, built: false };
    }
    if (cls.g.resolved === PARAMETER_DICT && args.items.length === 0) {
      // copyreg.__newobj__: object.__new__(ParameterDict), filled in by the BUILD that follows.
      return { k: "object", of: cls.g, args: [], built: false };
    }
    if (cls.g.class === "safe") {
      this.violation(
        `NEWOBJ of ${cls.g.resolved}: cls.__new__(cls, *args) is a call its call rule never saw (storages allocate)`,
      );
      return OPAQUE;
    }
    if (cls.g.class === "known") {
      const unwrapped = this.knownWrapper(cls.g, args.items);
      if (unwrapped) return unwrapped;
    }
    return { k: "object", of: cls.g, args: args.items, built: false };
  }

  private build(target: Value, state: Value): void {
    if (target.k === "object" && target.of && this.untrustedObject(target)) {
      // Restoring an object of a class that is not on the allowlist (torch.save of a whole nn.Module, a trainer's
      // config object): its class's code runs, which the import already says needs trusting; no more than that.
      if (target.of.class === "unknown") {
        this.finding(
          "suspicious",
          "object-state",
          `BUILD restores a ${target.of.resolved} object (a whole Python object, e.g. torch.save(model)): ` +
            `loading it runs that class's code`,
        );
      }
      target.built = true;
      return;
    }
    if (PLAIN_KINDS.has(target.k) || (target.k === "dict" && !target.ordered)) {
      // No __setstate__ and no __dict__: CPython raises for any state but None, and the load stops (suspicious).
      if (state.k !== "none")
        this.abort("invalid", `BUILD on a ${describe(target)}: it has no __setstate__ or __dict__, so CPython raises`);
      return;
    }
    if (
      target.k === "dict" &&
      state.k !== "dict" &&
      state.k !== "none" &&
      !(state.k === "tuple" && state.items.length === 2)
    ) {
      this.abort("invalid", "BUILD state for an OrderedDict is not a dict: CPython raises");
    }
    if (target.k === "object" && target.of?.resolved === PARAMETER_DICT) {
      const note = buildParameterDict(target, state);
      if (note) this.finding("suspicious", "structural-violation", note);
      return;
    }
    if (target.k === "tensor") {
      this.finding("suspicious", "structural-violation", "BUILD on a tensor (legacy tensor state)");
      return;
    }
    if (target.k === "dict" || (target.k === "object" && target.of?.class === "safe")) {
      const violation = checkSafeBuild(target, state);
      // An OrderedDict's instance attributes are only data; anything else of a SAFE class runs its __setstate__.
      if (violation && target.k === "dict")
        this.finding(
          "suspicious",
          "structural-violation",
          `${violation} (sets plain attributes; torch.save never writes this)`,
        );
      else if (violation) this.violation(violation);
      return;
    }
    this.violation(`BUILD on a ${describe(target)} (runs __setstate__ or sets attributes of arbitrary objects)`);
  }

  private setItems(items: Value[]): void {
    if (items.length % 2 !== 0) this.abort("invalid", "odd number of items for SETITEMS");
    const target = this.top();
    for (let i = 0; i < items.length; i += 2) this.checkKey(items[i]!);
    if (target.k === "dict") {
      for (let i = 0; i < items.length; i += 2) target.entries.push([items[i]!, items[i + 1]!]);
    } else if (PLAIN_KINDS.has(target.k)) {
      this.abort("invalid", `SETITEM on a ${describe(target)}: it does not support item assignment, so CPython raises`);
    } else if (target.k === "list") {
      this.finding("suspicious", "structural-violation", "SETITEM on a list (inert, but torch.save never writes this)");
    } else if (
      target.k === "object" &&
      (target.of?.resolved === "collections.Counter" || target.of?.resolved === "collections.defaultdict")
    ) {
      // KNOWN dict subclasses torch also allows; the import already made the verdict suspicious.
    } else if (this.untrustedObject(target)) {
      this.finding(
        "suspicious",
        "object-state",
        `SETITEM on a ${describe(target)}: its class's __setitem__ runs ` +
          `(a dict subclass such as Lightning's AttributeDict)`,
      );
    } else {
      this.violation(`SETITEM on a ${describe(target)} (only dicts; CVE-2026-24747 class)`);
    }
  }

  /**
   * An object of a class that is neither SAFE nor dangerous: its own methods run on BUILD, SETITEM or APPEND, which
   * is what its (suspicious) import already says needs trusting. SAFE classes' objects have no such methods to run.
   */
  private untrustedObject(target: Value): boolean {
    return target.k === "object" && (target.of?.class === "known" || target.of?.class === "unknown");
  }

  private checkKey(key: Value): void {
    if (key.k === "list" || key.k === "dict" || (key.k === "set" && !key.frozen))
      this.abort("invalid", `unhashable dict key (${key.k})`);
  }

  private appendItems(items: Value[]): void {
    const target = this.top();
    if (target.k === "list") {
      for (const item of items) target.items.push(item);
    } else if (PLAIN_KINDS.has(target.k) || target.k === "dict") {
      this.abort("invalid", `APPEND on a ${describe(target)}: it has no append, so CPython raises`);
    } else if (this.untrustedObject(target)) {
      this.finding(
        "suspicious",
        "object-state",
        `APPEND on a ${describe(target)}: its class's append/extend runs (a list subclass)`,
      );
    } else {
      this.violation(`APPEND on a ${describe(target)} (only lists; anything else calls its append/extend)`);
    }
  }

  private persistentLoad(pid: Value): Value {
    if (this.mode === "none") {
      // A data.pkl taken out of its zip is an ordinary file; unpickled alone, its first persistent id fails.
      this.abort("invalid", "persistent id, but this loader has no persistent_load: CPython raises");
    }
    if (this.mode === "tar") return this.tarPersistentLoad(pid);
    if (pid.k !== "tuple") {
      this.violation(`persistent id is a ${describe(pid)}, not a ('storage', …) tuple`);
      return OPAQUE;
    }
    const [tag, cls, key, location, numel, view] = pid.items;
    if (tag?.k === "str" && tag.v === "module" && this.mode === "legacy") return this.moduleClass(pid.items.slice(1));
    const arity = this.mode === "zip" ? 5 : 6;
    if (tag?.k !== "str" || tag.v !== "storage" || pid.items.length !== arity) {
      this.violation(
        `persistent id is not a ${arity}-tuple ('storage', class, key, location, numel${arity === 6 ? ", view" : ""})`,
      );
      return OPAQUE;
    }
    const resolved = cls?.k === "global" ? cls.g.resolved : "";
    // `torch.<Class>`, or `torch.storage.UntypedStorage` (the class's home module).
    const className =
      resolved.startsWith("torch.") && !resolved.slice(6).includes(".")
        ? resolved.slice(6)
        : resolved === "torch.storage.UntypedStorage"
          ? "UntypedStorage"
          : null;
    const element = className !== null ? STORAGE_CLASSES.get(className) : undefined;
    if (!element) {
      this.violation(
        `persistent id storage class is a ${cls ? describe(cls) : "missing value"}, not a torch storage class`,
      );
      return OPAQUE;
    }
    if (key?.k !== "str" || !STORAGE_KEY.test(key.v)) {
      const shown = key?.k === "str" ? JSON.stringify(key.v) : describe(key ?? OPAQUE);
      this.violation(
        `storage key ${shown} is not decimal digits ` +
          `(torch writes ${this.mode === "zip" ? "str(len(id_map))" : "str(storage._cdata)"})`,
      );
      return OPAQUE;
    }
    if (location?.k !== "str") {
      this.violation(`storage location is a ${describe(location ?? OPAQUE)}, not a string`);
      return OPAQUE;
    }
    if (!STORAGE_LOCATION.test(location.v)) {
      this.finding("suspicious", "structural-violation", `unexpected storage location ${JSON.stringify(location.v)}`);
    }
    const count = numel?.k === "int" ? numel.v : null;
    if (count === null || count < 0n || count * BigInt(element.size) > MAX_SAFE_BIGINT) {
      this.violation(
        `storage ${key.v} declares ${count === null ? "a non-integer" : count} elements (negative, huge or not an int)`,
      );
      return OPAQUE;
    }
    const isView = view !== undefined && view.k !== "none";
    if (isView) {
      const [viewKey, viewOffset, viewSize] = view.k === "tuple" ? view.items : [];
      if (
        view.k !== "tuple" ||
        view.items.length !== 3 ||
        viewKey?.k !== "str" ||
        !STORAGE_KEY.test(viewKey.v) ||
        viewOffset?.k !== "int" ||
        viewOffset.v < 0n ||
        viewSize?.k !== "int" ||
        viewSize.v < 0n ||
        viewOffset.v + viewSize.v > count
      ) {
        this.violation("legacy view metadata is not (decimal key, offset, size) inside its storage");
        return OPAQUE;
      }
    }
    const declared: StorageRef = {
      key: key.v,
      storageClass: className!,
      dtype: element.dtype,
      location: location.v,
      numel: Number(count),
      byteSize: Number(count) * element.size,
    };
    const known = this.storages.get(key.v);
    if (known && (known.storageClass !== declared.storageClass || known.numel !== declared.numel)) {
      this.violation(`storage ${key.v} is declared twice with different class or size`);
      return OPAQUE;
    }
    if (!known) this.storages.set(key.v, declared);
    return { k: "storage", ref: known ?? declared, view: isView };
  }

  /**
   * `('module', cls, source_file, source)` (legacy) or `(cls, source_file, source)` (tar): torch's persistent_load
   * returns `cls`, after comparing `source` with the installed class's source only to warn. The class is the
   * global inside, judged like any other import; the source text is never run.
   */
  private moduleClass(items: Value[]): Value {
    const [cls, file, source] = items;
    const text = (v: Value | undefined) => v?.k === "str" || v?.k === "none";
    if (items.length !== 3 || cls?.k !== "global" || !text(file) || !text(source)) {
      this.violation("module persistent id is not (class, source file, source)");
      return OPAQUE;
    }
    return cls;
  }

  /** The tar format's `pickle` member: a module class tuple, or the decimal key of a tensor read from `tensors`. */
  private tarPersistentLoad(pid: Value): Value {
    if (pid.k === "tuple") return this.moduleClass(pid.items);
    if ((pid.k === "str" && STORAGE_KEY.test(pid.v)) || (pid.k === "int" && pid.v >= 0n)) return OPAQUE;
    this.violation(`persistent id is a ${describe(pid)}, not a tensor key or a module class`);
    return OPAQUE;
  }

  // ---- the loop ---------------------------------------------------------------------------------------------

  /** Runs to STOP; throws Abort. Returns the root value. */
  run(): Value {
    const deadline = Date.now() + PICKLE_TIME_BUDGET_MS;
    for (let ops = 1; ; ops++) {
      if (ops > MAX_OPCODES) this.abort("limit", `more than ${MAX_OPCODES} opcodes`);
      if (ops % CLOCK_CHECK_INTERVAL === 0 && Date.now() > deadline) {
        this.abort("limit", `interpretation exceeded its ${PICKLE_TIME_BUDGET_MS} ms budget`);
      }
      if (this.frameEnd !== null && this.pos === this.frameEnd) this.frameEnd = null;
      this.opStart = this.pos;
      const code = this.u1();
      const info = OPCODES[code];
      if (!info) this.abort("invalid", `byte 0x${code.toString(16).padStart(2, "0")} is not a pickle opcode`);
      if (info.class === "data") {
        this.finding("suspicious", "non-weights-only-opcode", `${info.name} is outside torch's weights-only grammar`);
      } else if (info.class === "dangerous") {
        this.violation(`${info.name} opcode (never written by torch.save; reaches code or external state)`);
      }
      const root = this.step(info.name);
      // Set once the opcode has run: one that stopped the stream pushed nothing.
      if (MAY_PUSH_STR_BY_CODE[code]) this.strPossible = true;
      if (this.frameEnd !== null && this.pos > this.frameEnd)
        this.abort("hostile", "an opcode crosses its FRAME boundary");
      if (root) return root;
    }
  }

  /** Executes one opcode; returns the root at STOP. */
  private step(name: string): Value | null {
    switch (name) {
      case "PROTO": {
        const version = this.u1();
        if (this.opStart !== this.start) {
          this.violation("second PROTO after the first opcode (fickling MisplacedProtoAnalysis)");
          return null;
        }
        if (version > 5) this.abort("invalid", `unsupported pickle protocol ${version}`);
        this.protocol = version;
        return null;
      }
      case "FRAME": {
        const declared = this.data.getBigUint64(this.advance(8), true);
        if (this.frameEnd !== null) this.abort("hostile", "FRAME opened inside a frame");
        if (declared > BigInt(this.limit - this.pos))
          this.abort("hostile", `FRAME of ${declared} bytes runs past the end of the data`);
        this.frameEnd = this.pos + Number(declared);
        return null;
      }
      case "STOP": {
        const root = this.pop();
        if (this.stack.length > 0 || this.marks.length > 0) {
          this.finding("suspicious", "structural-violation", "values or MARKs left on the stack at STOP");
        }
        return root;
      }
      case "MARK":
        if (this.marks.length >= MAX_MARK_DEPTH) this.abort("limit", `MARK nesting deeper than ${MAX_MARK_DEPTH}`);
        this.marks.push(this.stack.length);
        return null;
      case "POP": {
        if (this.stack.length > this.base()) {
          const value = this.stack.pop()!;
          if (value.k === "object" || value.k === "opaque") {
            this.finding(
              "suspicious",
              "structural-violation",
              "a call result is discarded with POP (fickling UnusedVariables)",
            );
          }
        } else if (this.marks.length > 0) this.marks.pop();
        else this.abort("invalid", "stack underflow");
        return null;
      }
      case "POP_MARK":
        this.popMark();
        return null;
      case "DUP":
        this.push(this.top());
        return null;

      case "NONE":
        this.push(NONE);
        return null;
      case "NEWTRUE":
        this.push(TRUE);
        return null;
      case "NEWFALSE":
        this.push(FALSE);
        return null;
      case "BININT":
        this.push({ k: "int", v: BigInt(this.data.getInt32(this.advance(4), true)) });
        return null;
      case "BININT1":
        this.push(BYTE_INTS[this.u1()]!);
        return null;
      case "BININT2":
        this.push({ k: "int", v: BigInt(this.data.getUint16(this.advance(2), true)) });
        return null;
      case "LONG1": {
        const n = this.u1();
        if (n > MAX_LONG1_BYTES) this.abort("hostile", `LONG1 of ${n} bytes (more than ${MAX_LONG1_BYTES})`);
        const body = this.take(n);
        let v = 0n;
        for (let i = body.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(body[i]!);
        if (n > 0 && body[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
        this.push({ k: "int", v });
        return null;
      }
      case "LONG4": {
        const body = this.sized("len4");
        return this.abort("hostile", `LONG4 of ${body.length} bytes rejected without decoding`);
      }
      case "INT": {
        const text = this.line();
        if (text === "00" || text === "01") this.push(text === "01" ? TRUE : FALSE);
        else this.push({ k: "int", v: this.intText(text, MAX_INT_TEXT_DIGITS, "INT") });
        return null;
      }
      case "LONG": {
        const text = this.line().replace(/L$/, "");
        this.push({ k: "int", v: this.intText(text, MAX_LONG_TEXT_DIGITS, "LONG") });
        return null;
      }
      case "BINFLOAT":
        this.push({ k: "float", v: this.data.getFloat64(this.advance(8), false) });
        return null;
      case "FLOAT": {
        const text = this.line().trim();
        if (!FLOAT_TEXT.test(text)) this.abort("invalid", "FLOAT operand is not a float");
        this.push({ k: "float", v: Number(text.replace(/^([+-]?)inf(inity)?$/i, "$1Infinity")) });
        return null;
      }

      case "BINUNICODE":
      case "SHORT_BINUNICODE":
      case "BINUNICODE8": {
        const raw = this.sized(name === "SHORT_BINUNICODE" ? "len1" : name === "BINUNICODE" ? "len4" : "len8");
        const text = decodeSurrogatePass(raw);
        if (text === null) this.abort("invalid", `${name} is not UTF-8`);
        this.push({ k: "str", v: text });
        return null;
      }
      case "SHORT_BINSTRING":
      case "BINSTRING":
        this.push({ k: "str", v: this.byteText(this.sized(name === "SHORT_BINSTRING" ? "len1" : "slen4")) });
        return null;
      case "STRING": {
        // CPython's load_string refuses an operand that does not open with a quote whatever the rest of its line
        // holds, so the load stops here; reading on for the newline would only run into binary data (a safetensors
        // length prefix can read as an opcode followed by `S`), which can go on for gigabytes without one.
        const first = this.bytes[this.pos];
        if (this.pos < this.limit && first !== 0x27 && first !== 0x22)
          this.abort("invalid", "STRING operand is not quoted");
        const raw = this.lineBytes();
        const quote = raw[0];
        if (raw.length < 2 || raw[raw.length - 1] !== quote || (quote !== 0x27 && quote !== 0x22)) {
          this.abort("invalid", "STRING operand is not quoted");
        }
        const unescaped = decodeBytesEscape(raw.subarray(1, -1));
        if (!unescaped) this.abort("invalid", "STRING operand has a bad escape");
        this.push({ k: "str", v: this.byteText(unescaped) });
        return null;
      }
      case "UNICODE": {
        const text = decodeRawUnicodeEscape(this.lineBytes());
        if (text === null) this.abort("invalid", "UNICODE operand has a bad \\u escape");
        this.push({ k: "str", v: text });
        return null;
      }
      case "BINBYTES":
      case "SHORT_BINBYTES":
      case "BINBYTES8":
      case "BYTEARRAY8": {
        const raw = this.sized(name === "SHORT_BINBYTES" ? "len1" : name === "BINBYTES" ? "len4" : "len8");
        this.push({ k: "bytes", length: raw.length, data: raw.length <= MAX_KEPT_BYTES ? raw.slice() : null });
        return null;
      }

      case "EMPTY_TUPLE":
        this.push({ k: "tuple", items: [] });
        return null;
      case "TUPLE1":
      case "TUPLE2":
      case "TUPLE3": {
        const n = name === "TUPLE1" ? 1 : name === "TUPLE2" ? 2 : 3;
        const items: Value[] = [];
        for (let i = 0; i < n; i++) items.unshift(this.pop());
        this.push({ k: "tuple", items });
        return null;
      }
      case "TUPLE":
        this.push({ k: "tuple", items: this.popMark() });
        return null;
      case "EMPTY_LIST":
        this.push({ k: "list", items: [] });
        return null;
      case "LIST":
        this.push({ k: "list", items: this.popMark() });
        return null;
      case "EMPTY_DICT":
        this.push({ k: "dict", entries: [], ordered: false, built: false });
        return null;
      case "DICT": {
        const items = this.popMark();
        if (items.length % 2 !== 0) this.abort("invalid", "odd number of items for DICT");
        const entries: [Value, Value][] = [];
        for (let i = 0; i < items.length; i += 2) {
          this.checkKey(items[i]!);
          entries.push([items[i]!, items[i + 1]!]);
        }
        this.push({ k: "dict", entries, ordered: false, built: false });
        return null;
      }
      case "EMPTY_SET":
        this.push({ k: "set", items: [], frozen: false });
        return null;
      case "FROZENSET":
        this.push({ k: "set", items: this.popMark(), frozen: true });
        return null;
      case "ADDITEMS": {
        const items = this.popMark();
        const target = this.top();
        if (target.k === "set" && !target.frozen) for (const item of items) target.items.push(item);
        else if (PLAIN_KINDS.has(target.k) || target.k === "dict" || target.k === "list")
          this.abort("invalid", `ADDITEMS on a ${describe(target)}: it has no add, so CPython raises`);
        else this.violation(`ADDITEMS on a ${describe(target)} (only sets; anything else calls its add)`);
        return null;
      }
      case "APPEND": {
        const value = this.pop();
        this.appendItems([value]);
        return null;
      }
      case "APPENDS":
        this.appendItems(this.popMark());
        return null;
      case "SETITEM": {
        const value = this.pop();
        const key = this.pop();
        this.setItems([key, value]);
        return null;
      }
      case "SETITEMS":
        this.setItems(this.popMark());
        return null;

      case "BINPUT":
        this.put(this.u1());
        return null;
      case "LONG_BINPUT":
        this.put(this.data.getUint32(this.advance(4), true));
        return null;
      case "PUT":
        this.put(this.memoIndex(this.line(), "PUT"));
        return null;
      case "MEMOIZE":
        this.put(this.memoEntries);
        return null;
      case "BINGET":
        this.get(this.u1());
        return null;
      case "LONG_BINGET":
        this.get(this.data.getUint32(this.advance(4), true));
        return null;
      case "GET":
        this.get(this.memoIndex(this.line(), "GET"));
        return null;

      case "GLOBAL": {
        const [module, name2] = this.globalLines("GLOBAL");
        this.push({ k: "global", g: this.global(module, name2) });
        return null;
      }
      case "STACK_GLOBAL": {
        const name2 = this.pop();
        const module = this.pop();
        const g =
          module.k === "str" && name2.k === "str"
            ? this.global(module.v, name2.v)
            : this.unresolvedGlobal(module, name2);
        this.push({ k: "global", g });
        return null;
      }
      case "INST": {
        const [module, name2] = this.globalLines("INST");
        const g = this.global(module, name2);
        this.push({ k: "object", of: g, args: this.popMark(), built: false });
        return null;
      }
      case "OBJ": {
        const [cls, ...args] = this.popMark();
        if (cls?.k !== "global") {
          this.violation(`OBJ on a ${cls ? describe(cls) : "missing value"}, not a class`);
          this.push(OPAQUE);
        } else this.push({ k: "object", of: cls.g, args, built: false });
        return null;
      }
      case "REDUCE": {
        const args = this.pop();
        const fn = this.pop();
        this.push(this.reduce(fn, args));
        return null;
      }
      case "NEWOBJ": {
        const args = this.pop();
        const cls = this.pop();
        this.push(this.newobj(cls, args));
        return null;
      }
      case "NEWOBJ_EX": {
        this.pop();
        const args = this.pop();
        const cls = this.pop();
        this.push(
          cls.k === "global"
            ? { k: "object", of: cls.g, args: args.k === "tuple" ? args.items : [], built: false }
            : OPAQUE,
        );
        return null;
      }
      case "BUILD": {
        const state = this.pop();
        this.build(this.top(), state);
        return null;
      }
      case "BINPERSID":
        this.push(this.persistentLoad(this.pop()));
        return null;
      case "PERSID": {
        // A str persistent id: only the tar loader takes one (a decimal tensor key); torch's zip and legacy loaders
        // assert a tuple and plain pickle.load has no persistent_load, so CPython raises.
        if (this.mode !== "tar")
          this.abort("invalid", "PERSID persistent id, which this loader refuses: CPython raises");
        if (!STORAGE_KEY.test(this.line()))
          this.abort("invalid", "PERSID persistent id is no tensor key: CPython raises");
        this.push(OPAQUE);
        return null;
      }
      case "EXT1":
        this.u1();
        this.push(OPAQUE);
        return null;
      case "EXT2":
        this.take(2);
        this.push(OPAQUE);
        return null;
      case "EXT4":
        this.take(4);
        this.push(OPAQUE);
        return null;
      case "NEXT_BUFFER":
        this.push(OPAQUE);
        return null;
      case "READONLY_BUFFER":
        this.top();
        return null;
      default:
        return this.abort("invalid", `opcode ${name} is not implemented`);
    }
  }

  private memoIndex(text: string, what: string): number {
    const index = this.intText(text, MAX_MEMO_INDEX_DIGITS, what);
    if (index < 0n) this.abort("invalid", `negative ${what} index`);
    return Number(index);
  }

  /** A GLOBAL/INST line kept byte-exact (a `\r` stays part of the name, as in CPython), or null if not UTF-8. */
  private rawLine(): string | null {
    try {
      return utf8.decode(this.lineBytes());
    } catch {
      return null;
    }
  }

  /**
   * GLOBAL/INST module and name. CPython decodes both as strict UTF-8 before any import (`_pickle.c` load_global,
   * `pickle.py` load_global), so bytes that do not decode end the load with nothing imported: invalid, not a payload.
   * A line that runs past the window without a newline but already holds a byte no importable name has (a quote,
   * a brace: the pickle reading of some other format) fails the same way, without reading on to find its end.
   */
  private globalLines(op: string): [string, string] {
    const lines: string[] = [];
    for (let i = 0; i < 2; i++) {
      const rest = this.bytes.subarray(this.pos, this.limit);
      const nl = rest.indexOf(0x0a);
      if (nl < 0 && rest.some((b) => b < 0x80 && !NAME_BYTE[b]))
        this.abort("invalid", `${op} line is no importable name and has no end`);
      const line = this.rawLine();
      if (line === null) this.abort("invalid", `${op} module or name is not UTF-8 (CPython stops before importing)`);
      lines.push(line);
    }
    return [lines[0]!, lines[1]!];
  }

  // ---- after an abort ---------------------------------------------------------------------------------------

  /**
   * After interpretation stopped, list what the rest of the stream would import (like pickletools.genops), so
   * globals after the break are still reported. Operands of STACK_GLOBAL cannot be resolved here ⇒ dangerous, unless
   * nothing before it in the stream could have left a str to import by: then CPython raises there too. That case is
   * the pickle reading of other formats, not a payload: a safetensors file whose header length begins `0x30 0x93`
   * (POP, STACK_GLOBAL: a ~37.7 kB header) read as a pickle that stops at its first byte.
   */
  scanRest(from: number): void {
    this.pos = from;
    for (let ops = 0; ops < MAX_OPCODES && this.pos < this.limit; ops++) {
      this.opStart = this.pos;
      const code = this.bytes[this.pos++]!;
      const info = OPCODES[code];
      if (!info) return;
      const strBefore = this.strPossible;
      if (MAY_PUSH_STR_BY_CODE[code]) this.strPossible = true;
      try {
        if (info.name === "GLOBAL" || info.name === "INST") {
          const module = this.rawLine();
          const name = this.rawLine();
          if (module !== null && name !== null) this.global(module, name, " (after the stream broke)");
          continue;
        }
        if (info.name === "STACK_GLOBAL") {
          if (!strBefore) continue;
          this.finding(
            "dangerous",
            "malformed-global",
            "STACK_GLOBAL after the stream broke: its operands cannot be resolved",
          );
          continue;
        }
        if (info.name === "STOP") return;
        this.skip(info.operand);
      } catch {
        return;
      }
    }
  }

  private skip(layout: OperandLayout): void {
    switch (layout) {
      case "none":
        return;
      case "u1":
        this.take(1);
        return;
      case "u2":
        this.take(2);
        return;
      case "i4":
      case "u4":
        this.take(4);
        return;
      case "f8":
      case "u8":
        this.take(8);
        return;
      case "line":
        this.rawLine();
        return;
      case "lines2":
        this.rawLine();
        this.rawLine();
        return;
      default:
        this.sized(layout);
    }
  }

  get sawNonSafe(): boolean {
    return this.sawNonSafeGlobal;
  }

  get position(): number {
    return this.pos;
  }
}

/**
 * Interprets one stream. Policy findings go to `findings`; an early stop becomes one finding, dangerous once a
 * non-SAFE global was seen (torch would already have run the payload before reaching the error), else suspicious.
 */
export function interpretPickle(
  bytes: Uint8Array,
  start: number,
  mode: PersistentIdMode,
  findings: FindingCollector,
  streamContinues: boolean,
): Interpretation {
  const machine = new Machine(bytes, start, mode, findings, streamContinues);
  let root: Value | null = null;
  let end: number | null = null;
  try {
    root = machine.run();
    end = machine.position;
  } catch (error) {
    if (!(error instanceof Abort)) {
      findings.add(machine.sawNonSafe ? "dangerous" : "suspicious", "invalid", `interpreter error: ${String(error)}`);
    } else if (error.kind === "limit") {
      findings.add(
        "dangerous",
        "unscannable",
        `${error.message}; torch may still load it, so this fails closed`,
        error.offset,
      );
    } else {
      const after = machine.sawNonSafe ? "; a non-SAFE global was already imported, so a payload would have run" : "";
      const severity: Verdict = error.kind === "hostile" || machine.sawNonSafe ? "dangerous" : "suspicious";
      findings.add(
        severity,
        error.kind === "hostile" ? "structural-violation" : "invalid",
        `${error.message}${after}`,
        error.offset,
      );
      machine.scanRest(machine.position);
    }
  }
  return { root, end, storages: machine.storages, imports: machine.imports };
}
