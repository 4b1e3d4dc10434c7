import { describe, expect, it } from "vitest";
import { judgeGlobal } from "../../src/pickle/judge-global.js";

const cls = (module: string, name: string, protocol = 4) => judgeGlobal(module, name, protocol).class;

/**
 * One test per family of modules that hand out the same dangerous object under another name (CPython's
 * `from X import …` statements): every spelling must get the verdict of the object, not of the spelling.
 */
describe("aliases of dangerous objects", () => {
  it("io / _io / _pyio: open, open_code and FileIO are builtins.open and its raw file class", () => {
    for (const module of ["io", "_io", "_pyio"]) {
      for (const name of ["open", "open_code", "FileIO"])
        expect(cls(module, name), `${module}.${name}`).toBe("dangerous");
    }
    expect(cls("builtins", "open")).toBe("dangerous");
    expect(judgeGlobal("io", "open", 4).reason).toContain("_io.open");
    // The in-memory buffers stay what they were: classes that need trusting, never dangerous.
    expect(cls("io", "BytesIO")).toBe("unknown");
    expect(cls("_io", "BytesIO")).toBe("known");
  });

  it("os / posix / nt / posixpath / ntpath / genericpath: every spelling of os and os.path", () => {
    for (const [module, name] of [
      ["os", "system"],
      ["posix", "system"],
      ["nt", "system"],
      ["os.path", "exists"],
      ["posixpath", "realpath"],
      ["ntpath", "expanduser"],
      ["genericpath", "getsize"],
    ]) {
      expect(cls(module!, name!), `${module}.${name}`).toBe("dangerous");
    }
  });

  it("pathlib: the operator.attrgetter it imports, and the os module it holds", () => {
    expect(cls("pathlib", "attrgetter")).toBe("dangerous");
    expect(cls("pathlib", "os")).toBe("dangerous");
    expect(cls("pathlib", "PurePosixPath")).toBe("unknown");
  });

  it("shutil, subprocess and their C halves", () => {
    for (const [module, name] of [
      ["shutil", "rmtree"],
      ["subprocess", "Popen"],
      ["_posixsubprocess", "fork_exec"],
      ["_winapi", "CreateProcess"],
      ["shutil", "os"],
      ["tempfile", "shutil"],
    ]) {
      expect(cls(module!, name!), `${module}.${name}`).toBe("dangerous");
    }
  });

  it("socket / _socket / _ssl", () => {
    for (const [module, name] of [
      ["socket", "create_connection"],
      ["_socket", "socket"],
      ["_ssl", "_SSLContext"],
    ]) {
      expect(cls(module!, name!), `${module}.${name}`).toBe("dangerous");
    }
  });

  it("functools / _functools and operator / _operator: the call-chaining helpers under both names", () => {
    for (const [module, name] of [
      ["functools", "partial"],
      ["_functools", "partial"],
      ["_functools", "reduce"],
      ["operator", "attrgetter"],
      ["_operator", "methodcaller"],
    ]) {
      expect(cls(module!, name!), `${module}.${name}`).toBe("dangerous");
    }
  });

  it("functions elsewhere in the standard library that open the path they are given", () => {
    for (const [module, name] of [
      ["codecs", "open"],
      ["tokenize", "open"],
      ["gzip", "open"],
      ["bz2", "BZ2File"],
      ["lzma", "open"],
      ["dbm", "open"],
    ]) {
      expect(cls(module!, name!), `${module}.${name}`).toBe("dangerous");
    }
    // codecs.encode is not _codecs.encode's allowlist entry by spelling, and never becomes safer than its spelling.
    expect(cls("codecs", "encode")).toBe("unknown");
  });
});

describe("red team: code-execution and file-touching callables the denylist missed", () => {
  it.each([
    ["torch.fx.graph_module", "reduce_graph_module"],
    ["torch.utils.cpp_extension", "load_inline"],
    ["torch.package.package_importer", "PackageImporter"],
    ["torch._C", "import_ir_module_from_buffer"],
    ["torch.multiprocessing.reductions", "rebuild_storage_filename"],
    ["torch.serialization", "_legacy_load"],
    ["torch.utils.model_zoo", "load_url"],
    ["numpy", "fromfile"],
    ["numpy", "memmap"],
    ["numpy.ctypeslib", "load_library"],
    ["numpy.lib.npyio", "load"],
    ["pandas", "read_html"],
    ["yaml", "unsafe_load"],
    ["jsonpickle", "decode"],
    ["weakref", "finalize"],
    ["_sitebuiltins", "_Printer"],
    ["keras.models", "load_model"],
  ])("%s.%s is dangerous", (module, name) => {
    expect(cls(module, name)).toBe("dangerous");
  });

  it.each([
    ["httpx", "get"],
    ["urllib3", "request"],
    ["fsspec", "open_local"],
    ["numexpr", "evaluate"],
    ["pytorch_lightning.utilities.cloud_io", "load"],
    ["lightning_fabric.utilities.cloud_io", "_load"],
    ["diffusers.utils.dynamic_modules_utils", "get_class_from_dynamic_module"],
    ["safetensors.torch", "load_file"],
    ["safetensors", "safe_open"],
    ["sympy.parsing.sympy_parser", "parse_expr"],
    ["_testinternalcapi", "run_in_subinterp_with_config"],
    ["_lsprof", "Profiler"],
    ["_warnings", "warn"],
    ["smtpd", "SMTPServer"],
    ["asyncore", "dispatcher"],
    ["readline", "write_history_file"],
    ["tty", "setraw"],
    ["curses", "initscr"],
    ["getpass", "getpass"],
    ["numpy", "lookfor"],
    ["cv2", "imwrite"],
    ["PIL.ImageShow", "show"],
    ["PIL.ImageGrab", "grabclipboard"],
    ["torchvision.datasets.utils", "extract_archive"],
    ["torchvision.io", "write_file"],
    ["numpy.core.multiarray", "fromfile"],
    ["numpy.lib._format_impl", "open_memmap"],
    ["xml.dom.expatbuilder", "parse"],
    ["xml.etree.ElementInclude", "default_loader"],
    ["numpy._core.multiarray", "fromfile"],
    ["torch.utils.tensorboard", "SummaryWriter"],
    ["tensorboardX", "SummaryWriter"],
    ["keras.src.saving.saving_api", "load_model"],
    ["scipy.io", "loadmat"],
    ["scipy.io.wavfile", "write"],
    ["turtle", "Screen"],
  ])("network, file, process and eval primitives: %s.%s is dangerous", (module, name) => {
    expect(cls(module, name)).toBe("dangerous");
  });

  it("antigravity: any name imports the module, whose top level opens a web browser", () => {
    for (const name of ["geohash", "fly", "webbrowser"]) expect(cls("antigravity", name), name).toBe("dangerous");
  });

  it("torch.save / torch.from_file and the serialization helpers that open a path", () => {
    for (const [module, name] of [
      ["torch", "save"],
      ["torch.serialization", "save"],
      ["torch", "from_file"],
      ["torch.serialization", "_open_file_like"],
      ["torch.serialization", "_open_zipfile_writer"],
    ]) {
      expect(cls(module!, name!), `${module}.${name}`).toBe("dangerous");
    }
  });

  it("dbm and its backends, under Python 3 names and the Python 2 names protocol 2 maps", () => {
    for (const [module, name] of [
      ["dbm", "open"],
      ["dbm.dumb", "open"],
      ["dbm.gnu", "open"],
      ["dbm.ndbm", "open"],
      ["dbm.sqlite3", "open"],
      ["dbm", "whichdb"],
      ["_dbm", "open"],
      ["_gdbm", "open"],
    ]) {
      expect(cls(module!, name!), `${module}.${name}`).toBe("dangerous");
    }
    for (const [module, name] of [
      ["dbm", "open"],
      ["anydbm", "open"],
      ["dumbdbm", "open"],
      ["gdbm", "open"],
    ]) {
      expect(cls(module!, name!, 2), `${module}.${name} (protocol 2)`).toBe("dangerous");
    }
  });

  it("audio readers and writers that open the path they are given: aifc, sunau, wave, ossaudiodev", () => {
    for (const [module, name] of [
      ["aifc", "open"],
      ["aifc", "Aifc_write"],
      ["sunau", "open"],
      ["sunau", "Au_write"],
      ["wave", "open"],
      ["wave", "Wave_write"],
      ["ossaudiodev", "open"],
    ]) {
      expect(cls(module!, name!), `${module}.${name}`).toBe("dangerous");
    }
  });

  it("uu and mailbox: encode/decode open both files, the mailbox classes create theirs", () => {
    for (const [module, name] of [
      ["uu", "decode"],
      ["uu", "encode"],
      ["mailbox", "mbox"],
      ["mailbox", "Maildir"],
      ["mailbox", "MH"],
      ["mailbox", "Babyl"],
      ["mailbox", "MMDF"],
    ]) {
      expect(cls(module!, name!), `${module}.${name}`).toBe("dangerous");
    }
  });

  it("readers of a named file: file-type sniffers, netrc, profiler stats, tabnanny, XML parsers", () => {
    for (const [module, name] of [
      ["sndhdr", "what"],
      ["imghdr", "what"],
      ["netrc", "netrc"],
      ["pstats", "Stats"],
      ["tabnanny", "check"],
      ["xml.etree.ElementTree", "parse"],
      ["xml.etree.ElementTree", "iterparse"],
      ["xml.etree.ElementTree", "ElementTree"],
      ["xml.dom.minidom", "parse"],
      ["xml.dom.pulldom", "parse"],
      ["xml.sax", "parse"],
    ]) {
      expect(cls(module!, name!), `${module}.${name}`).toBe("dangerous");
    }
    // Parsing text already in the pickle opens nothing.
    expect(cls("xml.etree.ElementTree", "fromstring")).toBe("unknown");
  });

  it("six.moves, and vendored copies of six: each moved name gets the verdict of the object it resolves to", () => {
    for (const [module, name] of [
      ["six.moves", "getoutput"],
      ["six.moves", "reload_module"],
      ["six.moves", "getcwd"],
      ["six.moves.builtins", "exec"],
      ["six.moves.cPickle", "Unpickler"],
      ["six.moves.http_client", "HTTPSConnection"],
      ["six.moves.urllib_request", "urlretrieve"],
      ["six.moves.urllib.request", "urlopen"],
      ["pip._vendor.six.moves", "getoutput"],
      ["urllib3.packages.six.moves", "getstatusoutput"],
    ]) {
      expect(cls(module!, name!), `${module}.${name}`).toBe("dangerous");
    }
    expect(judgeGlobal("six.moves", "getoutput", 2).reason).toContain("subprocess.getoutput");
    // Harmless moves stay what an unknown import is; a module merely named like six's is not six.
    expect(cls("six.moves", "range")).toBe("unknown");
    expect(cls("six.moves.collections_abc", "Mapping")).toBe("unknown");
    expect(cls("sixteen.moves", "getoutput")).toBe("unknown");
  });

  it("python-future's aliases of standard modules and builtins", () => {
    for (const [module, name] of [
      ["future.moves.subprocess", "Popen"],
      ["future.moves.pickle", "loads"],
      ["future.backports.urllib.request", "urlopen"],
      ["future.backports.http.server", "HTTPServer"],
      ["future.builtins", "open"],
      ["past.builtins", "apply"],
      ["past.builtins", "execfile"],
      ["past.builtins", "reload"],
    ]) {
      expect(cls(module!, name!), `${module}.${name}`).toBe("dangerous");
    }
    expect(cls("past.builtins", "chr")).toBe("unknown");
    expect(cls("future.moves.collections", "OrderedDict")).toBe("unknown");
  });

  it("six's importer is matched wherever a package vendors it, and only a dangerous move is denied", () => {
    // Decided: any `<parent>.six.moves` is six. The copies live under parents no list would keep up with (pip
    // `_vendor`, urllib3 and requests `packages`, botocore `vendored`, scikit-learn `externals`, setuptools
    // `extern`, Django `utils`); a `six` module holding `moves` is the layout only six's meta-path importer makes.
    for (const parent of [
      "pip._vendor",
      "urllib3.packages",
      "requests.packages.urllib3.packages",
      "botocore.vendored",
      "sklearn.externals",
      "setuptools.extern",
      "pkg_resources.extern",
      "django.utils",
    ]) {
      expect(cls(`${parent}.six.moves`, "getoutput"), parent).toBe("dangerous");
      expect(cls(`${parent}.six.moves.cPickle`, "loads"), parent).toBe("dangerous");
    }
    // What an unrelated `*.six.moves` costs: a false alarm only on a name six would move to a dangerous object;
    // any other name is the unknown import it was, and an ordinary checkpoint names none of these modules.
    expect(cls("somepkg.six.moves", "Model")).toBe("unknown");
    expect(cls("somepkg.six.moves.layers", "Conv")).toBe("unknown");
    // `six` must be a whole component followed by `moves`.
    expect(cls("somepkg.six", "getoutput")).toBe("unknown");
    expect(cls("somepkg.sixmoves", "getoutput")).toBe("unknown");
    expect(cls("somepkg.moves.six", "getoutput")).toBe("unknown");
  });

  it("python-future's prefixes match only its own top-level packages, never a sub-package named future", () => {
    // `future` and `past` are top-level names, so one environment holds one of each: python-future's.
    expect(cls("future.moves.subprocess", "getoutput")).toBe("dangerous");
    expect(cls("mypkg.future.moves.subprocess", "getoutput")).toBe("unknown");
    expect(cls("mypkg.past.builtins", "execfile")).toBe("dangerous"); // the compat name, in any module
    expect(cls("mypkg.past.builtins", "apply")).toBe("unknown");
    expect(cls("futures.moves", "getoutput")).toBe("unknown");
  });

  it("numpy's top-level file readers and writers are numpy.lib.npyio's", () => {
    for (const name of ["load", "save", "savez", "loadtxt", "genfromtxt", "fromregex", "recfromcsv"])
      expect(cls("numpy", name), `numpy.${name}`).toBe("dangerous");
    expect(cls("numpy", "frombuffer")).toBe("unknown");
  });

  it("package-wide names: numpy/SciPy PytestTesters and torchvision builders, not the classes beside them", () => {
    for (const [module, name] of [
      ["numpy", "test"],
      ["numpy.fft", "test"],
      ["numpy.random", "test"],
      ["scipy", "test"],
      ["scipy.sparse.linalg", "test"],
      ["scipy._lib._testutils", "PytestTester"],
      ["torchvision.models", "vgg16"],
      ["torchvision.models", "get_model"],
      ["torchvision.models.resnet", "resnet50"],
      ["torchvision.models.video", "r3d_18"],
    ]) {
      expect(cls(module!, name!), `${module}.${name}`).toBe("dangerous");
    }
    // A whole-model pickle of a torchvision network names its classes: still only unknown (needs trusting).
    for (const [module, name] of [
      ["torchvision.models.resnet", "ResNet"],
      ["torchvision.models.resnet", "Bottleneck"],
      ["torchvision.models.resnet", "ResNet50_Weights"],
      ["numpy.random", "RandomState"],
      ["numpy.testlib", "tester"],
      ["torchvision.ops.misc", "conv2d_norm"],
    ]) {
      expect(cls(module!, name!), `${module}.${name}`).toBe("unknown");
    }
  });

  it("helpers that torch.load or download a path, in any module that defines or copies them", () => {
    for (const [module, name] of [
      ["transformers.modeling_utils", "load_state_dict"],
      ["diffusers.models.modeling_utils", "load_state_dict"],
      ["modules.sd_models", "read_state_dict"],
      ["torchvision.models.utils", "load_state_dict_from_url"],
      ["basicsr.utils.download_util", "load_file_from_url"],
      ["modules.modelloader", "load_file_from_url"],
    ]) {
      expect(cls(module!, name!), `${module}.${name}`).toBe("dangerous");
    }
  });

  it("copyreg's registries, the CUDA allocator's files and libraries, PIL's opener, user databases", () => {
    for (const [module, name, protocol] of [
      ["copyreg", "add_extension", 4],
      ["copy_reg", "add_extension", 2],
      ["copyreg", "pickle", 4],
      ["torch.cuda.memory", "_save_segment_usage", 4],
      ["torch.cuda", "CUDAPluggableAllocator", 4],
      ["PIL.Image", "open", 4],
      ["mimetypes", "init", 4],
      ["spwd", "getspall", 4],
    ] as const) {
      expect(cls(module, name, protocol), `${module}.${name}`).toBe("dangerous");
    }
    expect(cls("copyreg", "_reconstructor")).toBe("known");
    expect(cls("copy_reg", "_reconstructor", 2)).toBe("known");
    expect(cls("torch.cuda", "FloatTensor")).toBe("known");
    expect(cls("torch.cuda", "empty_cache")).toBe("unknown");
    expect(cls("PIL.Image", "Image")).toBe("unknown");
  });

  it("the torch names ordinary checkpoints use stay as they were", () => {
    expect(cls("torch._utils", "_rebuild_tensor_v2")).toBe("safe");
    expect(cls("torch.serialization", "_get_layout")).toBe("known");
    expect(cls("torch.nn.modules.linear", "Linear")).toBe("known");
    expect(cls("torch._tensor", "_rebuild_from_type_v2")).toBe("known");
  });
});
