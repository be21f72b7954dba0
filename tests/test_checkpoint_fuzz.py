"""Crafted checkpoints: every entry of a checkpoint's description deleted or replaced by
a value of another kind, and every array dropped, reshaped, recast or cut. Each file
either resumes or is refused with a ``ModelFileError`` (on loading, or, for what depends
on the data passed, on resuming), never a KeyError, TypeError, IndexError or
OverflowError; ``glassnet train --resume`` prints one line, never a traceback."""

import contextlib
import io
import json
import re
import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet.apps.cli import main
from glassnet.modelfile import META_KEY
from glassnet.train.diagnostics import DivergenceError
from glassnet.train.resume import resume

ODD = [None, -1, 1.5, "x", [], {}, 10**30]  # 10**30: no C integer holds it
DELETE = object()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A checkpoint of a run with every kind of state: Adam's moments, a schedule with
    state, a RandomState seed, dropout, a validation split."""
    tmp = tmp_path_factory.mktemp("ckpt")
    X, y = gn.datasets.moons(60, noise=0.2, seed=0)
    path = tmp / "ck.npz"
    gn.fit(
        gn.mlp([2, 5, 2], dropout=0.1, seed=0),
        gn.SoftmaxCrossEntropy(),
        X,
        y,
        optimizer=gn.Adam(lr=0.01),
        schedule=gn.ReduceOnPlateau(0.01, patience=1, monitor="loss"),
        epochs=2,
        batch_size=16,
        seed=np.random.RandomState(0),
        validation_fraction=0.2,
        checkpoint=path,
        verbose=0,
    )
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return tmp, X, y, json.loads(str(arrays.pop(META_KEY))), arrays


def _paths(tree, prefix=()):
    """Every (path, value) below the root of a JSON tree."""
    items = tree.items() if isinstance(tree, dict) else enumerate(tree)
    for k, v in items:
        yield prefix + (k,), v
        if isinstance(v, (dict, list)):
            yield from _paths(v, prefix + (k,))


def _description_edits(meta):
    for path, _ in _paths(meta["checkpoint"], ("checkpoint",)):
        if path[1] == "metadata":
            continue  # free notes
        for value in [*ODD, DELETE]:
            yield path, value


def _edited(meta, path, value):
    meta = json.loads(json.dumps(meta))
    parent = meta
    for k in path[:-1]:
        parent = parent[k]
    if value is DELETE:
        if isinstance(parent, list):
            return None
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return meta


def _array_edits(arrays):
    for key in sorted(arrays):
        a = arrays[key]
        yield key, "dropped", None
        yield key, "2-D", a.reshape(1, -1)
        yield key, "recast", a.astype(np.float32 if a.dtype != np.float32 else np.int64)
        yield key, "halved", a.ravel()[: a.size // 2]


def _resume(path, X, y):
    """Resume the run in ``path``; "ok" or the refusal, anything else propagates."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            resume(path, X, y, epochs=3, checkpoint=None)
    except (gn.ModelFileError, DivergenceError):
        return "refused"
    except ValueError as exc:  # resume's checks of the file against the data and objects
        if not re.search(r"the checkpoint|the stored", str(exc)):
            raise
        return "refused"
    return "ok"


def test_every_edit_of_the_description_resumes_or_is_refused(run):
    tmp, X, y, meta, arrays = run
    path = tmp / "edited.npz"
    outcomes = {"ok": 0, "refused": 0}
    for where, value in _description_edits(meta):
        edited = _edited(meta, where, value)
        if edited is None:
            continue
        np.savez(path, **{META_KEY: np.array(json.dumps(edited))}, **arrays)
        try:
            outcomes[_resume(path, X, y)] += 1
        except Exception as exc:  # the test's point: name the edit that got through
            pytest.fail(f"{'/'.join(map(str, where))} = {value!r}: {type(exc).__name__}: {exc}")
    assert outcomes["refused"] > 500  # nearly every edit is refused...
    assert outcomes["ok"] > 0  # ...some are harmless (a number for another number)


def test_every_damaged_array_resumes_or_is_refused(run):
    tmp, X, y, meta, arrays = run
    path = tmp / "damaged.npz"
    for key, how, value in _array_edits(arrays):
        damaged = {k: v for k, v in arrays.items() if k != key}
        if value is not None:
            damaged[key] = value
        np.savez(path, **{META_KEY: np.array(json.dumps(meta))}, **damaged)
        try:
            _resume(path, X, y)
        except Exception as exc:
            pytest.fail(f"array {key} {how}: {type(exc).__name__}: {exc}")


@pytest.mark.parametrize(
    "where, value, match",
    [
        (("optimizer", "state", "t"), None, "optimizer state has"),
        (("optimizer", "state", "t"), -1, "step count t is invalid"),
        (("schedule", "state", "best"), "x", "schedule state is invalid"),
        (("dropout_rng", "pos"), 10**30, "invalid pos"),
        (("shuffle_rng", "legacy"), None, "shuffling generator's kind"),
        (("watch", "best"), "x", "divergence watch entry 'best'"),
        (("fit", "l2"), -1, "setting l2 must be"),
        (("history", "__stopped_epoch__"), "x", "stopped_epoch is invalid"),
    ],
)
def test_a_crafted_checkpoint_is_refused_on_loading_naming_the_entry(run, where, value, match):
    tmp, X, y, meta, arrays = run
    path = tmp / "crafted.npz"
    edited = _edited(meta, ("checkpoint", *where), value)
    if value is None and where[-1] == "t":
        edited = _edited(meta, ("checkpoint", *where), DELETE)
    np.savez(path, **{META_KEY: np.array(json.dumps(edited))}, **arrays)
    with pytest.raises(gn.ModelFileError, match=match):
        gn.load(path)


@pytest.mark.parametrize(
    "where, value",
    [
        (("checkpoint", "optimizer", "state", "t"), DELETE),
        (("checkpoint", "dropout_rng", "gauss"), DELETE),
        (("checkpoint", "shuffle_rng", "state", "state", "inc"), -1),
        (("checkpoint", "metadata", "cli_args", "optimizer"), 1),
        (("checkpoint", "metadata", "cli_args", "data"), None),
    ],
)
def test_glassnet_train_resume_prints_one_line_for_a_crafted_checkpoint(tmp_path, where, value):
    ck = tmp_path / "ck.npz"
    argv = ["train", "--data", "moons", "--n-samples", "40", "--epochs", "2", "--quiet"]
    argv += ["--optimizer", "adam", "--batch-size", "8", "--checkpoint", str(ck)]
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(argv) == 0
    with np.load(ck) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = _edited(json.loads(str(arrays.pop(META_KEY))), where, value)
    np.savez(ck, **{META_KEY: np.array(json.dumps(meta))}, **arrays)
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        status = main(["train", "--resume", str(ck), "--epochs", "3", "--quiet"])
    assert status == 2
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("glassnet train: error:"), lines
    assert "checkpoint" in lines[0] or str(ck) in lines[0]
