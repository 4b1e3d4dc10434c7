/**
 * The import policy as data. Every SAFE and KNOWN entry is an exact `module.name`; only the DANGEROUS module list
 * matches sub-modules, because there a wider match can only make a verdict stricter.
 * Never allowlist by prefix: `torch.`/`numpy.` hold `torch.load`, `torch.utils.collect_env.run`,
 * `numpy.testing._private.utils.runstring` (the `zxix/stable-diffusion-pickle-scanner` anti-pattern).
 */

const TORCH_STORAGE_CLASSES = [
  "DoubleStorage",
  "FloatStorage",
  "HalfStorage",
  "BFloat16Storage",
  "LongStorage",
  "IntStorage",
  "ShortStorage",
  "CharStorage",
  "ByteStorage",
  "BoolStorage",
  "ComplexFloatStorage",
  "ComplexDoubleStorage",
];

const TORCH_SAFE_DTYPES = [
  "float64",
  "float32",
  "float16",
  "bfloat16",
  "int64",
  "int32",
  "int16",
  "int8",
  "uint8",
  "bool",
  "complex64",
  "complex128",
  "float8_e5m2",
  "float8_e4m3fn",
  "float8_e5m2fnuz",
  "float8_e4m3fnuz",
  "float8_e8m0fnu",
  "uint16",
  "uint32",
  "uint64",
];

/** Inert constructors/rebuilders in torch's `_weights_only_unpickler` and/or A1111's `modules/safe.py` allowlists. */
export const SAFE_GLOBALS: ReadonlySet<string> = new Set([
  "collections.OrderedDict",
  "torch._utils._rebuild_tensor_v2",
  "torch._utils._rebuild_tensor",
  "torch._utils._rebuild_tensor_v3",
  "torch._utils._rebuild_parameter",
  "torch._utils._rebuild_parameter_with_state",
  ...TORCH_STORAGE_CLASSES.map((c) => `torch.${c}`),
  ...TORCH_SAFE_DTYPES.map((d) => `torch.${d}`),
  "torch.Size",
  // Only meaningful as the storage class of a `_rebuild_tensor_v3` persistent id; the call rules enforce that.
  "torch.UntypedStorage",
  "torch.storage.UntypedStorage",
  "_codecs.encode",
  "builtins.set",
  "builtins.frozenset",
  "builtins.complex",
  "builtins.bytearray",
  "numpy.core.multiarray.scalar",
  "numpy.core.multiarray._reconstruct",
  "numpy._core.multiarray.scalar",
  "numpy._core.multiarray._reconstruct",
  "numpy.dtype",
  "numpy.ndarray",
  // Only through NEWOBJ with no arguments and a BUILD of nn.Module's attributes holding parameters (call-rules.ts).
  "torch.nn.modules.container.ParameterDict",
]);

const TORCH_TENSOR_TYPES = ["Double", "Float", "Half", "BFloat16", "Long", "Int", "Short", "Char", "Byte", "Bool"];

/**
 * Benign in practice but not provably inert: loading them means trusting the file's Python classes. torch's
 * remaining weights-only entries, A1111's Lightning entries, and fickling's `ML_ALLOWLIST` (trailofbits/fickling:
 * fickling/ml.py) minus what SAFE_GLOBALS or the DANGEROUS lists already decide.
 */
export const KNOWN_GLOBALS: ReadonlySet<string> = new Set([
  "pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint",
  "pytorch_lightning.callbacks.model_checkpoint",
  "torch.nn.parameter.Parameter",
  "torch.Tensor",
  "torch.device",
  "torch._tensor._rebuild_from_type_v2",
  ...[
    "_rebuild_qtensor",
    "_rebuild_sparse_tensor",
    "_rebuild_meta_tensor_no_storage",
    "_rebuild_wrapper_subclass",
    "_rebuild_device_tensor_from_numpy",
    "_rebuild_device_tensor_from_cpu_tensor",
    "_rebuild_nested_tensor",
  ].map((f) => `torch._utils.${f}`),
  "torch.serialization._get_layout",
  ...[
    "per_tensor_affine",
    "per_tensor_symmetric",
    "per_channel_affine",
    "per_channel_symmetric",
    "per_channel_affine_float_qparams",
  ].map((q) => `torch.${q}`),
  ...["QUInt8Storage", "QInt8Storage", "QInt32Storage", "QUInt4x2Storage", "QUInt2x4Storage"].map((c) => `torch.${c}`),
  ...[
    "qint8",
    "qint32",
    "quint8",
    "quint4x2",
    "quint2x4",
    "bits8",
    "bits16",
    "bits1x8",
    "bits2x4",
    "bits4x2",
    "complex32",
    "uint1",
    "uint2",
    "uint3",
    "uint4",
    "uint5",
    "uint6",
    "uint7",
    "int1",
    "int2",
    "int3",
    "int4",
    "int5",
    "int6",
    "int7",
  ].map((d) => `torch.${d}`),
  "torch.TypedStorage",
  "torch.storage.TypedStorage",
  ...TORCH_TENSOR_TYPES.flatMap((t) => [`torch.${t}Tensor`, `torch.cuda.${t}Tensor`]),
  "collections.Counter",
  "collections.defaultdict",
  "argparse.Namespace",
  "copyreg._reconstructor",
  "numpy.float64",
  "_io.BytesIO",
  // fickling ML_ALLOWLIST
  "transformers.training_args.TrainingArguments",
  "transformers.training_args.OptimizerNames",
  "transformers.training_args_seq2seq.Seq2SeqTrainingArguments",
  "transformers.deepspeed.HfTrainerDeepSpeedConfig",
  "transformers.deepspeed.HfDeepSpeedConfig",
  "transformers.integrations.deepspeed.HfTrainerDeepSpeedConfig",
  "transformers.integrations.deepspeed.HfDeepSpeedConfig",
  "transformers.trainer_pt_utils.AcceleratorConfig",
  ...[
    "IntervalStrategy",
    "SchedulerType",
    "HubStrategy",
    "EvaluationStrategy",
    "FSDPOption",
    "SaveStrategy",
    "ShardedDDPOption",
  ].map((n) => `transformers.trainer_utils.${n}`),
  "transformers.models.bert.tokenization_bert_fast.BertTokenizerFast",
  "accelerate.state.PartialState",
  "accelerate.utils.deepspeed.HfDeepSpeedConfig",
  "accelerate.utils.dataclasses.DistributedType",
  "accelerate.utils.dataclasses.DeepSpeedPlugin",
  "trl.trainer.sft_config.SFTConfig",
  "trl.trainer.dpo_config.FDivergenceType",
  "trl.trainer.grpo_config.GRPOConfig",
  "trl.trainer.kto_config.KTOConfig",
  "trl.trainer.ppov2_config.PPOv2Config",
  "tokenizers.Tokenizer",
  "tokenizers.AddedToken",
  "tokenizers.models.Model",
  "torch.nn.modules.linear.Linear",
  "torch.nn.modules.linear.Identity",
  "torch.nn.modules.upsampling.Upsample",
  "torch.nn.modules.pooling.MaxPool2d",
  "torch.nn.modules.batchnorm.BatchNorm2d",
  "torch.nn.modules.conv.Conv2d",
  "torch.nn.modules.conv.ConvTranspose2d",
  "torch.nn.modules.activation.SiLU",
  "torch.nn.modules.loss.BCEWithLogitsLoss",
  ...["SPPF", "DFL", "Bottleneck", "C2f", "Proto", "PSABlock", "C3k2", "C3k", "C2PSA", "Attention"].map(
    (n) => `ultralytics.nn.modules.block.${n}`,
  ),
  "ultralytics.nn.modules.head.Detect",
  "ultralytics.nn.modules.head.Segment",
  "ultralytics.nn.modules.batchnorm.BatchNorm2d",
  "ultralytics.nn.modules.conv.Concat",
  "ultralytics.nn.modules.conv.Conv",
  "ultralytics.nn.modules.conv.DWConv",
  "ultralytics.utils.loss.BboxLoss",
  "ultralytics.utils.loss.v8SegmentationLoss",
  "ultralytics.utils.tal.TaskAlignedAssigner",
  "sklearn.preprocessing._label.LabelEncoder",
]);

/** numpy ≥ 1.25 dtype classes (`numpy.dtypes.Int64DType`, …) are KNOWN; matched by exact module and a name suffix. */
export const KNOWN_NUMPY_DTYPES_MODULE = "numpy.dtypes";

/** Modules that are dangerous together with every sub-module. */
export const DANGEROUS_MODULES: ReadonlySet<string> = new Set([
  // torch `_blocklisted_modules`
  "sys",
  "os",
  "posix",
  "nt",
  // picklescan wildcard modules
  "aiohttp",
  "asyncio",
  "bdb",
  "commands",
  "ctypes",
  "httplib",
  "numpy.f2py",
  "numpy.testing._private.utils",
  "requests.api",
  "runpy",
  "shutil",
  "socket",
  "ssl",
  "subprocess",
  "cProfile",
  "distutils.file_util",
  "pdb",
  "pickle",
  "_pickle",
  "pip",
  "pty",
  "profile",
  "pydoc",
  "test",
  "timeit",
  "urllib.request",
  "uuid",
  "venv",
  "webbrowser",
  "_osx_support",
  "_aix_support",
  "_pyrepl",
  // fickling UNSAFE_IMPORTS (fickling/fickle.py)
  "multiprocessing",
  "_posixsubprocess",
  "code",
  "codeop",
  "marshal",
  "types",
  "compile",
  "exec",
  "eval",
  "doctest",
  "_interpreters",
  "_xxsubinterpreters",
  "importlib",
  "_frozen_importlib",
  "_frozen_importlib_external",
  "_imp",
  "imp",
  "pkgutil",
  "zipimport",
  "gc",
  "site",
  "unittest",
  "inspect",
  "_operator",
  "operator",
  "functools",
  "trace",
  "http",
  "urllib",
  "urllib2",
  "requests",
  "smtplib",
  "imaplib",
  "ftplib",
  "poplib",
  "telnetlib",
  "nntplib",
  "_ctypes",
  "dill",
  "cloudpickle",
  "joblib",
  "tempfile",
  "filecmp",
  "distutils",
  "pexpect",
  "pipes",
  "ensurepip",
  "idlelib",
  "lib2to3",
  "socketserver",
  "xmlrpc",
  "signal",
  "_signal",
  "threading",
  "_thread",
  "atexit",
  "sqlite3",
  "_sqlite3",
  "fileinput",
  "glob",
  "platform",
  "linecache",
  "difflib",
  "compileall",
  "py_compile",
  "mmap",
  "select",
  "selectors",
  "logging",
  "syslog",
  "tarfile",
  "zipfile",
  "shelve",
  // fickling UnsafeImportsML.UNSAFE_MODULES plus torch RPC
  "torch.hub",
  "torch._dynamo",
  "torch._inductor",
  "torch.jit",
  "torch.compile",
  "torch.distributed.rpc",
  "numpy.distutils",
  "numpy.testing",
  // scanner deactivation (fickling ScannerDeactivation)
  "fickling",
  "picklescan",
  "modelscan",
  "model_unpickler",
  "saferpickle",
  "modelaudit",
  // The C halves and platform twins of the modules above (CPython Modules/*.c): the same functions, another name.
  "_socket",
  "_ssl",
  "_functools",
  "_multiprocessing",
  "_posixshmem",
  "_winapi",
  "msvcrt",
  "winreg",
  "_winreg",
  // `os.path` is one of these modules; its functions stat, list and resolve paths on the machine loading the file.
  "posixpath",
  "ntpath",
  "genericpath",
  // Process and file state the stdlib exposes elsewhere: finalizers call any callable, `_sitebuiltins._Printer`
  // reads files, `faulthandler` writes to them, `resource`/`fcntl`/`termios` change the process, `wsgiref` and
  // `zipapp` bind sockets and write archives.
  "weakref",
  "_weakref",
  "_sitebuiltins",
  "faulthandler",
  "resource",
  "fcntl",
  "termios",
  "wsgiref",
  "zipapp",
  "concurrent",
  "setuptools",
  // torch code paths that compile, exec or load code or reach shared memory and the network: an fx GraphModule
  // execs its pickled source (torch/fx/graph_module.py `reduce_graph_module`), cpp_extension compiles and loads
  // C++, torch.package and TorchScript (`torch._C.import_ir_module…`) load code, multiprocessing's reductions open
  // shared memory by name, model_zoo downloads.
  "torch.fx",
  "torch.utils.cpp_extension",
  "torch.package",
  "torch._C",
  "torch._jit_internal",
  "torch.multiprocessing",
  "torch.utils.model_zoo",
  "torch.testing._internal",
  "torch._export",
  "torch.export",
  // torch/__init__.py registers `torch.ops` and `torch.classes` in sys.modules; torch/_ops.py gives them
  // `load_library(path)` (ctypes.CDLL: the library's initialisers run) and `import_module(name)` (importlib).
  "torch.ops",
  "torch.classes",
  // Every report function runs pip, conda, nvidia-smi and compilers as subprocesses.
  "torch.utils.collect_env",
  // torchrun and its launchers start worker processes: `torch.distributed.run.main([..., "--no-python", cmd])`
  // runs any executable, and torch.distributed.elastic's start_processes and agents spawn what they are given.
  "torch.distributed.run",
  "torch.distributed.launch",
  "torch.distributed.launcher",
  "torch.distributed.elastic",
  // torch_save_to_dcp(path, dir) is torch.load(path, weights_only=False); dcp_to_torch_save writes a file.
  "torch.distributed.checkpoint.format_utils",
  // SummaryWriter(log_dir) creates the folder and an event file as it is constructed.
  "torch.utils.tensorboard",
  "tensorboard",
  "tensorboardX",
  // pandas' I/O package: its readers open paths and URLs (`pandas.io.pickle.read_pickle` unpickles one), its
  // writers create files. A pickled DataFrame names pandas.core and pandas._libs, never pandas.io.
  "pandas.io",
  // pandas' own unrestricted Unpickler and its loads(bytes): a nested pickle.
  "pandas.compat.pickle_compat",
  // numpy's PytestTester runs pytest in the loading process.
  "numpy._pytesttester",
  // AUTOMATIC1111 and Forge, importable in the process that loads models: modules/launch_utils.py `run(command)`
  // is subprocess.run(command, shell=True), and launch.py defines or re-exports run, run_pip, run_python,
  // git_clone.
  "modules.launch_utils",
  "launch",
  // SD.Next installer.py: run(cmd, arg), pip(arg) and git(arg) are subprocess.run(..., shell=True).
  "installer",
  // More of the standard library: CPython's private test extensions (shipped with python.org, Windows, macOS and
  // conda builds) run source (`_testcapi.run_in_subinterp(code)`) and write memory and files; warnings'
  // `_getcategory("pkg.mod.Name")` imports any module; `_lsprof` is cProfile's C half; tkinter's Tk and Tcl exec
  // `~/.Tk.py` when present and open windows; smtpd/asyncore/asynchat (≤ 3.11) bind sockets; readline reads and
  // writes history files; tty, curses and getpass take over the terminal.
  "_testcapi",
  "_testinternalcapi",
  "_testlimitedcapi",
  "_testclinic",
  "_testbuffer",
  "_testmultiphase",
  "_testsinglephase",
  "_testimportmultiple",
  "_testconsole",
  "_ctypes_test",
  "_xxtestfuzz",
  "warnings",
  "_warnings",
  "_py_warnings",
  "_lsprof",
  "tkinter",
  "_tkinter",
  "turtle",
  "turtledemo",
  "smtpd",
  "asyncore",
  "asynchat",
  "readline",
  "tty",
  "curses",
  "_curses",
  "getpass",
  // Packages the WebUIs install whose functions run text as code, start processes, import what a string names or
  // fetch from the network: sympy's functions sympify string arguments, which is parse_expr, an eval() with every
  // builtin function (__import__, exec, open) in scope (torch ≥ 2 requires sympy); numexpr evaluates its text;
  // uvicorn.run("module:attr") imports the module, then binds a socket; transformers' and diffusers' dynamic
  // modules download a repository's Python files and import them; huggingface_hub, httpx, urllib3 and fsspec
  // fetch and write; Lightning's cloud_io `load` is torch.load of a path or URL.
  "sympy",
  "numexpr",
  "uvicorn",
  "transformers.dynamic_module_utils",
  "diffusers.utils.dynamic_modules_utils",
  "huggingface_hub",
  "httpx",
  "urllib3",
  "fsspec",
  // Image and video I/O: OpenCV's readers and writers open paths, devices and URLs (cv2.imwrite truncates any
  // path); Pillow's ImageShow and ImageGrab run viewer, screenshot and clipboard programs, and its EPS plugin runs
  // Ghostscript; torchvision's io writes files and its dataset utilities download and extract archives anywhere.
  "cv2",
  "PIL.ImageShow",
  "PIL.ImageGrab",
  "PIL.EpsImagePlugin",
  "torchvision.io",
  "torchvision.datasets.utils",
  "pytorch_lightning.utilities.cloud_io",
  "lightning_fabric.utilities.cloud_io",
  "lightning.fabric.utilities.cloud_io",
  // numpy: ctypes library loading, file readers and writers, the downloading DataSource.
  "numpy.ctypeslib",
  // scipy's file formats: loadmat, savemat, wavfile, mmread, netcdf… open, create or truncate the path they are given.
  "scipy.io",
  "numpy.lib.npyio",
  "numpy.lib._npyio_impl",
  "numpy.lib._datasource",
  "numpy.core.memmap",
  "numpy._core.memmap",
  // Other deserializers that build arbitrary objects, and shells.
  "jsonpickle",
  "IPython",
  "sklearn.externals.joblib",
  "keras.saving",
  // Keras 3 keeps load_model (a Lambda layer in a legacy file runs its code) under keras.src.
  "keras.src.saving",
  "sh",
  "plumbum",
  // Importing it opens a web browser (Lib/antigravity.py calls webbrowser.open at its top level): GLOBAL alone runs it.
  "antigravity",
  // Standard-library modules whose openers and classes open, create or truncate the path they are given: dbm and
  // its backends (`dbm.open(f, "n")` always creates an empty database), the audio readers and writers
  // (`aifc.open(f, "wb")` is builtins.open(f, "wb")), uu's encode/decode, mailbox's mbox/Maildir/MH/Babyl/MMDF
  // (create=True makes the file or folder), the file-type sniffers and the readers of ~/.netrc, profiler stats
  // and source files to check, the sound device.
  "dbm",
  "_dbm",
  "_gdbm",
  "aifc",
  "sunau",
  "wave",
  "uu",
  "mailbox",
  "sndhdr",
  "imghdr",
  "netrc",
  "pstats",
  "tabnanny",
  "ossaudiodev",
  // torch/cuda/memory.py: _dump_snapshot(path) pickles the allocator history into the path, _save_memory_usage and
  // _save_segment_usage write an SVG there (each truncating it), CUDAPluggableAllocator(path, …) is ctypes.CDLL(path).
  // torch/cuda/_memory_viz.py format_flamegraph(lines, script), which memory() and segments() call, starts `script`
  // as a process. Model files name torch.cuda's tensor types, never these modules.
  "torch.cuda.memory",
  "torch.cuda._memory_viz",
  // mimetypes' read_mime_types(path), init(files) and MimeTypes(filenames) open and read the files they are given.
  "mimetypes",
  // The user, group and shadow databases (NSS may ask LDAP or NIS over the network).
  "pwd",
  "grp",
  "spwd",
  // SciPy's PytestTester: `scipy.<pkg>.test` (below) is one of these.
  "scipy._lib._testutils",
]);

/**
 * Names that, as an attribute of any module, are a module the attribute's owner imported (`pathlib.os`,
 * `shutil.sys`): find_class returns the module object itself, which BUILD can rewrite and later lookups reach.
 * Only names no class or function of a model file takes.
 */
export const MODULE_OBJECT_NAMES: ReadonlySet<string> = new Set([
  "os",
  "sys",
  "posix",
  "nt",
  "subprocess",
  "shutil",
  "socket",
  "builtins",
  "__builtin__",
  "importlib",
  "pickle",
  "marshal",
  "ctypes",
  "runpy",
  "pty",
]);

/**
 * Names that are dangerous in whatever module holds them, with why; no class or function a model file pickles has
 * these names, and the modules that hold them are too many or too unpredictable to list:
 * - nested loaders: torch's config modules (torch/utils/_config_module.py `install_config_module`) all gain
 *   `load_config(bytes)`, which is pickle.loads; the WebUIs keep the original torch.load as A1111's
 *   `modules.safe.unsafe_torch_load` and ComfyUI's `comfy.utils.load_torch_file(path)` (safe_load=False by
 *   default), and Forge and many extensions carry copies of both under their own module names;
 * - code runners: six.py's `exec_ = getattr(builtins, "exec")`, copied into python-future's `future.utils` and
 *   countless compat modules (with `eval_`), and Python 2's `execfile(path)` as compat modules re-implement it.
 */
export const DANGEROUS_NAMES: ReadonlyMap<string, string> = new Map([
  ["load_config", "a torch config module's load_config(bytes) is pickle.loads"],
  ["unsafe_torch_load", "the WebUIs' name for the original, unrestricted torch.load"],
  ["load_torch_file", "ComfyUI's torch.load of a path, unrestricted by default"],
  ["exec_", "the compat spelling of builtins.exec"],
  ["eval_", "the compat spelling of builtins.eval"],
  ["execfile", "compiles and execs the file at a path"],
  // transformers' and diffusers' `load_state_dict(file)`, A1111's `read_state_dict(file)` and their copies in
  // extensions torch.load the path (transformers takes weights_only positionally); the `_from_url` helpers of torch,
  // torchvision, basicsr and A1111's modelloader download into a cache first.
  ["load_state_dict", "torch.loads the file at a path"],
  ["read_state_dict", "torch.loads the file at a path"],
  ["load_state_dict_from_url", "downloads a file, then torch.loads it"],
  ["load_file_from_url", "downloads a file into a folder"],
]);

/**
 * Names dangerous in a package and every sub-module of it, where the package's own convention puts them:
 * - numpy and SciPy give every sub-package `test = PytestTester(__name__)` (numpy/_pytesttester.py,
 *   scipy/_lib/_testutils.py): calling `numpy.linalg.test()` runs pytest, which imports and runs test files;
 * - torchvision's model builders (`torchvision.models.resnet50`, `…detection.fasterrcnn_resnet50_fpn`) accept
 *   `pretrained`/`weights` positionally (torchvision/models/_utils.py `kwonly_to_pos_or_kw`), and True downloads the
 *   default weights into the hub cache. The builders are its lowercase names; the model classes a whole-model
 *   pickle names (`ResNet`, `Bottleneck`) are CapWords and stay unknown.
 */
export const PACKAGE_DANGEROUS_NAMES: ReadonlyArray<{ package: string; name: RegExp; reason: string }> = [
  { package: "numpy", name: /^test$/, reason: "a PytestTester: calling it runs pytest" },
  { package: "scipy", name: /^test$/, reason: "a PytestTester: calling it runs pytest" },
  { package: "torchvision.models", name: /^[a-z]/, reason: "a model builder that can download weights" },
];

/**
 * Exact dangerous pairs whose module is not dangerous as a whole. The other pairs of picklescan's `_unsafe_globals`
 * have their module in DANGEROUS_MODULES (`types`, `functools`, `operator`, `pydoc`, `cloudpickle`, …) or a dotted
 * name (`code.InteractiveInterpreter.runcode`, `torch.utils._config_module.ConfigModule.load_config`), which is
 * already a malformed global.
 */
export const DANGEROUS_GLOBALS: ReadonlySet<string> = new Set([
  // `_io.open` is `builtins.open`; `io` re-exports all three (reexports.ts), `_pyio` is their pure-Python twin.
  "_io.FileIO",
  "_io.open",
  "_io.open_code",
  "_pyio.FileIO",
  "_pyio.open",
  "_pyio.open_code",
  // Functions that open a path they are given (CPython Lib/codecs.py, tokenize.py, gzip.py, bz2.py, lzma.py).
  "codecs.open",
  "tokenize.open",
  "gzip.open",
  "gzip.GzipFile",
  "bz2.open",
  "bz2.BZ2File",
  "lzma.open",
  "lzma.LZMAFile",
  // XML parsers given a path open it (and may fetch external entities).
  "xml.etree.ElementTree.parse",
  "xml.etree.ElementTree.iterparse",
  "xml.etree.ElementTree.ElementTree",
  "xml.dom.minidom.parse",
  "xml.dom.pulldom.parse",
  // minidom.parse's own reader, and ElementInclude's loader of an href.
  "xml.dom.expatbuilder.parse",
  "xml.etree.ElementInclude.default_loader",
  "xml.sax.parse",
  // torch.save opens its path for writing (truncating it); from_file maps a path (read-write when shared); the
  // serialization helpers behind load and save open the path they are given.
  "torch.save",
  "torch.serialization.save",
  "torch.from_file",
  "torch.serialization._open_file",
  "torch.serialization._open_file_like",
  "torch.serialization._open_zipfile_reader",
  "torch.serialization._open_zipfile_writer",
  "torch.serialization._open_zipfile_writer_file",
  "torch.load",
  "torch.serialization.load",
  // The weights_only allowlist and location handlers every later torch.load in the process uses: a file loaded
  // without restriction could widen them for the files loaded after it.
  ...["add_safe_globals", "clear_safe_globals", "safe_globals", "register_package"].map(
    (f) => `torch.serialization.${f}`,
  ),
  "torch._weights_only_unpickler._add_safe_globals",
  "torch.storage._load_from_bytes",
  "torch.compile",
  "torch.utils.data.datapipes.utils.decoder.basichandlers",
  "pandas.read_pickle",
  "torch.serialization._load",
  "torch.serialization._legacy_load",
  // numpy functions that read, write or map the file they are given (its top-level file readers and writers are
  // numpy.lib.npyio's, reexports.ts).
  "numpy.fromfile",
  // numpy.fromfile is the C function of numpy's multiarray module, reachable under its defining spellings too.
  ...["numpy.core", "numpy._core"].flatMap((p) => [`${p}.multiarray.fromfile`, `${p}._multiarray_umath.fromfile`]),
  "numpy.memmap",
  // numpy.lib.format is a shim over numpy.lib._format_impl in numpy 2: both spellings resolve.
  ...["numpy.lib.format", "numpy.lib._format_impl"].flatMap((m) => [`${m}.open_memmap`, `${m}.read_array`]),
  "numpy.DataSource",
  // pandas readers (paths and URLs) and YAML loaders that build arbitrary objects.
  ...[
    "read_csv",
    "read_table",
    "read_json",
    "read_html",
    "read_xml",
    "read_excel",
    "read_parquet",
    "read_feather",
    "read_orc",
    "read_hdf",
    "read_sql",
    "read_sql_query",
    "read_sql_table",
    "read_fwf",
    "read_sas",
    "read_spss",
    "read_stata",
    "read_clipboard",
  ].map((f) => `pandas.${f}`),
  ...["load", "load_all", "unsafe_load", "unsafe_load_all", "full_load", "full_load_all"].map((f) => `yaml.${f}`),
  "keras.models.load_model",
  // psutil.Popen(*args) is subprocess.Popen (psutil is an A1111 and ComfyUI requirement).
  "psutil.Popen",
  // transformers.pipeline(task, model, …, trust_remote_code) downloads a repository and, with that positional flag,
  // imports its Python code.
  "transformers.pipeline",
  "transformers.pipelines.pipeline",
  // safetensors' file functions open, map or write (truncating) the path they are given.
  ...["save_file", "load_file", "save_model", "load_model"].map((f) => `safetensors.torch.${f}`),
  ...["save_file", "load_file"].map((f) => `safetensors.numpy.${f}`),
  "safetensors.safe_open",
  "safetensors._safetensors_rust.safe_open",
  // numpy 1.x lookfor(what, module) __import__s the module it names (numpy/lib/utils.py).
  "numpy.lookfor",
  "numpy.lib.utils.lookfor",
  // Record-array readers that open the path they are given (numpy/_core/records.py fromfile).
  "numpy.rec.fromfile",
  "numpy.core.records.fromfile",
  "numpy._core.records.fromfile",
  // PIL/Image.py open(fp) opens and reads the path it is given; pickled images name PIL.Image.Image, not open.
  "PIL.Image.open",
  // CPython Lib/copyreg.py: the extension registry EXT1/EXT2/EXT4 resolve through, and the reducers pickle.dumps
  // (torch.save) uses. A file that changes them changes what every later pickle in the process does.
  ...["add_extension", "remove_extension", "clear_extension_cache", "pickle"].map((f) => `copyreg.${f}`),
  // CPython Lib/typing.py: a ForwardRef holds compiled code whose one use is to be evaluated; `_eval_type`,
  // `evaluate_forward_ref` and `get_type_hints` eval() it (typing_extensions has the same functions).
  ...["ForwardRef", "_eval_type", "evaluate_forward_ref", "get_type_hints"].flatMap((f) => [
    `typing.${f}`,
    `typing_extensions.${f}`,
  ]),
  "annotationlib.ForwardRef",
  // CPython Lib/dataclasses.py (3.7–3.12) `_create_fn(name, args, body)` exec()s a def made from its text: a
  // default value in `args` runs while the def is made.
  "dataclasses._create_fn",
  "mlflow.projects.backend.local._run_entry_point",
]);

/** The only builtins that are SAFE; they appear via protocol-2 `__builtin__ set` etc. */
export const SAFE_BUILTINS: ReadonlySet<string> = new Set(["set", "frozenset", "complex", "bytearray"]);

/**
 * The rest of fickling's `SAFE_BUILTINS`: no direct code execution, but some call other callables ⇒ at most suspicious.
 */
export const KNOWN_BUILTINS: ReadonlySet<string> = new Set([
  "bool",
  "int",
  "float",
  "str",
  "bytes",
  "list",
  "tuple",
  "dict",
  "len",
  "abs",
  "sum",
  "min",
  "max",
  "round",
  "pow",
  "divmod",
  "sorted",
  "reversed",
  "enumerate",
  "zip",
  "range",
  "map",
  "filter",
  "slice",
  "iter",
  "next",
  "all",
  "any",
  "hash",
  "id",
  "repr",
  "ascii",
  "bin",
  "hex",
  "oct",
  "ord",
  "chr",
  "isinstance",
  "issubclass",
  "object",
  "callable",
  "format",
]);

/** Module names of the builtins family; any builtin not listed above (eval, exec, getattr, …) is dangerous. */
export const BUILTINS_MODULES: ReadonlySet<string> = new Set(["builtins", "__builtin__", "__builtins__"]);
