import type { PlainValue } from "../inspect/types.js";
import { MAX_KEPT_BYTES } from "./limits.js";
import { STORAGE_CLASSES, TORCH_DTYPES } from "./torch-types.js";
import {
  type GlobalRef,
  MAX_SAFE_BIGINT,
  MIN_SAFE_BIGINT,
  type TensorValue,
  type Value,
  type ValueOf,
} from "./values.js";

/**
 * What a REDUCE of a SAFE callable may look like: arity and argument kinds as torch.save and the protocol-2 pickler
 * write them. Pure functions: they inspect values and return the symbolic result.
 */
export type CallOutcome = { ok: true; value: Value; note?: string } | { ok: false; violation: string };

const fail = (violation: string): CallOutcome => ({ ok: false, violation });
const ok = (value: Value, note?: string): CallOutcome => (note ? { ok: true, value, note } : { ok: true, value });

/** Non-negative ints within 2^53 (shapes, strides, offsets); null if any is not. */
function naturals(value: Value | undefined): number[] | null {
  if (value?.k !== "tuple") return null;
  const out: number[] = [];
  for (const item of value.items) {
    if (item.k !== "int" || item.v < 0n || item.v > MAX_SAFE_BIGINT) return null;
    out.push(Number(item.v));
  }
  return out;
}

function natural(value: Value | undefined): number | null {
  if (value?.k !== "int" || value.v < 0n || value.v > MAX_SAFE_BIGINT) return null;
  return Number(value.v);
}

const isDict = (value: Value | undefined): boolean => value?.k === "dict";

/**
 * Whether the view reaches past the `elements` its storage holds, so a tensor cannot claim more than its storage
 * declares. Doubles suffice: every term is non-negative, so the sum is exact until it passes 2^53, and from there it
 * stays at least 2^53, past any storage (a persistent id declaring more than 2^53 - 1 bytes is refused).
 */
function reachesPastStorage(
  shape: number[],
  stride: number[],
  offset: number,
  byteSize: number,
  size: number,
): boolean {
  if (shape.includes(0)) return false;
  const elements = (byteSize - (byteSize % size)) / size;
  let last = offset;
  for (let i = 0; i < shape.length; i++) last += (shape[i]! - 1) * (stride[i] ?? 0);
  return last >= elements;
}

/** The argument counts torch's rebuild functions take, made once rather than per tensor. */
const ARITY_V1: readonly number[] = [4];
const ARITY_V2: readonly number[] = [6, 7];
const ARITY_V3: readonly number[] = [7, 8];
function rebuildArities(fn: string): readonly number[] {
  return fn === "_rebuild_tensor" ? ARITY_V1 : fn === "_rebuild_tensor_v3" ? ARITY_V3 : ARITY_V2;
}

function rebuildTensor(args: Value[], fn: string): CallOutcome {
  const v3 = fn === "_rebuild_tensor_v3";
  const arity = rebuildArities(fn);
  if (!arity.includes(args.length)) return fail(`${fn} takes ${arity.join(" or ")} arguments, got ${args.length}`);
  const [storage, offsetValue, sizeValue, strideValue, requiresGrad, hooks, extra, metadata] = args;
  if (storage?.k !== "storage") return fail(`${fn}: first argument is a ${storage?.k}, not a persistent-id storage`);
  const offset = natural(offsetValue);
  const shape = naturals(sizeValue);
  const stride = naturals(strideValue);
  if (offset === null || shape === null || stride === null || stride.length !== shape.length) {
    return fail(`${fn}: storage offset, size and stride must be non-negative ints of equal rank`);
  }
  if (fn !== "_rebuild_tensor" && (requiresGrad?.k !== "bool" || !isDict(hooks))) {
    return fail(`${fn}: requires_grad must be a bool and backward_hooks an OrderedDict`);
  }
  const ref = storage.ref;
  let element = STORAGE_CLASSES.get(ref.storageClass)!;
  if (v3) {
    const dtype =
      extra?.k === "global" && extra.g.resolved.startsWith("torch.")
        ? TORCH_DTYPES.get(extra.g.resolved.slice(6))
        : undefined;
    if (!dtype) return fail(`${fn}: dtype argument is not a torch dtype`);
    if (ref.storageClass !== "UntypedStorage")
      return fail(`${fn}: storage is a ${ref.storageClass}, not an UntypedStorage`);
    if (metadata !== undefined && !isDict(metadata)) return fail(`${fn}: metadata must be a dict`);
    element = dtype;
    if (ref.dtype === "U8") ref.dtype = dtype.dtype;
  } else if (extra !== undefined && !isDict(extra)) {
    return fail(`${fn}: metadata must be a dict`);
  }
  const tensor: TensorValue = { dtype: element.dtype, shape, storage: ref, storageOffset: offset };
  const value: Value = { k: "tensor", t: tensor };
  if (!storage.view && reachesPastStorage(shape, stride, offset, ref.byteSize, element.size)) {
    return ok(
      value,
      `tensor of shape [${shape.join(", ")}] reaches past storage ${ref.key} (torch refuses to load it)`,
    );
  }
  if (!v3 && ref.storageClass === "UntypedStorage") {
    return ok(value, `${fn} on an UntypedStorage (torch writes those only with _rebuild_tensor_v3)`);
  }
  return ok(value);
}

function rebuildParameter(args: Value[], withState: boolean): CallOutcome {
  const name = withState ? "_rebuild_parameter_with_state" : "_rebuild_parameter";
  if (args.length !== (withState ? 4 : 3))
    return fail(`${name} takes ${withState ? 4 : 3} arguments, got ${args.length}`);
  const [data, requiresGrad, hooks, state] = args;
  if (data?.k !== "tensor" || requiresGrad?.k !== "bool" || !isDict(hooks)) {
    return fail(`${name}: expects (tensor, bool, OrderedDict${withState ? ", state" : ""})`);
  }
  if (withState && state?.k !== "dict" && state?.k !== "none" && state?.k !== "tuple")
    return fail(`${name}: state must be a dict`);
  return ok(data);
}

/** Bytes of a latin-1 string (protocol-2 `bytes` and numpy payloads), or null if a char is above U+00FF. */
function latin1(text: string): Uint8Array | null {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) return null;
    out[i] = c;
  }
  return out;
}

const SCALAR_READERS: Record<string, (view: DataView) => PlainValue> = {
  i1: (v) => v.getInt8(0),
  u1: (v) => v.getUint8(0),
  b1: (v) => v.getUint8(0) !== 0,
  i2: (v) => v.getInt16(0, true),
  u2: (v) => v.getUint16(0, true),
  i4: (v) => v.getInt32(0, true),
  u4: (v) => v.getUint32(0, true),
  i8: (v) => safeNumber(v.getBigInt64(0, true)),
  u8: (v) => safeNumber(v.getBigUint64(0, true)),
  f4: (v) => v.getFloat32(0, true),
  f8: (v) => v.getFloat64(0, true),
};

function safeNumber(v: bigint): PlainValue {
  return v >= MIN_SAFE_BIGINT && v <= MAX_SAFE_BIGINT ? Number(v) : v.toString();
}

/** `numpy.core.multiarray.scalar(dtype, bytes)`: the value, when the dtype is a little-endian number. */
function numpyScalar(args: Value[], fn: GlobalRef): CallOutcome {
  const [dtype, payload] = args;
  if (args.length !== 2 || dtype?.k !== "object" || dtype.of?.resolved !== "numpy.dtype") {
    return fail(`${fn.resolved}: expects (numpy.dtype, bytes)`);
  }
  let data: Uint8Array | null = null;
  if (payload?.k === "bytes") data = payload.data;
  else if (payload?.k === "str") data = latin1(payload.v);
  else return fail(`${fn.resolved}: payload must be bytes`);
  const code = dtype.dtypeName ?? "";
  // Only a little-endian, native or byte-order-free code loses its prefix: a big-endian one (`>i4`) finds no reader.
  const reader = SCALAR_READERS[code.replace(/^[<|=]/, "")];
  const plain: PlainValue | undefined =
    reader && data && data.length === Number(code.slice(-1))
      ? reader(new DataView(data.buffer, data.byteOffset, data.length))
      : undefined;
  const value: ValueOf<"object"> = { k: "object", of: fn, args, built: false };
  if (plain !== undefined) value.plain = plain;
  return ok(value);
}

/** Calls of SAFE globals; any SAFE global without a rule here (storage classes, dtypes, ndarray) is not callable. */
export function callSafeGlobal(fn: GlobalRef, args: Value[]): CallOutcome {
  const [first, second] = args;
  switch (fn.resolved) {
    case "collections.OrderedDict":
      return args.length === 0
        ? ok({ k: "dict", entries: [], ordered: true, built: false })
        : fail("OrderedDict is called with arguments (torch.save writes OrderedDict() and SETITEMS)");
    case "torch._utils._rebuild_tensor":
    case "torch._utils._rebuild_tensor_v2":
    case "torch._utils._rebuild_tensor_v3":
      return rebuildTensor(args, fn.resolved.slice("torch._utils.".length));
    case "torch._utils._rebuild_parameter":
      return rebuildParameter(args, false);
    case "torch._utils._rebuild_parameter_with_state":
      return rebuildParameter(args, true);
    case "torch.Size":
      return args.length === 1 && naturals(first) ? ok(first!) : fail("torch.Size expects one tuple of ints");
    case "_codecs.encode": {
      if (args.length !== 2 || first?.k !== "str" || second?.k !== "str" || second.v !== "latin1") {
        return fail("_codecs.encode expects (str, 'latin1')");
      }
      const data = latin1(first.v);
      if (!data) return fail("_codecs.encode of text that is not latin-1");
      return ok({ k: "bytes", length: data.length, data: data.length <= MAX_KEPT_BYTES ? data : null });
    }
    case "builtins.set":
    case "builtins.frozenset": {
      if (args.length === 0) return ok({ k: "set", items: [], frozen: fn.resolved === "builtins.frozenset" });
      if (args.length === 1 && (first?.k === "list" || first?.k === "tuple" || first?.k === "set")) {
        return ok({ k: "set", items: first.items, frozen: fn.resolved === "builtins.frozenset" });
      }
      return fail(`${fn.resolved} expects one list`);
    }
    case "builtins.complex":
      return args.length <= 2 && args.every((a) => a.k === "int" || a.k === "float")
        ? ok({ k: "object", of: fn, args, built: false })
        : fail("complex expects up to two numbers");
    case "builtins.bytearray":
      // protocol < 3 writes bytearray(latin1_text, 'latin-1'); any other encoding name is a codec lookup
      return args.length === 0 ||
        (args.length === 1 && first?.k === "bytes") ||
        (args.length === 2 &&
          first?.k === "str" &&
          latin1(first.v) !== null &&
          second?.k === "str" &&
          second.v === "latin-1")
        ? ok({ k: "object", of: fn, args, built: false })
        : fail("bytearray expects bytes or (latin-1 text, 'latin-1')");
    case "numpy.core.multiarray.scalar":
    case "numpy._core.multiarray.scalar":
      return numpyScalar(args, fn);
    case "numpy.dtype":
      return args.length >= 1 && args.length <= 3 && first?.k === "str" && args.slice(1).every((a) => a.k === "bool")
        ? ok({ k: "object", of: fn, args, built: false, dtypeName: first.v })
        : fail("numpy.dtype expects (str, bool, bool)");
    case "numpy.core.multiarray._reconstruct":
    case "numpy._core.multiarray._reconstruct":
      return args.length === 3 &&
        first?.k === "global" &&
        first.g.resolved === "numpy.ndarray" &&
        second?.k === "tuple" &&
        (args[2]?.k === "bytes" || args[2]?.k === "str")
        ? ok({ k: "object", of: fn, args, built: false })
        : fail(`${fn.resolved} expects (numpy.ndarray, tuple, bytes)`);
    default:
      return fail(`${fn.resolved} is never called by torch.save`);
  }
}

/**
 * The state BUILD may apply to a value of a SAFE class: the `_metadata` dict torch sets on a state_dict's OrderedDict
 * (torch/nn/modules/module.py `Module.state_dict`), the 8/9-tuple numpy writes for a dtype and the 5-tuple for an
 * ndarray. Returns null if accepted, else the violation.
 */
export function checkSafeBuild(target: Value, state: Value): string | null {
  if (target.k === "dict") {
    if (!target.ordered) return "BUILD on a plain dict";
    if (target.built) return "second BUILD on one OrderedDict";
    const [only] = state.k === "dict" ? state.entries : [];
    if (state.k !== "dict" || state.entries.length !== 1 || only?.[0].k !== "str" || only[0].v !== "_metadata") {
      return "OrderedDict BUILD state is not {'_metadata': …}";
    }
    target.built = true;
    return null;
  }
  if (target.k !== "object" || !target.of) return `BUILD on a ${target.k}`;
  const resolved = target.of.resolved;
  if (target.built) return `second BUILD on one ${resolved} result`;
  if (resolved === "numpy.dtype") {
    if (state.k !== "tuple" || (state.items.length !== 8 && state.items.length !== 9))
      return "numpy.dtype state is not an 8-tuple";
    const endian = state.items[1];
    if (endian?.k === "str" && target.dtypeName) target.dtypeName = endian.v + target.dtypeName;
    target.built = true;
    return null;
  }
  if (resolved.endsWith("multiarray._reconstruct")) {
    if (state.k !== "tuple" || state.items.length !== 5) return "ndarray state is not a 5-tuple";
    target.built = true;
    return null;
  }
  return `BUILD on a ${resolved} result`;
}

/**
 * The nn.ParameterDict class textual-inversion embeddings keep their vectors in (A1111 `modules/safe.py` allows it).
 */
export const PARAMETER_DICT = "torch.nn.modules.container.ParameterDict";

/**
 * The attributes `nn.Module.__init__` and ParameterDict set (torch/nn/modules/module.py, container.py), other than
 * `training`, `_parameters`, `_keys` and `_non_persistent_buffers_set`: dicts of buffers, sub-modules and hooks,
 * all empty in a ParameterDict that only holds parameters.
 */
const MODULE_EMPTY_DICTS: ReadonlySet<string> = new Set([
  "_buffers",
  "_modules",
  "_backward_pre_hooks",
  "_backward_hooks",
  "_forward_hooks",
  "_forward_hooks_with_kwargs",
  "_forward_hooks_always_called",
  "_forward_pre_hooks",
  "_forward_pre_hooks_with_kwargs",
  "_state_dict_hooks",
  "_state_dict_pre_hooks",
  "_load_state_dict_pre_hooks",
  "_load_state_dict_post_hooks",
]);

function parameterDictField(key: string, value: Value): boolean {
  switch (key) {
    case "training":
      return value.k === "bool";
    case "_is_full_backward_hook":
      return value.k === "none" || value.k === "bool";
    // torch 2.1+: set by torch.compile, None otherwise.
    case "_compiled_call_impl":
      return value.k === "none";
    case "_non_persistent_buffers_set":
      return value.k === "set" && value.items.length === 0;
    case "_parameters":
      return value.k === "dict" && value.entries.every(([k, v]) => k.k === "str" && v.k === "tensor");
    case "_keys":
      return value.k === "dict" && value.entries.every(([k, v]) => k.k === "str" && v.k === "none");
    default:
      return MODULE_EMPTY_DICTS.has(key) && value.k === "dict" && value.entries.length === 0;
  }
}

/**
 * BUILD of a ParameterDict: `Module.__setstate__` is `self.__dict__.update(state)`, inert for any state, so a state
 * holding anything but parameters and empty bookkeeping is only unexpected (returned as a note), never a call. When
 * it fits, the parameters are listed as the ParameterDict's entries (`string_to_param.*`).
 */
export function buildParameterDict(target: ValueOf<"object">, state: Value): string | null {
  if (target.built) return "second BUILD on one ParameterDict";
  target.built = true;
  const fits = state.k === "dict" && state.entries.every(([k, v]) => k.k === "str" && parameterDictField(k.v, v));
  if (!fits) return "ParameterDict state is not the attributes nn.Module writes (parameters and empty bookkeeping)";
  const parameters = state.entries.find(([k]) => k.k === "str" && k.v === "_parameters")?.[1];
  if (parameters?.k === "dict") target.items = parameters;
  return null;
}
