"""Out-of-core training: dask-ml's ``Incremental`` feeds a chunked ``dask.array`` to
``NetClassifier.partial_fit`` one block at a time, as it does for ``MLPClassifier``."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.neural_network import MLPClassifier

import glassnet as gn

da = pytest.importorskip("dask.array")
wrappers = pytest.importorskip("dask_ml.wrappers")


class _SeesBlocks(gn.NetClassifier):
    """Records the number of rows of each ``partial_fit`` call."""

    def partial_fit(self, X, y, sample_weight=None, classes=None):
        type(self).rows.append(X.shape[0])
        return super().partial_fit(X, y, sample_weight=sample_weight, classes=classes)


def test_incremental_trains_on_a_chunked_dask_array_as_sklearn():
    X, y = make_classification(2000, 10, random_state=0)
    Xd, yd = da.from_array(X, chunks=500), da.from_array(y, chunks=500)
    kw = dict(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)
    _SeesBlocks.rows = []
    ours = wrappers.Incremental(_SeesBlocks(**kw), shuffle_blocks=False)
    theirs = wrappers.Incremental(MLPClassifier(**kw), shuffle_blocks=False)
    for _ in range(3):
        ours.partial_fit(Xd, yd, classes=[0, 1])
        theirs.partial_fit(Xd, yd, classes=[0, 1])
    assert _SeesBlocks.rows == [500] * 12  # one block at a time, never the whole array
    a, b = ours.estimator_, theirs.estimator_
    assert a.t_ == b.t_ == 6000
    for pa, pb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_allclose(pa, pb, rtol=0, atol=1e-10)
    pred = ours.predict(Xd)
    assert isinstance(pred, da.Array)
    np.testing.assert_array_equal(pred.compute(), theirs.predict(Xd).compute())
    assert ours.score(Xd, yd) > 0.9
