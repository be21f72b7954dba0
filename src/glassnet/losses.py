"""Losses: the fused softmax cross-entropy (takes logits), the fused sigmoid (binary)
cross-entropy (takes one logit) and the squared error.

A loss's ``forward(out, y)`` returns a float and caches what ``backward()`` needs;
``backward()`` returns ``dL/d out`` with the shape of ``out``. ``reduction="sum"``
adds the per-example losses (the post's gradient), ``"mean"`` (the default) divides
the sum by the number of examples (or by the total sample weight).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from .registry import Registry

__all__ = [
    "Loss",
    "SoftmaxCrossEntropy",
    "MeanSquaredError",
    "BinaryCrossEntropy",
    "softmax",
    "log_softmax",
    "one_hot",
    "LOSSES",
    "get_loss",
]


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise ``exp(z) / sum(exp(z))`` of an (n, k) array, shifted by the row maximum."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


def log_softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise ``log softmax(z)``, finite for any finite logits."""
    s = z - z.max(axis=1, keepdims=True)
    s -= np.log(np.exp(s).sum(axis=1, keepdims=True))
    return s


class Loss:
    """Base class of the losses.

    Parameters
    ----------
    reduction : {"mean", "sum"}

    Attributes
    ----------
    classification : bool
        Whether targets are class labels (then ``predict_labels`` turns outputs into labels).
    """

    name = "loss"
    classification = False

    def predict_labels(self, out: np.ndarray) -> np.ndarray:
        """Class labels (0..k-1) from the network's outputs (classification losses only)."""
        raise TypeError(f"{type(self).__name__} is not a classification loss")

    def __init__(self, reduction: str = "mean"):
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        self.reduction = reduction

    def forward(self, out: np.ndarray, y: np.ndarray, sample_weight=None) -> float:
        raise NotImplementedError

    def backward(self) -> np.ndarray:
        raise NotImplementedError

    def _scale(self, n: int, sample_weight) -> float:
        """Divisor of the summed loss: 1 for "sum", n (or the total weight) for "mean"."""
        if self.reduction == "sum":
            return 1.0
        if sample_weight is None:
            return float(n)
        total = float(np.sum(sample_weight))
        return total if total > 0 else 1.0  # a batch of zero weight adds nothing

    def get_config(self) -> dict:
        return {"reduction": self.reduction}

    def __repr__(self):
        return f"{type(self).__name__}(reduction={self.reduction!r})"


class SoftmaxCrossEntropy(Loss):
    """Softmax followed by the cross-entropy, fused, on logits ``z`` of shape (n, k).

    Targets ``y`` are one-hot rows of shape (n, k), or rows that sum to 1 (soft
    targets), or integer labels of shape (n,), which are made one-hot first
    (``one_hot``; ``fit`` does that once for the batches it takes in order). With
    ``yhat = softmax(z)``::

        L = -sum_n w_n sum_k y_nk log yhat_nk     (divided by sum_n w_n for "mean")
        dL/dz = w_n (yhat - y)                     (delta3 = yhat - y in the post)

    The logits are shifted by their row maximum first, which changes neither ``yhat``
    nor ``L`` but keeps ``exp`` from overflowing, and ``-log yhat_y`` is computed as
    ``log(sum_k exp(z_k)) - z_y``: logits of any magnitude give finite values.

    Examples
    --------
    >>> import numpy as np
    >>> import glassnet as gn
    >>> loss = gn.SoftmaxCrossEntropy(reduction="sum")
    >>> z = np.zeros((2, 2))  # equal logits: probability 1/2 for each class
    >>> round(loss.forward(z, np.array([0, 1])), 6)  # 2 * log 2
    1.386294
    >>> loss.backward()  # delta3 = yhat - y
    array([[-0.5,  0.5],
           [ 0.5, -0.5]])
    """

    name = "softmax_cross_entropy"
    classification = True

    def predict_labels(self, out):
        return out.argmax(axis=1)

    def forward(self, out, y, sample_weight=None):
        if y.ndim == 1:
            y = one_hot(y, out.shape[1], out.dtype)
        else:  # one-hot rows given: stored column by column, as one_hot makes them
            y = np.asfortranarray(y)
        z = out - out.max(axis=1, keepdims=True)  # softmax(z - max z) = softmax(z)
        exp_scores = np.exp(z)
        sums = exp_scores.sum(axis=1, keepdims=True)  # (n, 1)
        yhat = exp_scores / sums  # softmax(z), (n, k)
        # -log yhat_y = log sum_k exp(z_k) - z_y, where z_y = sum_k y_k z_k
        log_sums = np.log(sums)  # (n, 1)
        if sample_weight is None:
            total = log_sums.sum() - (y * z).sum()
        else:
            total = sample_weight @ (log_sums[:, 0] - (y * z).sum(axis=1))
        self._out, self._yhat, self._y, self._w = out, yhat, y, sample_weight
        self._div = self._scale(len(out), sample_weight)
        return float(total) / self._div

    def backward(self):
        delta3 = self._yhat - self._y  # a new array: a second call gives the same
        if self._w is not None:
            delta3 *= self._w[:, None]
        if self._div != 1.0:
            delta3 /= self._div
        return delta3


def one_hot(labels: np.ndarray, n_classes: int, dtype=np.float64) -> np.ndarray:
    """Integer labels of shape (n,) as rows of shape (n, n_classes): 1 in the label's
    column, 0 elsewhere (the post's ``y`` in ``delta3 = yhat - y``).

    The rows are stored column by column, as the network's outputs are
    (``glassnet.layers.column_major``).

    Examples
    --------
    >>> from glassnet.losses import one_hot
    >>> one_hot(np.array([0, 2, 1]), 3)
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    """
    rows = np.zeros((len(labels), n_classes), dtype, order="F")
    rows[np.arange(len(labels)), labels] = 1
    return rows


class BinaryCrossEntropy(Loss):
    """Sigmoid followed by the binary cross-entropy, fused, on one logit per example.

    ``out`` has shape (n, 1); labels ``y`` are 0 or 1, of shape (n,) or (n, 1). With
    ``p = sigmoid(z)``::

        L = sum_n w_n [log(1 + exp(z_n)) - y_n z_n]     (= -y log p - (1 - y) log(1 - p))
        dL/dz = w_n (p - y)

    This is a two-class softmax with one logit pinned at 0 (scikit-learn's binary output).

    Examples
    --------
    >>> import numpy as np
    >>> import glassnet as gn
    >>> loss = gn.BinaryCrossEntropy()
    >>> round(loss.forward(np.zeros((2, 1)), np.array([0, 1])), 6)  # log 2
    0.693147
    >>> loss.backward()  # (sigmoid(z) - y) / n
    array([[ 0.25],
           [-0.25]])
    """

    name = "binary_cross_entropy"
    classification = True

    def predict_labels(self, out):
        return (out[:, 0] > 0).astype(np.intp)

    def forward(self, out, y, sample_weight=None):
        z = out[:, 0]
        yy = (y if y.ndim == 1 else y[:, 0]).astype(z.dtype, copy=False)
        self._out, self._z, self._y, self._w = out, z, yy, sample_weight
        self._div = self._scale(out.shape[0], sample_weight)
        per = np.logaddexp(0, z) - yy * z
        if sample_weight is not None:
            per = per * sample_weight
        return float(per.sum()) / self._div

    def backward(self):
        d = expit(self._z) - self._y
        if self._w is not None:
            d *= self._w
        if self._div != 1.0:
            d /= self._div
        return d[:, None]


class MeanSquaredError(Loss):
    """Half the squared error, ``L = 1/2 sum_n w_n ||out_n - y_n||^2``, divided by
    ``sum_n w_n`` for "mean"; ``dL/d out = w_n (out - y)``.

    ``y`` may be of shape (n,) for a single output or (n, k). With
    ``average_outputs=True`` the loss (and gradient) is also divided by ``k``, the
    number of outputs, as scikit-learn's ``MLPRegressor`` does.

    Examples
    --------
    >>> import numpy as np
    >>> import glassnet as gn
    >>> loss = gn.MeanSquaredError()
    >>> loss.forward(np.array([[1.0], [3.0]]), np.array([0.0, 1.0]))  # (1/2)(1 + 4) / 2
    1.25
    >>> loss.backward()  # (out - y) / n
    array([[0.5],
           [1. ]])
    """

    name = "mean_squared_error"

    def __init__(self, reduction: str = "mean", average_outputs: bool = False):
        super().__init__(reduction)
        self.average_outputs = bool(average_outputs)

    def get_config(self):
        return {"reduction": self.reduction, "average_outputs": self.average_outputs}

    def forward(self, out, y, sample_weight=None):
        if y.ndim == 1:
            y = y[:, None]
        diff = out - y  # (n, k)
        self._diff = diff
        self._w = sample_weight
        self._div = self._scale(out.shape[0], sample_weight)
        if self.average_outputs:
            self._div *= out.shape[1]
        per = 0.5 * np.einsum("ij,ij->i", diff, diff)
        if sample_weight is not None:
            per = per * sample_weight
        return float(per.sum()) / self._div

    def backward(self):
        d = self._diff
        if self._w is not None:
            d = d * self._w[:, None]
        if self._div != 1.0:
            d = d / self._div
        return d


LOSSES = Registry("loss", base=Loss)
LOSSES.register("softmax_cross_entropy", SoftmaxCrossEntropy)
LOSSES.register("mean_squared_error", MeanSquaredError)
LOSSES.register("binary_cross_entropy", BinaryCrossEntropy)
LOSSES.alias("cross_entropy", "softmax_cross_entropy")
LOSSES.alias("log_loss", "softmax_cross_entropy")
LOSSES.alias("mse", "mean_squared_error")
LOSSES.alias("squared_error", "mean_squared_error")


def get_loss(spec, **kwargs) -> Loss:
    """A loss from a name (``"cross_entropy"``, ``"mse"``), a class or an instance."""
    return LOSSES.create(spec, **kwargs)
