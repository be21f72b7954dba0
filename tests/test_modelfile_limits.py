"""Model files and the machine: a huge sparse file is refused from its first bytes and its
zip directory (no memory spent), a load peaks near the parameters' own size, and saves follow
the umask and clean up the temporaries that killed saves left behind."""

import os
import stat
import tracemalloc

import numpy as np
import pytest

import glassnet as gn
from glassnet.modelfile import ModelFileError

GiB = 2**30


def _sparse(path, size, head=b""):
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(size)
    if os.stat(path).st_blocks * 512 > 2**20:
        pytest.skip("this filesystem has no sparse files")
    return path


def _peak_of(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "head, match",
    [
        (b"", "not an .npz .zip. archive"),  # 8 GiB of zeros
        (b"PK\x03\x04", "not a valid model file"),  # a zip's first bytes, then zeros
    ],
)
def test_an_8_gib_sparse_file_is_refused_without_reading_it(tmp_path, head, match):
    path = _sparse(tmp_path / "huge.npz", 8 * GiB, head)

    def load():
        with pytest.raises(ModelFileError, match=match):
            gn.load(path)

    # the old loader read the whole file first: 8 GiB of memory (or a bare MemoryError)
    assert _peak_of(load) < 2**20


def test_a_file_larger_than_any_model_is_refused_from_its_size(tmp_path, monkeypatch):
    import glassnet.modelfile as mf

    path = gn.save(gn.mlp([2, 3, 2], seed=0), tmp_path / "m.npz")
    monkeypatch.setattr(mf, "MAX_BYTES", path.stat().st_size - 1)
    with pytest.raises(ModelFileError, match=r"is \d+ bytes, too large for a model file"):
        gn.load(path)


def test_loading_a_20_mb_model_peaks_near_three_times_its_size(tmp_path):
    # 2-1600-1600-2: 2.57 M parameters, 20.6 MB of float64
    path = gn.save(gn.mlp([2, 1600, 1600, 2], seed=0), tmp_path / "big.npz")
    size = path.stat().st_size
    assert size > 20e6
    # what a load must hold at once: the file's parameter vector, and the network's
    # parameters and gradients (3x); the old loader also held the whole file and the
    # random initial weights the file then overwrote (4x)
    peak = _peak_of(lambda: gn.load(path))
    assert peak < 3.1 * size, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"
    back = gn.load(path)
    np.testing.assert_array_equal(back.theta, gn.mlp([2, 1600, 1600, 2], seed=0).theta)


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_saved_files_follow_the_umask(tmp_path, umask):
    path = tmp_path / "m.npz"
    path.write_bytes(b"old")
    os.chmod(path, 0o644)
    old = os.umask(umask)
    try:
        gn.save(gn.mlp([2, 3, 2], seed=0), path)  # overwrites the 0644 file
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    gn.load(path)


def test_a_save_removes_temporaries_that_killed_saves_of_the_same_file_left(tmp_path):
    stale = [tmp_path / ".m.npz.abcd1234.tmp", tmp_path / ".m.npz.zz_9ZZ_9.tmp"]
    kept = [
        tmp_path / ".other.npz.abcd1234.tmp",  # another target's
        tmp_path / ".m.npz.abc.tmp",  # not a name mkstemp makes
        tmp_path / "m.npz.abcd1234.tmp",
    ]
    for p in stale + kept:
        p.write_bytes(b"\0" * 1000)
    gn.save(gn.mlp([2, 3, 2], seed=0), tmp_path / "m.npz")
    assert [p for p in stale if p.exists()] == []
    assert all(p.exists() for p in kept)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".m.npz")) == [
        ".m.npz.abc.tmp"
    ]


def test_a_temporary_still_being_written_is_left_alone(tmp_path):
    fcntl = pytest.importorskip("fcntl")
    busy = tmp_path / ".m.npz.busy0000.tmp"
    busy.write_bytes(b"")
    with open(busy, "rb") as fh:
        # a save in progress holds this lock (flock locks conflict between two opens of a
        # file, also within one process)
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        gn.save(gn.mlp([2, 3, 2], seed=0), tmp_path / "m.npz")
        assert busy.exists()
    gn.save(gn.mlp([2, 3, 2], seed=0), tmp_path / "m.npz")  # now it is abandoned
    assert not busy.exists()
