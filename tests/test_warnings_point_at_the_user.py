"""Every warning glassnet gives is attributed to the user's line (``stacklevel``), not to
a line inside glassnet: ``w.filename`` is this file for each kind, whichever door it came
through (``gn.fit``, an estimator's ``fit``)."""

import warnings

import pytest
from sklearn.exceptions import ConvergenceWarning

import glassnet as gn
from glassnet.data import datasets
from glassnet.train.diagnostics import SummedLossWarning


def _caught(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return caught


def _only(caught, category, match):
    found = [w for w in caught if w.category is category and match in str(w.message)]
    assert len(found) == 1, [(w.category.__name__, str(w.message)[:60]) for w in caught]
    return found[0]


def test_summed_loss_warning_from_fit():
    # 2,000 rows summed with lr 0.01: lr * rows = 20 > SUMMED_STEP_LIMIT (10)
    X, y = datasets.moons(2000, seed=0)
    loss = gn.SoftmaxCrossEntropy(reduction="sum")
    caught = _caught(lambda: gn.fit(gn.mlp([2, 3, 2], seed=0), loss, X, y, epochs=1, verbose=0))
    assert _only(caught, SummedLossWarning, "summed over 2000 rows").filename == __file__


def test_oscillation_warning_from_fit():
    # the post's set-up with 2 hidden units and lr 0.02 settles into a two-value cycle
    # within 3,000 epochs (seen with and without AVX2: NPY_DISABLE_CPU_FEATURES=X86_V3)
    X, y = datasets.moons(200, noise=0.2, seed=0)
    loss = gn.SoftmaxCrossEntropy(reduction="sum")
    net = gn.mlp([2, 2, 2], seed=0)

    def run():
        gn.fit(net, loss, X, y, optimizer=gn.SGD(lr=0.02), epochs=3000, l2=0.01, verbose=0)

    assert _only(_caught(run), gn.OscillationWarning, "alternated").filename == __file__


@pytest.fixture(scope="module")
def small():
    return datasets.moons(60, seed=0)


def test_batch_size_clipped_warning_from_an_estimator(small):
    clf = gn.NetClassifier(hidden_layer_sizes=(3,), batch_size=1000, max_iter=1)
    caught = _caught(lambda: clf.fit(*small))
    assert _only(caught, UserWarning, "going to be clipped").filename == __file__


def test_sgd_convergence_warning_from_an_estimator(small):
    clf = gn.NetClassifier(hidden_layer_sizes=(3,), max_iter=2)
    caught = _caught(lambda: clf.fit(*small))
    assert _only(caught, ConvergenceWarning, "Maximum iterations").filename == __file__


def test_lbfgs_convergence_warning_from_an_estimator(small):
    # scikit-learn's own warning (its stacklevel named glassnet's line), said again
    clf = gn.NetClassifier(hidden_layer_sizes=(3,), solver="lbfgs", max_iter=2)
    caught = _caught(lambda: clf.fit(*small))
    assert _only(caught, ConvergenceWarning, "lbfgs failed").filename == __file__


def test_interrupted_warning_from_an_estimator(small):
    def stop(epoch, logs):
        raise KeyboardInterrupt

    clf = gn.NetClassifier(hidden_layer_sizes=(3,), max_iter=5, callbacks=[stop])
    caught = _caught(lambda: clf.fit(*small))
    assert _only(caught, UserWarning, "interrupted by user").filename == __file__
