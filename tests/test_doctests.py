"""The examples in the docstrings run as doctests.

Every docstring in glassnet's public modules that holds ``>>>`` examples is run (and what
the example shows is compared with what it prints). The main public names in
``NAMES_WITH_EXAMPLES`` must carry an ``Examples`` section: a name on that list without
one fails, so the list is the promise the documentation makes.
"""

from __future__ import annotations

import doctest
import importlib
import inspect

import pytest

from .conftest import resolve_dotted

# the main public names, each with a short runnable example in its docstring
NAMES_WITH_EXAMPLES = [
    "glassnet.network.mlp",
    "glassnet.network.Sequential",
    "glassnet.network.Sequential.predict_proba",
    "glassnet.network.Sequential.predict_classes",
    "glassnet.layers.Dense",
    "glassnet.losses.SoftmaxCrossEntropy",
    "glassnet.losses.BinaryCrossEntropy",
    "glassnet.losses.MeanSquaredError",
    "glassnet.optim.SGD",
    "glassnet.schedules.InverseTime",
    "glassnet.train.fit.fit",
    "glassnet.train.reporting.evaluate",
    "glassnet.gradcheck.check_gradients",
    "glassnet.layercheck.check_layer",
    "glassnet.learn.explain.explain",
    "glassnet.train.callbacks.EarlyStopping",
    "glassnet.modelfile.save",
    "glassnet.modelfile.load",
    "glassnet.estimators.net.NetClassifier",
    "glassnet.estimators.net.NetRegressor",
    "glassnet.data.datasets.moons",
    "glassnet.viz.plotting.plot_decision_boundary",
    "glassnet.learn.checker.check",
    "glassnet.export.model.to_onnx",
]

# the modules whose docstrings are searched for examples: the public API's
MODULES = [
    "glassnet.activations",
    "glassnet.gradcheck",
    "glassnet.init",
    "glassnet.layercheck",
    "glassnet.layers",
    "glassnet.losses",
    "glassnet.modelfile",
    "glassnet.network",
    "glassnet.optim",
    "glassnet.schedules",
    "glassnet.tutorial",
    "glassnet.train.callbacks",
    "glassnet.train.checkpoint",
    "glassnet.train.diagnostics",
    "glassnet.train.fit",
    "glassnet.train.monitor",
    "glassnet.train.reporting",
    "glassnet.estimators.net",
    "glassnet.learn.explain",
    "glassnet.data.datasets",
    "glassnet.data.csvfile",
    "glassnet.viz.plotting",
    "glassnet.viz.animation",
    "glassnet.learn.checker",
    "glassnet.export.model",
]

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _doctests() -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    found = []
    for name in MODULES:
        found += [t for t in finder.find(importlib.import_module(name)) if t.examples]
    return sorted(found, key=lambda t: t.name)


DOCTESTS = _doctests()


def test_the_listed_names_exist():
    for path in NAMES_WITH_EXAMPLES:
        resolve_dotted(path)


@pytest.mark.parametrize("path", NAMES_WITH_EXAMPLES)
def test_main_public_name_has_an_example(path):
    doc = inspect.getdoc(resolve_dotted(path)) or ""
    assert "Examples\n--------" in doc and ">>>" in doc.split("Examples\n--------", 1)[1], (
        f"{path} has no 'Examples' section with a >>> example in its docstring "
        "(the examples to paste are in notes/docs-examples.md)"
    )


def test_every_listed_name_is_collected():
    """The search over MODULES reaches every listed name that has examples."""
    collected = {t.name for t in DOCTESTS}
    for path in NAMES_WITH_EXAMPLES:
        doc = inspect.getdoc(resolve_dotted(path)) or ""
        if ">>>" in doc:
            assert path in collected, f"{path}'s examples are not collected from MODULES"


@pytest.mark.parametrize("test", DOCTESTS, ids=[t.name for t in DOCTESTS])
def test_docstring_examples_run(test, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    runner = doctest.DocTestRunner(optionflags=FLAGS, verbose=False)
    out: list[str] = []
    result = runner.run(test, out=out.append)
    assert result.failed == 0, "".join(out)
