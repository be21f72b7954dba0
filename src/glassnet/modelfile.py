"""Model files: one ``.npz`` holding the arrays and a JSON description, never a pickle.

Layout of a file::

    __glassnet__   a string array: the JSON description (format, versions, kind, config)
    theta          the packed parameter vector of the network
    buffer         the network's packed buffers (BatchNorm's running statistics; empty if none)
    ...            other plain arrays a kind needs (an estimator's classes, say)

Files are written atomically (``glassnet._atomic``: a temporary file in the same folder,
then a rename), so an interrupted save leaves the previous file intact. Loading looks at
the file's first bytes, its size and the zip's directory before reading any array, streams
each member into its array with ``allow_pickle=False`` semantics, and checks every array
against the description before building anything: a file that is truncated, corrupted, of
another format or hostile raises ``ModelFileError``.
"""

from __future__ import annotations

import importlib
import json
import os
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ._atomic import atomic_write

__all__ = ["save", "load", "ModelFileError", "FORMAT", "FORMAT_VERSION", "register_kind"]

FORMAT = "glassnet-model"
FORMAT_VERSION = 3
# version 1: ``glassnet train`` kept the input scaling and the class names in the network's
# metadata (``x_mean``, ``x_scale``, ``classes``), where only ``glassnet predict`` applied
# them; version 2 keeps them in the network (``input_transform``, ``classes``), and files
# of version 1 are migrated on loading (``migrate_v1``).
# version 2 (and 1) packed the layers' buffers (BatchNorm's running statistics) into
# ``theta``; version 3 keeps them in their own array ``buffer``, and the ``theta`` of
# earlier files is split on loading (``split_legacy_theta``)
READ_VERSIONS = (1, 2, 3)
META_KEY = "__glassnet__"
MAX_PARAMS = 2_000_000_000  # no real glassnet model comes near this: refuse absurd files
MAX_META_CHARS = 10_000_000

_KINDS: dict[str, tuple] = {}
# kinds defined above the engine register themselves when their module is imported;
# ``load`` imports that module on demand, so reading a file needs no import beforehand
_KIND_MODULES = {
    "NetClassifier": "glassnet.estimators.modelfile",
    "NetRegressor": "glassnet.estimators.modelfile",
    "Checkpoint": "glassnet.train.checkpoint",
}


class ModelFileError(ValueError):
    """A model file that cannot be loaded: the message says what is wrong with it."""


def register_kind(name: str, cls, to_file, from_file) -> None:
    """Teach ``save``/``load`` a new kind of object.

    ``to_file(obj) -> (description dict, {name: ndarray})`` and
    ``from_file(description, arrays) -> obj``; ``from_file`` must check what it reads
    and raise ``ModelFileError`` for anything inconsistent.
    """
    _KINDS[name] = (cls, to_file, from_file)


def _kind_of(obj) -> str:
    for name, (cls, _, _) in _KINDS.items():
        if type(obj) is cls:
            return name
    for name, (cls, _, _) in _KINDS.items():
        if isinstance(obj, cls):
            return name
    known = ", ".join(sorted(_KINDS))
    raise TypeError(f"cannot save an object of type {type(obj).__name__}; glassnet saves {known}")


def check_save_path(path, name: str = "path") -> Path:
    """``path`` as a ``Path`` if a model file can be written there: a file name (not a
    folder) in a folder that exists. The messages call it ``name`` (``fit`` passes
    ``"checkpoint"``)."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a file name (str or Path), got {path!r}")
    if not os.fspath(path):  # Path("") would be the current folder
        raise ValueError(f"{name} must be a file name, got an empty one ''")
    path = Path(path)
    where = f"cannot save to {str(path)!r}" if name == "path" else f"{name}={str(path)!r}"
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValueError(f"{where}: folder {str(folder)!r} does not exist")
    if path.is_dir():
        raise ValueError(f"{where}: it is a folder; give a file name")
    return path


def save(obj, path) -> Path:
    """Write ``obj`` (a network or a fitted estimator) to ``path`` atomically; returns the path.

    The name is used as given (no suffix is added); ``.npz`` is the usual choice.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import glassnet as gn
    >>> net = gn.mlp([2, 3, 2], seed=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
    >>> _ = gn.save(net, path)
    >>> bool(np.array_equal(gn.load(path).theta, net.theta))
    True
    """
    from . import __version__

    kind = _kind_of(obj)
    description, arrays = _KINDS[kind][1](obj)
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "glassnet_version": __version__,
        "kind": kind,
        **description,
    }
    for key, arr in arrays.items():
        dtype = np.asarray(arr).dtype
        if key == META_KEY or not storable(dtype):
            raise TypeError(
                f"array {key!r} of dtype {dtype} cannot be stored in a model file (it holds "
                f"booleans, integers, floats and str)"
            )
    path = check_save_path(path)
    for key in ("theta", "buffer"):
        if key in arrays and not np.isfinite(arrays[key]).all():
            what = "parameters" if key == "theta" else "buffers (BatchNorm's statistics)"
            raise ValueError(
                f"cannot save to {str(path)!r}: the {what} hold NaN or inf (a diverged "
                "network), which gn.load refuses"
            )
    atomic_write(path, lambda fh: np.savez(fh, **{META_KEY: np.array(json.dumps(meta))}, **arrays))
    return path


MAX_MEMBERS = 64
MAX_BYTES = 16 * 2**30  # the most a model file may unpack to (and the largest file read)
MAX_RATIO = 4  # the most a member may expand by when compressed (plus 1 MiB): trained
# parameters deflate by about 1.1, so more means zeros made to look like a model, and it
# would multiply what loading a small file costs in memory
MAX_HEADER = 10_000  # bytes of a .npy header; numpy refuses longer ones as unsafe


def _read_header(fh, name: str):
    """``(shape, fortran_order, dtype)`` of a ``.npy`` stream; any malformation raises
    ``ModelFileError`` (numpy's own errors name tokens and pickles, not the file)."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(fh)
    except ValueError as exc:
        raise ModelFileError(f"array {name!r} is not a .npy array ({exc})") from None
    if version not in ((1, 0), (2, 0)):
        raise ModelFileError(f"array {name!r} has .npy version {version}")
    size_bytes = fh.read(2 if version == (1, 0) else 4)
    if len(size_bytes) != (2 if version == (1, 0) else 4):
        raise ModelFileError(f"array {name!r} ends inside its .npy header")
    length = struct.unpack("<H" if version == (1, 0) else "<I", size_bytes)[0]
    if length > MAX_HEADER:
        raise ModelFileError(
            f"array {name!r} has a .npy header of {length} bytes; a model file's headers "
            f"are short (at most {MAX_HEADER})"
        )
    fh.seek(fh.tell() - len(size_bytes))
    reader = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
    try:
        return reader(fh, max_header_size=MAX_HEADER)
    except Exception as exc:  # tokenize.TokenError, SyntaxError, ValueError, ...
        raise ModelFileError(
            f"array {name!r} has a malformed .npy header ({type(exc).__name__}: {exc})"
        ) from None


def storable(dtype: np.dtype) -> bool:
    """Whether a model file holds arrays of ``dtype`` (what ``save`` writes, ``load`` reads)."""
    return dtype.kind in "biufU" and dtype.fields is None and dtype.subdtype is None


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    """One ``.npy`` member, its header checked against its size before any data is read;
    the data is then read in one piece into a fresh array (no intermediate copy)."""
    with zf.open(info) as fh:
        shape, fortran, dtype = _read_header(fh, info.filename)
        if dtype.hasobject:
            raise ModelFileError(
                f"array {info.filename!r} holds Python objects (a pickle); glassnet never "
                f"loads pickles"
            )
        if not storable(dtype):
            raise ModelFileError(f"array {info.filename!r} has unsupported dtype {dtype}")
        count = 1
        for d in shape:
            count *= d
        expected = fh.tell() + count * dtype.itemsize
        if expected != info.file_size:
            raise ModelFileError(
                f"array {info.filename!r} declares shape {shape} of {dtype} "
                f"({count * dtype.itemsize} bytes) but holds {info.file_size - fh.tell()}"
            )
        out = np.empty(shape[::-1] if fortran else shape, dtype=dtype)
        view = memoryview(out.reshape(-1).view(np.uint8)) if out.size else memoryview(b"")
        done = 0
        while done < len(view):
            n = fh.readinto(view[done : done + (1 << 24)])
            if not n:
                raise ModelFileError(f"array {info.filename!r} is truncated")
            done += n
        return out.T if fortran else out


def _check_directory(path, infos: list) -> None:
    """Sizes and names from the zip's central directory, checked before anything is read."""
    names = [i.filename for i in infos]
    if len(infos) > MAX_MEMBERS:
        raise ModelFileError(f"{path} holds {len(infos)} members; a model has a few")
    if len(set(names)) != len(names):
        raise ModelFileError(f"{path} holds two members of the same name")
    total = 0
    for info in infos:
        if not info.filename.endswith(".npy") or info.is_dir():
            raise ModelFileError(f"{path} holds {info.filename!r}, which is not an array")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ModelFileError(f"{path}: member {info.filename!r} uses an unknown codec")
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise ModelFileError(
                f"{path}: member {info.filename!r} declares {info.file_size} bytes "
                f"but stores {info.compress_size}"
            )
        if info.file_size > MAX_RATIO * max(info.compress_size, 1) + 2**20:
            raise ModelFileError(
                f"{path}: member {info.filename!r} would expand from "
                f"{info.compress_size} to {info.file_size} bytes (a zip bomb?)"
            )
        total += info.file_size
    if total > MAX_BYTES:
        raise ModelFileError(f"{path} would unpack to {total} bytes, too many for a model")
    if META_KEY + ".npy" not in names:
        raise ModelFileError(
            f"{path} is an .npz file but not a glassnet model file (no description)"
        )


def _sniff(path: Path) -> None:
    """Refuse what is not a zip archive from its size and first bytes, reading no more."""
    if not path.is_file():
        raise ModelFileError(f"model file {str(path)!r} does not exist or is not a file")
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise ModelFileError(f"cannot read model file {str(path)!r}: {exc}") from exc
    if head[:2] != b"PK":
        if head[:6] == b"\x93NUMPY":
            raise ModelFileError(f"{path} is a single .npy array, not a glassnet model file")
        if head[:1] == b"\x80":
            raise ModelFileError(f"{path} is a Python pickle; glassnet never loads pickles")
        what = "empty" if not head else "not an .npz (zip) archive"
        raise ModelFileError(f"{path} is not a glassnet model file: it is {what}")
    if size > MAX_BYTES:
        raise ModelFileError(f"{path} is {size} bytes, too large for a model file")


_UNREADABLE = (
    OSError,
    EOFError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    KeyError,
    RuntimeError,
    MemoryError,
    NotImplementedError,
    OverflowError,
    TypeError,
    IndexError,
    UnicodeDecodeError,
    SyntaxError,
    zlib.error,
)


def _parse_description(path, meta_arr: np.ndarray) -> dict:
    if meta_arr.dtype.kind != "U" or meta_arr.ndim != 0 or meta_arr.size != 1:
        raise ModelFileError(f"{path}: the description is not a JSON string")
    text = str(meta_arr)
    if len(text) > MAX_META_CHARS:
        raise ModelFileError(f"{path}: the description is implausibly large ({len(text)} chars)")
    try:
        meta = json.loads(text)
    except (ValueError, RecursionError) as exc:  # ValueError: also an integer of 5000 digits
        raise ModelFileError(f"{path}: the description is not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise ModelFileError(f"{path}: the description is not a JSON object")
    return meta


def _read(path) -> tuple[dict, dict]:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file name (str or Path), got {path!r}")
    path = Path(path)
    _sniff(path)
    try:
        with zipfile.ZipFile(path) as zf:  # reads the directory, then each member in turn
            infos = zf.infolist()
            _check_directory(path, infos)
            arrays = {}
            for info in infos:
                try:
                    arrays[info.filename[:-4]] = _read_member(zf, info)
                except ModelFileError as exc:
                    raise ModelFileError(f"{path}: {exc}") from None
    except ModelFileError:
        raise
    except ValueError as exc:
        raise ModelFileError(f"{path} is not a valid model file: {exc}") from exc
    except _UNREADABLE as exc:
        raise ModelFileError(
            f"{path} is not a valid model file (truncated or corrupted?): "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    return _parse_description(path, arrays.pop(META_KEY)), arrays


def load(path):
    """Read a model file written by ``save``; returns the network or estimator.

    Raises
    ------
    ModelFileError
        The file is missing, truncated, corrupted, of another format or version, or
        its arrays disagree with its description. Nothing in the file is executed.

    Examples
    --------
    >>> import os, tempfile
    >>> import glassnet as gn
    >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
    >>> _ = gn.save(gn.mlp([2, 3, 2], seed=0), path)
    >>> net = gn.load(path)
    >>> type(net).__name__, net.n_params
    ('Sequential', 17)
    """
    meta, arrays = _read(path)
    if meta.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not a glassnet model file (format {meta.get('format')!r})")
    version = meta.get("format_version")
    if type(version) is not int or version not in READ_VERSIONS:
        readable = " or ".join(map(str, READ_VERSIONS))
        raise ModelFileError(
            f"{path} uses model-file format version {version!r} (written by glassnet "
            f"{meta.get('glassnet_version', '?')}); this glassnet reads version {readable}. "
            f"Load and re-save it with a glassnet that reads version {version!r}, or retrain."
        )
    kind = meta.get("kind")
    if not isinstance(kind, str):  # a list or a dict cannot even be looked up
        raise ModelFileError(f"{path}: the kind of model must be a name, got {kind!r:.80}")
    if kind not in _KINDS and kind in _KIND_MODULES:
        importlib.import_module(_KIND_MODULES[kind])
    if kind not in _KINDS:
        raise ModelFileError(f"{path}: unknown kind of model {kind!r}")
    try:
        return _KINDS[kind][2](meta, arrays)
    except ModelFileError as exc:
        raise ModelFileError(f"{path}: {exc}") from None
    except (
        KeyError,
        TypeError,
        ValueError,
        AttributeError,
        IndexError,
        OverflowError,
        RecursionError,
        MemoryError,
    ) as exc:
        raise ModelFileError(
            f"{path}: the description is inconsistent: {type(exc).__name__}: {exc}"
        ) from exc


# ------------------------------------------------------------------ networks
def config_sizes(config: dict) -> tuple[int, int]:
    """``(parameters, buffer values)`` a network description implies, computed without
    allocating."""
    from .layers import Dense
    from .network import LAYERS

    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise ModelFileError("the network description has no layer list")
    n_params = n_buffer = 0
    for spec in config["layers"]:
        if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
            raise ModelFileError(f"bad layer description {spec!r:.80}")
        if spec["type"] not in LAYERS:
            raise ModelFileError(f"unknown layer type {spec['type']!r}")
        if LAYERS.get(spec["type"]) is Dense:
            n_in, n_out = spec.get("n_in"), spec.get("n_out")
            if not all(
                isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (n_in, n_out)
            ):
                raise ModelFileError(f"bad Dense widths in {spec!r:.80}")
            n_params += n_in * n_out + n_out
        elif hasattr(LAYERS.get(spec["type"]), "sizes_from_config"):  # BatchNorm
            p, b = LAYERS.get(spec["type"]).sizes_from_config(spec)
            n_params, n_buffer = n_params + p, n_buffer + b
        if n_params + n_buffer > MAX_PARAMS:
            raise ModelFileError(f"the description implies over {MAX_PARAMS} parameters")
    return n_params, n_buffer


def _layers_from_config(config: dict) -> list:
    """The layers of a network description (``TypeError``/``ValueError`` for bad ones)."""
    from .network import LAYERS

    layers = []
    for spec in config["layers"]:
        spec = dict(spec)
        layers.append(LAYERS.create(spec.pop("type"), argname="layer type", **spec))
    return layers


def _build_uninitialized(Sequential, config: dict):
    """``Sequential.from_config`` without drawing random initial weights: the file's
    parameters overwrite them, and the random draw would add its temporaries to the peak
    memory of a load."""
    layers = _layers_from_config(config)
    for layer in layers:
        layer.initialize = lambda rng: None  # an instance attribute, removed below
    try:
        return Sequential(
            layers,
            seed=None,
            dtype=config.get("dtype", "float64"),
            input_transform=config.get("input_transform"),
            classes=config.get("classes"),
        )
    finally:
        for layer in layers:
            del layer.initialize


def _check_vector(name: str, arr, size: int, what: str, dtype: str) -> None:
    """``arr``: a 1-D float array of ``size`` finite numbers of ``dtype``."""
    if not isinstance(arr, np.ndarray) or arr.ndim != 1 or arr.dtype.kind != "f":
        raise ModelFileError(f"the {what} {name!r} is missing or not a 1-D float array")
    if arr.size != size:
        raise ModelFileError(f"the description implies {size} {what} but {name!r} holds {arr.size}")
    if not np.isfinite(arr).all():
        raise ModelFileError(f"the {what} in {name!r} hold NaN or inf")
    if arr.dtype.name != dtype:
        raise ModelFileError(f"{name!r} is {arr.dtype.name} but the description says {dtype!r}")


def network_from_arrays(config: dict, theta: np.ndarray, buffer: np.ndarray | None = None):
    """Rebuild a ``Sequential`` from its description, packed parameters and packed buffers
    (``None`` for a network that has none), checking all three."""
    from .network import Sequential

    n_params, n_buffer = config_sizes(config)
    dtype = config.get("dtype", "float64")
    _check_vector("theta", theta, n_params, "parameters", dtype)
    if buffer is not None or n_buffer:
        _check_vector("buffer", buffer, n_buffer, "buffer values", dtype)
    try:
        net = _build_uninitialized(Sequential, config)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"the network description is invalid: {exc}") from exc
    net.seed = config.get("seed") if isinstance(config.get("seed"), int) else None
    net.set_flat(theta)
    if n_buffer:
        net.buffer[...] = buffer
    return net


def legacy_index_of(config: dict) -> tuple[np.ndarray, np.ndarray]:
    """``(p, b)`` of a network description: where a file of format 1 or 2 kept the
    parameters and the buffers in its ``theta`` (``glassnet.packing.legacy_index``)."""
    from .packing import legacy_index

    config_sizes(config)  # a sound description before anything is built from it
    try:
        return legacy_index(_layers_from_config(config))
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"the network description is invalid: {exc}") from exc


def split_legacy_theta(config: dict, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ``theta`` of a file of format 1 or 2, which held the layers' buffers too, as
    the ``(theta, buffer)`` of format 3."""
    n_params, n_buffer = config_sizes(config)
    _check_vector("theta", theta, n_params + n_buffer, "parameters", config.get("dtype", "float64"))
    if not n_buffer:
        return theta, theta[:0]
    p, b = legacy_index_of(config)
    return theta[p], theta[b]


def migrate_v1(config, notes):
    """A network description and its metadata of format version 1 as version 2 has them:
    ``glassnet train``'s ``x_mean``/``x_scale`` (which only ``glassnet predict`` applied)
    become the network's ``Standardize`` input transform, and its ``classes`` the
    network's ``classes`` (as ``glassnet predict`` named them: strings). Returns
    ``(config, notes)``, new dicts; anything else is left as it was."""
    if not isinstance(config, dict) or not isinstance(notes, dict):
        return config, notes
    config, notes = dict(config), dict(notes)
    mean, scale = notes.pop("x_mean", None), notes.pop("x_scale", None)
    if mean is not None or scale is not None:
        config["input_transform"] = {"type": "standardize", "mean": mean, "scale": scale}
    classes = notes.pop("classes", None)
    if classes is not None and notes.get("task") != "regression":
        if not isinstance(classes, list):
            raise ModelFileError(f"the metadata's 'classes' is not a list: {classes!r:.80}")
        config["classes"] = [str(c) for c in classes]
    return config, notes


def _net_to_file(net):
    check_rebuildable(net)
    arrays = {"theta": net.theta, "buffer": net.buffer}
    return {"network": net.get_config(), "metadata": net.metadata}, arrays


def check_rebuildable(net, what: str = "gn.save") -> None:
    """Refuse, before writing (or, for ``fit``'s checkpoints, before training), a network
    that ``load`` could not rebuild: one of its layers (a learner's own) is not the class
    that its ``name`` finds in glassnet's registry of layers."""
    from .network import LAYERS

    for i, lay in enumerate(net.layers):
        if lay.name not in LAYERS or LAYERS.get(lay.name) is not type(lay):
            raise TypeError(
                f"{what}: layer {i} ({type(lay).__name__}) is not one of glassnet's layers, "
                "so gn.load could not rebuild the network from the file; keep its parameters "
                "with np.save(path, net.theta) and rebuild the network in code"
            )


def _net_from_file(meta, arrays):
    if "theta" not in arrays:
        raise ModelFileError("the parameter vector 'theta' is missing")
    config, extra = meta.get("network"), meta.get("metadata", {})
    if not isinstance(extra, dict):
        raise ModelFileError("the network's metadata is not a JSON object")
    if meta["format_version"] == 1:
        config, extra = migrate_v1(config, extra)
    if meta["format_version"] < 3:
        net = network_from_arrays(config, *split_legacy_theta(config, arrays["theta"]))
    else:
        net = network_from_arrays(config, arrays["theta"], arrays.get("buffer"))
    net.metadata = extra
    return net


def _register_builtin():
    from .network import Sequential

    register_kind("Sequential", Sequential, _net_to_file, _net_from_file)


_register_builtin()
