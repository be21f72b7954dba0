"""The post's code, as the benchmark runs it.

``glassnet.tutorial`` holds the post function by function (the same NumPy operations in
the same order, with the data passed as arguments); the benchmark times exactly that.
``tutorial_sequence`` adds the post's sequence of trainings: logistic regression, the
3-unit network with its loss printed every 1,000 passes, then the sweep of sizes.
"""

from __future__ import annotations

import contextlib
import io
import warnings

from glassnet.apps.tutorial_cmd import HIDDEN_SIZES
from glassnet.tutorial import build_model, calculate_loss, predict

__all__ = ["build_model", "calculate_loss", "predict", "tutorial_sequence", "HIDDEN_SIZES"]


def tutorial_sequence(X, y, num_passes=20000, sizes=HIDDEN_SIZES):
    """Every training of the post, in the post's order, without the plots.

    Returns ``(clf, model3, models)``. The printed losses are computed as the post
    computes them and written to a buffer that is thrown away.
    """
    from sklearn.linear_model import LogisticRegressionCV

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        clf = LogisticRegressionCV()
        clf.fit(X, y)
    with contextlib.redirect_stdout(io.StringIO()):
        model3 = build_model(X, y, 3, num_passes=num_passes, print_loss=True)
    models = {h: build_model(X, y, h, num_passes=num_passes) for h in sizes}
    return clf, model3, models
