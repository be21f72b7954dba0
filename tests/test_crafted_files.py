"""Model files edited by hand (or by an attacker): each is refused with a
``ModelFileError`` that names what is wrong, never a KeyError, TypeError or IndexError."""

import json

import numpy as np
import pytest

import glassnet as gn
from glassnet.modelfile import META_KEY


def _arrays(path) -> tuple[dict, dict]:
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return json.loads(str(arrays.pop(META_KEY))), arrays


def _write(path, meta, arrays):
    np.savez(path, **{META_KEY: np.array(json.dumps(meta))}, **arrays)
    return path


@pytest.mark.parametrize("kind", [["Sequential"], {"a": 1}, 3, None])
def test_a_kind_that_is_not_a_name_is_refused(tmp_path, kind):
    path = gn.save(gn.mlp([2, 3, 2], seed=0), tmp_path / "net.npz")
    meta, arrays = _arrays(path)
    meta["kind"] = kind
    _write(path, meta, arrays)
    with pytest.raises(gn.ModelFileError, match="kind of model"):
        gn.load(path)
