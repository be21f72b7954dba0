"""MNIST's IDX files: reading them (gzipped or not, broken ones refused by name), the
download into the cache (once, checked against the published SHA-256, mirror after
mirror, a bad copy never kept, no network said clearly) and ``glassnet exercises mnist``.

No test touches the internet: a local HTTP server on 127.0.0.1 serves small IDX files
made here, and the tests give ``load_mnist`` a ``Source`` with their sums."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import re
import socket
import struct
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from glassnet.apps.cli import main
from glassnet.apps.mnist_exercise import EPOCHS, PUBLISHED
from glassnet.data import mnist
from glassnet.data.mnist import FILES, DownloadError, Source, fetch, load_mnist, read_idx

from .conftest import png_is_not_blank

ROOT = Path(__file__).resolve().parents[1]
N_TRAIN, N_TEST = 40, 20  # a tiny stand-in for MNIST's 60,000 and 10,000 images


def idx(array: np.ndarray, type_code: int = 0x08) -> bytes:
    """``array`` as an IDX file: 00 00, the type code, the number of dimensions, each
    dimension as a big-endian uint32, then the numbers (written independently of
    glassnet.data.mnist, after the format's description on MNIST's page)."""
    head = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return head + array.astype(array.dtype.newbyteorder(">")).tobytes()


def fake_mnist(seed: int = 0) -> dict:
    """``{file name: content}`` of a tiny MNIST: random 28 x 28 images, labels 0..9."""
    rng = np.random.default_rng(seed)
    arrays = {
        FILES[0]: rng.integers(0, 256, (N_TRAIN, 28, 28), dtype=np.uint8),
        FILES[1]: (np.arange(N_TRAIN) % 10).astype(np.uint8),
        FILES[2]: rng.integers(0, 256, (N_TEST, 28, 28), dtype=np.uint8),
        FILES[3]: (np.arange(N_TEST) % 10)[::-1].astype(np.uint8),
    }
    return {name: idx(a) for name, a in arrays.items()}


def gz(content: bytes) -> bytes:
    return gzip.compress(content, mtime=0)


def published(files: dict) -> dict:
    """The ``Source.files`` table of these ``{name: IDX content}``: ``name.gz`` ->
    (size, SHA-256) of the gzipped file, as TensorFlow Datasets lists MNIST's."""
    return {
        f"{name}.gz": (len(gz(c)), hashlib.sha256(gz(c)).hexdigest()) for name, c in files.items()
    }


class Server:
    """A local HTTP server: ``routes[path]`` is the bytes to send (or a callable that
    handles the request); every request is counted in ``hits``."""

    def __init__(self):
        self.routes, self.hits = {}, {}
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                elif callable(route):
                    route(self)
                else:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(route)))
                    self.end_headers()
                    self.wfile.write(route)

            def log_message(self, *args):  # quiet
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def serve(self, folder: str, files: dict) -> str:
        """Serve ``{name: IDX content}`` gzipped under ``/folder/``; returns the mirror."""
        for name, content in files.items():
            self.routes[f"/{folder}/{name}.gz"] = gz(content)
        return f"{self.url}/{folder}/"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def refused_mirror() -> str:
    """The address of a port on which nothing listens: a connection is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """GLASSNET_DATA pointed at an empty folder: the cache is ``cache / "mnist"``."""
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "cache"))
    return tmp_path / "cache"


def use_source(monkeypatch, mirrors, files) -> None:
    """Make ``load_mnist("mnist")`` download ``files`` from ``mirrors``."""
    source = Source("MNIST", tuple(mirrors), published(files))
    monkeypatch.setitem(mnist.SOURCES, "mnist", source)


def arrays(files: dict, name: str) -> np.ndarray:
    """What the IDX content ``files[name]`` holds, read without glassnet."""
    content = files[name]
    ndim = content[3]
    shape = struct.unpack(f">{ndim}I", content[4 : 4 + 4 * ndim])
    return np.frombuffer(content[4 + 4 * ndim :], dtype=np.uint8).reshape(shape)


# ---- reading ----------------------------------------------------------------------------


def write_files(folder: Path, files: dict, gzipped=(True, False, True, False), names=None):
    folder.mkdir(parents=True, exist_ok=True)
    for (name, content), zipped in zip(files.items(), gzipped):
        name = names(name) if names else name
        (folder / (f"{name}.gz" if zipped else name)).write_bytes(
            gz(content) if zipped else content
        )
    return folder


def test_path_reads_gzipped_and_plain_files(tmp_path):
    files = fake_mnist()
    folder = write_files(tmp_path / "files", files)  # two gzipped, two not
    (X, y), (X_test, y_test) = load_mnist(path=folder)
    assert X.shape == (N_TRAIN, 784) and X_test.shape == (N_TEST, 784)
    assert X.dtype == np.float32 and X.min() >= 0 and X.max() <= 1
    # float32 pixels are the stored bytes / 255, row by row
    np.testing.assert_array_equal(X, arrays(files, FILES[0]).reshape(N_TRAIN, -1) / np.float32(255))
    np.testing.assert_array_equal(y, np.arange(N_TRAIN) % 10)
    np.testing.assert_array_equal(y_test, (np.arange(N_TEST) % 10)[::-1])
    assert y.dtype.kind == "i"


def test_raw_gives_the_stored_bytes(tmp_path):
    files = fake_mnist()
    folder = write_files(tmp_path / "files", files, gzipped=(False,) * 4)
    (X, _), (X_test, _) = load_mnist(path=str(folder), raw=True)
    assert X.dtype == np.uint8 and X_test.dtype == np.uint8
    np.testing.assert_array_equal(X_test, arrays(files, FILES[2]).reshape(N_TEST, -1))
    X[0, 0] = 7  # a writable array of its own, not a view of the file's bytes


def test_path_finds_the_dotted_names(tmp_path):
    """``train-images.idx3-ubyte``: the name some unpackers give the files."""
    files = fake_mnist()
    folder = write_files(tmp_path / "f", files, names=lambda n: n.replace("-idx", ".idx"))
    (X, _), _ = load_mnist(path=folder)
    assert X.shape == (N_TRAIN, 784)


def test_path_without_a_file_names_it(tmp_path):
    files = fake_mnist()
    folder = write_files(tmp_path / "files", files)
    (folder / f"{FILES[2]}.gz").unlink()
    with pytest.raises(ValueError, match=r"path=.*does not hold t10k-images-idx3-ubyte\.gz"):
        load_mnist(path=folder)


def test_a_path_that_is_no_folder_is_named_so(tmp_path):
    nowhere = tmp_path / "nowhere"
    with pytest.raises(ValueError, match=rf"^path='{re.escape(str(nowhere))}' does not exist;"):
        load_mnist(path=nowhere)
    with pytest.raises(ValueError, match=r"^path='.*afile' is a file, not a folder"):
        load_mnist(path=write_files(tmp_path, {"afile": b""}, gzipped=(False,)) / "afile")


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"kind must be one of 'fashion', 'mnist', got 'digits'"):
        load_mnist("digits")
    with pytest.raises(TypeError, match=r"raw must be True or False, got 'yes'"):
        load_mnist(raw="yes")
    with pytest.raises(TypeError, match=r"^path must be a folder name \(str or Path\), got 5$"):
        load_mnist(path=5)
    with pytest.raises(ValueError, match=r"^path must be a folder name, got an empty one ''$"):
        load_mnist(path="")  # not the current folder


def broken(content: bytes) -> dict:
    """Ways an IDX file can be broken, each with the words the error must say."""
    return {
        "bad magic": (b"\x01\x02" + content[2:], "not an IDX file"),
        "unknown type": (content[:2] + b"\x07" + content[3:], "not an IDX file"),
        "empty": (b"", "not an IDX file"),
        "header cut": (content[:9], "cut short in its header"),
        "data cut": (content[:-5], "is cut short"),
        "bytes after": (content + b"\0", "has bytes after"),
    }


@pytest.mark.parametrize("case", list(broken(b"")))
@pytest.mark.parametrize("zipped", [False, True])
def test_a_broken_idx_file_is_refused_by_name(tmp_path, case, zipped):
    files = fake_mnist()
    content, words = broken(files[FILES[0]])[case]
    files[FILES[0]] = content
    folder = write_files(tmp_path / "files", files, gzipped=(zipped,) * 4)
    name = FILES[0] + (".gz" if zipped else "")
    with pytest.raises(ValueError, match=re.escape(str(folder / name)) + ".*" + words):
        load_mnist(path=folder)


def test_a_gz_file_that_is_not_gzip_is_refused_by_name(tmp_path):
    path = tmp_path / f"{FILES[1]}.gz"
    path.write_bytes(fake_mnist()[FILES[1]])  # plain IDX under a .gz name
    with pytest.raises(ValueError, match=re.escape(str(path)) + " is not a readable gzip file"):
        read_idx(path)
    path.write_bytes(gz(fake_mnist()[FILES[1]])[:-10])  # a gzip stream cut short
    with pytest.raises(ValueError, match=re.escape(str(path))):
        read_idx(path)


def test_images_and_labels_must_match(tmp_path):
    files = fake_mnist()
    files[FILES[1]] = idx(np.zeros(N_TRAIN - 1, dtype=np.uint8))
    folder = write_files(tmp_path / "files", files)
    with pytest.raises(ValueError, match=f"holds {N_TRAIN} images but .* {N_TRAIN - 1} labels"):
        load_mnist(path=folder)
    files = fake_mnist()
    files[FILES[0]], files[FILES[1]] = files[FILES[1]], files[FILES[0]]  # swapped
    folder = write_files(tmp_path / "swapped", files)
    with pytest.raises(ValueError, match="not images"):
        load_mnist(path=folder)


def test_test_images_of_another_size_are_refused_by_name(tmp_path):
    files = fake_mnist()
    files[FILES[2]] = idx(np.zeros((N_TEST, 10, 10), dtype=np.uint8))  # 10 x 10, not 28 x 28
    folder = write_files(tmp_path / "files", files)
    test_file, train_file = folder / f"{FILES[2]}.gz", folder / f"{FILES[0]}.gz"
    with pytest.raises(
        ValueError,
        match=f"^{re.escape(str(test_file))} holds images of 10 x 10 pixels, "
        f"{re.escape(str(train_file))} of 28 x 28",
    ):
        load_mnist(path=folder)


@pytest.mark.parametrize("label", [10, 200])  # MNIST's and Fashion-MNIST's classes are 0..9
def test_a_label_outside_the_ten_classes_is_refused_by_name(tmp_path, label):
    files = fake_mnist()
    labels = (np.arange(N_TEST) % 10).astype(np.uint8)
    labels[[3, 7]] = label
    files[FILES[3]] = idx(labels)
    folder = write_files(tmp_path / "files", files)
    path = re.escape(str(folder / FILES[3]))  # the fourth file is written plain
    with pytest.raises(
        ValueError, match=rf"^{path} holds the label {label} \(image 3 and 1 more\); the classes"
    ):
        load_mnist(path=folder)
    signed = (np.arange(N_TEST) % 10).astype(np.int8)
    signed[5] = -1
    files[FILES[3]] = idx(signed, type_code=0x09)  # IDX's signed bytes
    folder = write_files(tmp_path / "signed", files)
    with pytest.raises(
        ValueError, match=r"holds the label -1 \(image 5\); the classes are 0 to 9$"
    ):
        load_mnist(path=folder)


@pytest.mark.parametrize("shape", [(0, 28, 28), (N_TRAIN, 0, 0)])
def test_a_file_without_images_is_refused_by_name(tmp_path, shape):
    files = fake_mnist()
    files[FILES[0]] = idx(np.zeros(shape, dtype=np.uint8))
    files[FILES[1]] = idx(np.zeros(shape[0], dtype=np.uint8))
    folder = write_files(tmp_path / "files", files)
    path = re.escape(str(folder / f"{FILES[0]}.gz"))
    with pytest.raises(ValueError, match=rf"^{path} holds {shape[0]} images of .*nothing to learn"):
        load_mnist(path=folder)


def test_gzipped_data_under_a_plain_name_is_named_so(tmp_path):
    path = tmp_path / FILES[1]
    path.write_bytes(gz(fake_mnist()[FILES[1]]))
    with pytest.raises(ValueError, match=r"not an IDX file.*gzipped data: name the file \.gz"):
        read_idx(path)


def test_read_idx_reads_the_other_types(tmp_path):
    """IDX type 0x0D: big-endian float32, read in the machine's byte order."""
    a = np.arange(6, dtype=np.float32).reshape(2, 3) / 4
    path = tmp_path / "a.idx"
    path.write_bytes(idx(a, 0x0D))
    np.testing.assert_array_equal(read_idx(path), a)


# ---- the download -----------------------------------------------------------------------


def test_downloaded_once_into_glassnet_data(server, cache, monkeypatch):
    files = fake_mnist()
    use_source(monkeypatch, [server.serve("good", files)], files)
    (X, y), (X_test, y_test) = load_mnist()
    np.testing.assert_array_equal(y, np.arange(N_TRAIN) % 10)
    assert sorted(p.name for p in (cache / "mnist").iterdir()) == sorted(published(files))
    assert set(server.hits.values()) == {1} and len(server.hits) == 4
    (X2, _), _ = load_mnist()  # from the cache: no request
    assert set(server.hits.values()) == {1}
    np.testing.assert_array_equal(X, X2)


def test_data_home(monkeypatch, tmp_path):
    monkeypatch.delenv("GLASSNET_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert mnist.data_home() == tmp_path / ".cache" / "glassnet"
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "elsewhere"))
    assert mnist.data_home() == tmp_path / "elsewhere"


def test_the_next_mirror_is_tried(server, cache, monkeypatch):
    files = fake_mnist()
    empty = f"{server.url}/empty/"  # answers 404
    use_source(monkeypatch, [refused_mirror(), empty, server.serve("good", files)], files)
    (X, _), _ = load_mnist()
    assert X.shape == (N_TRAIN, 784)
    assert server.hits[f"/empty/{FILES[0]}.gz"] == 1 and server.hits[f"/good/{FILES[0]}.gz"] == 1


def test_a_bad_copy_is_never_kept(server, cache, monkeypatch):
    files = fake_mnist()
    bad = server.serve("bad", files)
    good_gz = server.routes[f"/bad/{FILES[0]}.gz"]
    server.routes[f"/bad/{FILES[0]}.gz"] = good_gz[:-1] + bytes([good_gz[-1] ^ 1])  # same size
    use_source(monkeypatch, [bad], files)
    with pytest.raises(DownloadError) as err:
        load_mnist()
    folder = cache / "mnist"
    message = str(err.value)
    assert f"{FILES[0]}.gz" in message and str(folder) in message and "SHA-256" in message
    assert not (folder / f"{FILES[0]}.gz").exists()
    assert not list(folder.glob(".*.tmp"))  # no temporary left behind either
    # with a good mirror after the bad one, the good copy is taken
    use_source(monkeypatch, [bad, server.serve("good", files)], files)
    (X, _), _ = load_mnist()
    assert X.shape == (N_TRAIN, 784)


def test_a_bad_file_in_the_cache_is_named_not_used(server, cache, monkeypatch):
    files = fake_mnist()
    use_source(monkeypatch, [server.serve("good", files)], files)
    folder = write_files(cache / "mnist", files, gzipped=(True,) * 4)
    wrong = folder / f"{FILES[3]}.gz"
    wrong.write_bytes(gz(files[FILES[3]][:-1] + b"\x09"))
    with pytest.raises(ValueError) as err:
        load_mnist()
    message = str(err.value)
    assert f"{FILES[3]}.gz in {folder} is not the published file" in message
    assert "Delete it to download it again" in message
    assert wrong.exists() and not server.hits  # left as it was, nothing downloaded


def test_without_a_network_the_files_and_folder_are_named(cache, monkeypatch):
    files = fake_mnist()
    use_source(monkeypatch, [refused_mirror(), refused_mirror()], files)
    with pytest.raises(DownloadError) as err:
        load_mnist()
    message = str(err.value)
    assert isinstance(err.value, OSError)
    assert "refused" in message.lower()
    for name in published(files):
        assert name in message
    assert f"put them in {cache / 'mnist'}" in message
    assert "path= in Python, --data-dir on the command line" in message


def test_downloads_are_bounded_in_size(server, tmp_path):
    files = fake_mnist()
    source = Source("MNIST", (server.serve("big", files),), published(files))
    name = f"{FILES[0]}.gz"
    content = server.routes[f"/big/{name}"]

    def no_length_and_too_long(handler):  # no Content-Length: only the byte count stops it
        handler.send_response(200)
        handler.end_headers()
        handler.wfile.write(content + b"\0" * 100_000)

    server.routes[f"/big/{name}"] = content + b"\0"  # offers one byte too many
    with pytest.raises(DownloadError, match="offers .* bytes, the published file has"):
        fetch(source, tmp_path / "a")
    server.routes[f"/big/{name}"] = no_length_and_too_long
    with pytest.raises(DownloadError, match="sent more than the published"):
        fetch(source, tmp_path / "b")
    assert not (tmp_path / "b" / name).exists()


def test_a_silent_server_times_out(server, tmp_path):
    files = fake_mnist()
    source = Source("MNIST", (server.serve("slow", files),), published(files))

    def silent(handler):  # sends nothing for longer than the timeout
        time.sleep(1.5)

    server.routes[f"/slow/{FILES[0]}.gz"] = silent
    with pytest.raises(DownloadError, match="timed out"):
        fetch(source, tmp_path / "c", timeout=0.3)


def test_the_published_sums_are_well_formed():
    """Each kind lists the four files with a size and a 64-digit SHA-256, and mirrors
    that are folders (the sums themselves are TensorFlow Datasets' and Keras's, see
    glassnet/data/mnist.py)."""
    for source in mnist.SOURCES.values():
        assert sorted(source.files) == sorted(f"{n}.gz" for n in FILES)
        for size, sha in source.files.values():
            assert size > 0 and re.fullmatch(r"[0-9a-f]{64}", sha)
        assert len(source.mirrors) >= 2 and all(m.endswith("/") for m in source.mirrors)


# ---- glassnet exercises mnist -------------------------------------------------------------


def table_rows(text: str) -> list[list[str]]:
    """The cells of the rows of the ``| network | LeCun et al. 1998 | ...`` table."""
    block = re.search(r"^\| network \| LeCun et al\. 1998 \|.*\n(?:\|.*\n)*", text + "\n", re.M)
    assert block, "no MNIST table"
    lines = block.group(0).strip().splitlines()
    assert lines[0] == "| network | LeCun et al. 1998 | glassnet | epochs | time |"
    return [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]


def check_table(text: str) -> list[float]:
    """The table's form: the three networks with their published errors, ours as
    percentages, the epochs and seconds; returns our errors."""
    rows = table_rows(text)
    assert [r[0] for r in rows] == list(PUBLISHED)
    ours = []
    for (_, paper, glassnet, epochs, seconds), want in zip(rows, PUBLISHED.values()):
        assert paper == f"{want:.2f} %"
        assert re.fullmatch(r"\d+\.\d\d %", glassnet) and re.fullmatch(r"\d+ s", seconds)
        assert epochs == str(EPOCHS)
        ours.append(float(glassnet.split()[0]))
    return ours


def test_glassnet_exercises_mnist_on_a_tiny_mnist(tmp_path, capsys):
    folder = write_files(tmp_path / "files", fake_mnist())
    out = tmp_path / "out"
    status = main(["exercises", "mnist", "--data-dir", str(folder), "--out", str(out)])
    printed = capsys.readouterr().out
    assert status == 0
    check_table(printed)
    assert "mnist: test errors" in printed
    png_is_not_blank(out / "01_mnist.png")


def test_a_data_dir_that_does_not_exist_is_named_by_its_option(tmp_path, capsys):
    nosuch = tmp_path / "nosuch"
    status = main(["exercises", "mnist", "--data-dir", str(nosuch), "--out", str(tmp_path / "o")])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""  # refused before any work
    assert (
        err == f"glassnet exercises: error: --data-dir {nosuch}: folder '{nosuch}' does not exist\n"
    )
    assert not (tmp_path / "o").exists()
    from glassnet.apps.mnist_exercise import mnist as exercise

    folder = write_files(tmp_path / "files", fake_mnist())
    ex = exercise(path=folder, epochs=2, progress=True)
    err = capsys.readouterr().err
    assert "784-300-100-10" in err and "6/6" in err and "test error" in err
    assert [len(r["curve"]) for r in ex.results.values()] == [2, 2, 2]
    ex.figure.clf()


def test_mnist_is_not_in_the_default_run():
    from glassnet.apps.exercises import EXERCISES, OPTIONAL

    assert "mnist" in OPTIONAL and "mnist" not in EXERCISES


def test_without_the_files_the_command_says_where_to_put_them(cache, monkeypatch, tmp_path, capsys):
    use_source(monkeypatch, [refused_mirror()], fake_mnist())
    status = main(["exercises", "mnist", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith("glassnet exercises: error: could not download MNIST's")
    assert str(cache / "mnist") in err


# ---- the pages ----------------------------------------------------------------------------

PAGES = ["README.md", "docs/guide/mnist.md"]


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_show_a_table_from_a_real_run(page):
    """The table on the pages is a run's printed output on the real files (CI has no MNIST
    files, so it cannot rerun it): its form, and every error of ours at or below the
    published one."""
    text = (ROOT / page).read_text()
    ours = check_table(text)
    assert all(o <= p for o, p in zip(ours, PUBLISHED.values()))
    assert "glassnet exercises mnist" in text


def test_the_pages_show_the_same_table():
    tables = [table_rows((ROOT / page).read_text()) for page in PAGES]
    assert tables[0] == tables[1]


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_example_runs(page, server, cache, monkeypatch, capsys):
    """The pages' Python example, run on the tiny MNIST served by the local server."""
    files = fake_mnist()
    use_source(monkeypatch, [server.serve("good", files)], files)
    text = (ROOT / page).read_text()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "load_mnist" in b]
    assert len(blocks) == 1, f"{page}: one Python example of load_mnist"
    exec(compile(blocks[0], f"{page} example", "exec"), {})
    assert re.fullmatch(r"test error \d+\.\d\d %\n", capsys.readouterr().out)
    assert len(server.hits) == 4  # it downloaded the files


def real_mnist_folder():
    """Where the real MNIST files are for the test below: GLASSNET_MNIST_DIR, or the cache
    when it holds them; None (the test is skipped) otherwise."""
    import os

    if os.environ.get("GLASSNET_MNIST_DIR"):
        return Path(os.environ["GLASSNET_MNIST_DIR"])
    cached = mnist.data_home() / "mnist"
    if all((cached / f"{n}.gz").exists() for n in FILES):
        return cached
    return None


@pytest.mark.numbers
@pytest.mark.skipif(real_mnist_folder() is None, reason="the MNIST files are not here")
def test_on_the_real_files_ours_are_at_or_below_the_published_errors():
    from glassnet.apps.mnist_exercise import mnist as exercise

    folder = real_mnist_folder()
    cached = folder == mnist.data_home() / "mnist"  # then read as load_mnist() does, checked
    ex = exercise(path=None if cached else folder, progress=False)
    for name, r in ex.results.items():
        assert r["ours"] <= r["published"], name
    ex.figure.clf()
