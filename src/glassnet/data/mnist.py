"""MNIST and Fashion-MNIST from their IDX files: read, checked, downloaded once.

The four files of each set keep the names they have always had
(``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``). ``load_mnist`` reads them
from a folder you name, or downloads them once into a cache folder,
``$GLASSNET_DATA/<kind>`` or else ``~/.cache/glassnet/<kind>``, checking each against its
published size and SHA-256 (those that TensorFlow Datasets lists in
``tensorflow_datasets/url_checksums/mnist.txt`` and ``fashion_mnist.txt``; Keras lists the
same ones for Fashion-MNIST). The mirrors are tried in turn.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of
dimensions), each dimension as a big-endian 32-bit integer, then the numbers row by row.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import struct
import time
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._atomic import atomic_write
from .._checks import StrOptions, check_param
from .._validation import check_memory

__all__ = ["load_mnist", "Source", "SOURCES", "DownloadError", "data_home", "read_idx"]

# (file, what it holds): the base names, without .gz
FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


@dataclass(frozen=True)
class Source:
    """Where a data set's ``.gz`` files come from and what they must be.

    ``mirrors`` are folder addresses ending in ``/``, tried in turn; ``files`` maps each
    file name (``train-images-idx3-ubyte.gz``, ...) to its size in bytes and SHA-256.
    """

    title: str
    mirrors: tuple[str, ...]
    files: dict


SOURCES = {
    "mnist": Source(
        "MNIST",
        (
            "https://ossci-datasets.s3.amazonaws.com/mnist/",  # torchvision's mirror
            "https://storage.googleapis.com/cvdf-datasets/mnist/",  # TensorFlow Datasets'
            "http://yann.lecun.com/exdb/mnist/",  # the original page
        ),
        {
            "train-images-idx3-ubyte.gz": (
                9912422,
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            ),
            "train-labels-idx1-ubyte.gz": (
                28881,
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            ),
            "t10k-images-idx3-ubyte.gz": (
                1648877,
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            ),
            "t10k-labels-idx1-ubyte.gz": (
                4542,
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            ),
        },
    ),
    "fashion": Source(
        "Fashion-MNIST",
        (
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",  # Keras's
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",  # the authors'
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        ),
        {
            "train-images-idx3-ubyte.gz": (
                26421880,
                "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            ),
            "train-labels-idx1-ubyte.gz": (
                29515,
                "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            ),
            "t10k-images-idx3-ubyte.gz": (
                4422102,
                "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            ),
            "t10k-labels-idx1-ubyte.gz": (
                5148,
                "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
            ),
        },
    ),
}

TIMEOUT = 30.0  # seconds: to connect, and between two pieces of a download
DOWNLOAD_TIME = 600.0  # seconds: the most one file's download may take in all
CHUNK = 1 << 16  # bytes read at a time

N_CLASSES = 10  # MNIST's digits 0 to 9; Fashion-MNIST's ten kinds of clothes, 0 to 9

# the IDX type codes and the NumPy types they stand for (numbers are big-endian)
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class DownloadError(OSError):
    """A file could not be had from any mirror (no network, or only bad copies)."""


def data_home() -> Path:
    """The cache folder: ``$GLASSNET_DATA`` when set, else ``~/.cache/glassnet``."""
    home = os.environ.get("GLASSNET_DATA")
    return Path(home).expanduser() if home else Path.home() / ".cache" / "glassnet"


def load_mnist(kind: str = "mnist", path=None, raw: bool = False):
    """MNIST's handwritten digits (or Fashion-MNIST's clothes): 60,000 training images and
    10,000 test images of 28 x 28 pixels, 10 classes.

    Parameters
    ----------
    kind : "mnist" or "fashion"
    path : str or Path or None
        A folder holding the four IDX files under their usual names
        (``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
        ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``), gzipped or not
        (``train-images.idx3-ubyte`` is found too); they are read as they are. None: the
        cache folder ``data_home() / kind``, where the files are downloaded the first
        time and checked against their published SHA-256 every time.
    raw : bool
        True: the pixels as stored, uint8 from 0 to 255.

    Returns
    -------
    (X_train, y_train), (X_test, y_test)
        ``X`` of shape (n_images, 784), each row an image read row by row, float32 in
        [0, 1] (``pixel / 255``; uint8 with ``raw``), and the labels ``y`` of shape
        (n_images,), integers 0 to 9. ``X.reshape(-1, 28, 28)`` gives the pictures.

    Raises
    ------
    DownloadError
        (an ``OSError``) a file is missing and no mirror gave it: the message names the
        files and the folder to put them in.
    TypeError
        ``path`` is neither None, a str nor a Path.
    ValueError
        ``path`` is not a folder; a file that is not what it should be (a checksum that
        differs, a broken or truncated IDX file, no images, labels outside 0 to 9, test
        images of another size than the training images); the message names the file.

    Examples
    --------
    >>> import glassnet as gn
    >>> (X, y), (X_test, y_test) = gn.datasets.load_mnist()  # doctest: +SKIP
    >>> X.shape, X.dtype, y[:5]  # doctest: +SKIP
    ((60000, 784), dtype('float32'), array([5, 0, 4, 1, 9]))
    """
    kind = check_param("kind", kind, StrOptions(SOURCES))
    raw = check_param("raw", raw, "boolean")
    if path is None:
        files = fetch(SOURCES[kind], data_home() / kind)
    else:
        files = find_files(path)
    train_images, test_images = _images(files[FILES[0]]), _images(files[FILES[2]])
    if test_images.shape[1:] != train_images.shape[1:]:
        raise ValueError(
            f"{files[FILES[2]]} holds images of {_pixels(test_images)} pixels, "
            f"{files[FILES[0]]} of {_pixels(train_images)}: the test images must have the "
            "training images' size"
        )
    train = _with_labels(train_images, files[FILES[0]], files[FILES[1]], raw)
    test = _with_labels(test_images, files[FILES[2]], files[FILES[3]], raw)
    return train, test


def _pixels(images: np.ndarray) -> str:
    return " x ".join(map(str, images.shape[1:]))


def _images(path: Path) -> np.ndarray:
    """The images of the IDX file ``path``: uint8 of shape (n, rows, columns), n >= 1."""
    images = read_idx(path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"{path} holds {images.dtype} numbers of shape {images.shape}, "
            "not images (unsigned bytes of shape (n, rows, columns))"
        )
    if images.size == 0:
        raise ValueError(
            f"{path} holds {len(images):,} images of {_pixels(images)} pixels: nothing to learn"
        )
    return images


def _with_labels(images: np.ndarray, images_path: Path, labels_path: Path, raw: bool):
    """``(X, y)``: the images as rows of pixels and the labels of ``labels_path``, one
    per image, each a class from 0 to ``N_CLASSES - 1``."""
    labels = read_idx(labels_path)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(f"{labels_path} holds {labels.dtype} of shape {labels.shape}, not labels")
    if len(images) != len(labels):
        raise ValueError(
            f"{images_path} holds {len(images):,} images but {labels_path} {len(labels):,} labels"
        )
    wrong = np.flatnonzero((labels < 0) | (labels >= N_CLASSES))
    if len(wrong):
        raise ValueError(
            f"{labels_path} holds the label {labels[wrong[0]]} (image {wrong[0]:,}"
            f"{f' and {len(wrong) - 1:,} more' if len(wrong) > 1 else ''}); the classes "
            f"are 0 to {N_CLASSES - 1}"
        )
    X = images.reshape(len(images), -1)
    if not raw:
        X = X.astype(np.float32) / np.float32(255)  # pixel 0..255 -> [0, 1]
    return X, labels.astype(np.intp)


def find_files(path) -> dict:
    """``{base name: file}`` of the four IDX files in the folder ``path`` (gzipped or not,
    ``train-images-idx3-ubyte`` or ``train-images.idx3-ubyte``)."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a folder name (str or Path), got {path!r}")
    if not os.fspath(path):  # Path("") would be the current folder
        raise ValueError("path must be a folder name, got an empty one ''")
    folder = Path(path).expanduser()
    if not folder.exists():
        raise ValueError(
            f"path={str(path)!r} does not exist; it must be a folder holding the MNIST files"
        )
    if not folder.is_dir():
        raise ValueError(f"path={str(path)!r} is a file, not a folder holding the MNIST files")
    found, missing = {}, []
    for name in FILES:
        dotted = name.replace("-idx", ".idx")
        candidates = [folder / n for n in (name, f"{name}.gz", dotted, f"{dotted}.gz")]
        hit = next((c for c in candidates if c.is_file()), None)
        if hit is None:
            missing.append(f"{name}.gz")
        found[name] = hit
    if missing:
        raise ValueError(
            f"path={str(path)!r} does not hold {', '.join(missing)} (gzipped or not); "
            f"the folder must hold the four files {', '.join(f + '.gz' for f in FILES)}"
        )
    return found


def read_idx(path) -> np.ndarray:
    """The array stored in the IDX file ``path`` (gzipped when its name ends in ``.gz``).

    Raises ``ValueError`` naming the file when it is not an IDX file, is cut short or has
    bytes after its data.
    """
    path = Path(path)
    try:
        with (gzip.open if path.suffix == ".gz" else open)(path, "rb") as fh:
            return _read_idx(fh, path)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise ValueError(f"{path} is not a readable gzip file ({exc})") from None


def _read_idx(fh, path: Path) -> np.ndarray:
    magic = fh.read(4)
    if len(magic) < 4 or magic[:2] != b"\0\0" or magic[2] not in IDX_TYPES:
        zipped = " (gzipped data: name the file .gz)" if magic[:2] == b"\x1f\x8b" else ""
        raise ValueError(
            f"{path} is not an IDX file: it starts with the bytes {magic.hex(' ') or 'nothing'}, "
            "not 00 00, a type code (08 for unsigned bytes) and the number of dimensions" + zipped
        )
    ndim = magic[3]
    header = fh.read(4 * ndim)
    if len(header) < 4 * ndim:
        raise ValueError(f"{path} is cut short in its header (a {ndim}-dimensional IDX file)")
    shape = struct.unpack(f">{ndim}I", header)
    dtype = np.dtype(IDX_TYPES[magic[2]])
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    check_memory(nbytes, f"{path} says it holds {' x '.join(map(str, shape))} numbers")
    data = fh.read(nbytes)
    if len(data) < nbytes:
        raise ValueError(
            f"{path} is cut short: its header announces {' x '.join(map(str, shape))} "
            f"numbers ({nbytes:,} bytes), it holds {len(data):,} bytes of them"
        )
    if fh.read(1):
        raise ValueError(f"{path} has bytes after the {nbytes:,} bytes its header announces")
    # a copy in the machine's byte order: writable, unlike the bytes it is read from
    return np.frombuffer(data, dtype=dtype).astype(dtype.newbyteorder("=")).reshape(shape)


def fetch(source: Source, folder: Path, timeout: float = TIMEOUT) -> dict:
    """``{base name: file}`` of ``source``'s files in ``folder``, each checked against its
    published SHA-256; the missing ones are downloaded first.

    Raises ``ValueError`` for a file in ``folder`` that is not the published one, and
    ``DownloadError`` when a missing file could not be downloaded from any mirror.
    """
    folder = Path(folder)
    missing = [name for name in source.files if not (folder / name).exists()]
    for name in source.files:
        if name not in missing:
            _check_sum(folder / name, *source.files[name])
    if missing:
        folder.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(missing):
        _download(source, name, folder, missing[i:], timeout)
    return {name: folder / f"{name}.gz" for name in FILES}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_sum(path: Path, size: int, sha256: str) -> None:
    got = _sha256(path)
    if got != sha256:
        raise ValueError(
            f"{path.name} in {path.parent} is not the published file: its SHA-256 is {got}, "
            f"the published one {sha256} ({size:,} bytes). Delete it to download it again, "
            f"or put the right file in {path.parent}"
        )


def _download(source: Source, name: str, folder: Path, missing: list, timeout: float) -> None:
    """Download ``name`` from the first mirror that gives the published file, written
    atomically (a bad copy never takes the file's name); ``missing``: the files still to
    get, which the error names."""
    size, sha256 = source.files[name]
    failures = []
    for mirror in source.mirrors:
        url = mirror + name
        try:
            atomic_write(folder / name, lambda fh, url=url: _copy(url, fh, size, sha256, timeout))
            return
        except (OSError, ValueError, http.client.HTTPException) as exc:  # URLError: OSError
            failures.append(f"{url}: {exc}")
    raise DownloadError(
        f"could not download {source.title}'s {name} from any mirror ("
        + "; ".join(failures)
        + f"). Download {', '.join(missing)} yourself and put them in {folder}, or "
        "name a folder that holds the files (path= in Python, --data-dir on the command line)"
    )


def _copy(url: str, fh, size: int, sha256: str, timeout: float) -> None:
    """Write what ``url`` gives into ``fh``: at most ``size`` bytes, in at most
    ``DOWNLOAD_TIME`` seconds; ``ValueError`` unless it is the published file."""
    from tqdm.auto import tqdm

    digest, got, deadline = hashlib.sha256(), 0, time.monotonic() + DOWNLOAD_TIME
    with urllib.request.urlopen(url, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        if length is not None and length.isdigit() and int(length) != size:
            raise ValueError(f"it offers {int(length):,} bytes, the published file has {size:,}")
        name = url.rsplit("/", 1)[-1]
        bar = tqdm(total=size, unit="B", unit_scale=True, desc=name, leave=False, disable=None)
        with bar:
            while chunk := response.read(CHUNK):
                got += len(chunk)
                if got > size:
                    raise ValueError(f"it sent more than the published {size:,} bytes")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the download took more than {DOWNLOAD_TIME:.0f} s")
                digest.update(chunk)
                fh.write(chunk)
                bar.update(len(chunk))
    if got != size:
        raise ValueError(f"it sent {got:,} bytes, the published file has {size:,}")
    if digest.hexdigest() != sha256:
        raise ValueError(f"its SHA-256 is {digest.hexdigest()}, the published one {sha256}")
