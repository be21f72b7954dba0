"""The output layers of scikit-learn's MLP that the engine's losses do not cover, as
glassnet ``Loss`` objects on the network's raw outputs ``z`` (n, k).

Each pairs an output activation with its canonical loss, so that the gradient is
``dL/dz = w * (yhat - y) / sum(w)``, as in the post's ``delta3 = yhat - y``:

- ``LogisticOutputs``: ``yhat = sigmoid(z)``, binary cross-entropy summed over the k
  outputs (one for two classes, one per label for multilabel targets);
- ``SquaredErrorOutputs``: ``yhat = z``, half the squared error;
- ``PoissonOutputs``: ``yhat = exp(z)``, half the Poisson deviance.

The values are scikit-learn's (``sklearn.neural_network._base``): a weighted average
over the samples, summed over the outputs, except the squared error, which
scikit-learn averages over the outputs while its gradient sums over them; these
classes do the same so that the models agree.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, xlogy

from ..losses import Loss

__all__ = ["LogisticOutputs", "SquaredErrorOutputs", "PoissonOutputs"]


class _CanonicalOutputs(Loss):
    """``backward`` is ``w * (yhat - y) / sum(w)``; subclasses set ``self._yhat``."""

    def _keep(self, out, y, sample_weight):
        self._y = y if y.ndim == 2 else y[:, None]  # (n, k)
        self._w = sample_weight
        self._div = self._scale(out.shape[0], sample_weight)
        return self._y

    def _average(self, per_sample):
        """The weighted average over the samples of a (n, k) array, per output."""
        if self._w is None:
            return per_sample.sum(axis=0) / self._div
        return (self._w @ per_sample) / self._div

    def backward(self):
        d = self._yhat - self._y  # delta3 = yhat - y, (n, k)
        if self._w is not None:
            d = d * self._w[:, None]
        return d / self._div


class LogisticOutputs(_CanonicalOutputs):
    """``yhat = sigmoid(z)``; ``L = sum_k mean_n [log(1 + exp(z)) - y z]``."""

    name = "logistic_outputs"
    classification = True

    def forward(self, out, y, sample_weight=None):
        y = self._keep(out, y, sample_weight)
        self._yhat = expit(out)
        return float(self._average(np.logaddexp(0, out) - y * out).sum())


class SquaredErrorOutputs(_CanonicalOutputs):
    """``yhat = z``; ``L = mean_k mean_n (z - y)^2 / 2`` (the gradient sums over k)."""

    name = "squared_error_outputs"

    def forward(self, out, y, sample_weight=None):
        y = self._keep(out, y, sample_weight)
        self._yhat = out
        self._diff = out - y
        return float(0.5 * self._average(self._diff**2).mean())


class PoissonOutputs(_CanonicalOutputs):
    """``yhat = exp(z)``; ``L = sum_k mean_n [y log(y / yhat) - y + yhat]``."""

    name = "poisson_outputs"

    def forward(self, out, y, sample_weight=None):
        y = self._keep(out, y, sample_weight)
        self._yhat = np.exp(out)
        return float(self._average(xlogy(y, y / self._yhat) - y + self._yhat).sum())
