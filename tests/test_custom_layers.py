"""A layer a learner writes: it trains even when its backward rebinds its gradient
attributes (with one warning), and ``gn.check_layer`` names each kind of mistake."""

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet.data import datasets
from glassnet.gradcheck import numeric_gradient


class Affine(gn.Layer):
    """``z = x @ W + b`` written as a learner would, into the views bind gives."""

    def __init__(self, n_in, n_out):
        self.n_in, self.n_out = n_in, n_out

    def param_specs(self):
        return [("W", (self.n_in, self.n_out), True), ("b", (self.n_out,), False)]

    def bind(self, params, grads):
        self.W, self.b = params["W"], params["b"]
        self.dW, self.db = grads["W"], grads["b"]

    def initialize(self, rng):
        self.W[...] = rng.randn(self.n_in, self.n_out) / np.sqrt(self.n_in)

    def forward(self, x, training=False):
        self.x = x
        return x @ self.W + self.b

    def backward(self, delta):
        self.dW[...] = self.x.T @ delta
        self.db[...] = delta.sum(axis=0)
        return delta @ self.W.T


class BookAffine(Affine):
    """ "Deep Learning from Scratch"'s Affine: ``self.dW = np.dot(self.x.T, dout)``."""

    def backward(self, delta):
        self.dW = self.x.T @ delta  # a new array: the packed gradient never sees it
        self.db = delta.sum(axis=0)
        return delta @ self.W.T


class NoGradViews(BookAffine):
    """Keeps no gradient view at all; its ``dW``/``db`` are found by their names."""

    def bind(self, params, grads):
        self.W, self.b = params["W"], params["b"]


def _caught(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return caught


def _train(layer_class, epochs=30):
    """The post's network and update (2-3-2 tanh, summed loss, SGD 0.01, l2 0.01)."""
    X, y = datasets.moons(40, seed=0)
    net = gn.Sequential([layer_class(2, 3), gn.Tanh(), layer_class(3, 2)], seed=0)
    loss = gn.SoftmaxCrossEntropy(reduction="sum")
    caught = _caught(
        lambda: gn.fit(net, loss, X, y, optimizer=gn.SGD(lr=0.01), epochs=epochs, l2=0.01)
    )
    return net, [w for w in caught if "rebinds" in str(w.message)]


@pytest.mark.parametrize("rebinding", [BookAffine, NoGradViews])
def test_a_rebinding_layer_trains_to_the_same_parameters_and_warns_once(rebinding):
    # before the fix the rebinding layers trained nothing: theta stayed at its initial draw
    right, right_warnings = _train(Affine)
    net, caught = _train(rebinding)
    assert right_warnings == []
    assert np.array_equal(net.theta, right.theta)  # the same copy of the same numbers
    assert len(caught) == 1, [str(w.message) for w in caught]
    message = str(caught[0].message)
    for part in ("layer 0", "layer 2", rebinding.__name__, "self.dW", "self.db"):
        assert part in message
    assert "self.dW[...] = ..." in message
    assert caught[0].filename == __file__  # the user's line, not glassnet's
    assert net.layers[0].dW is net.grads["0.W"]  # the view is put back


def test_after_astype_the_new_views_are_found():
    net = gn.Sequential([BookAffine(2, 3), gn.Tanh(), BookAffine(3, 2)], seed=0)
    X, y = datasets.moons(10, seed=0)
    loss = gn.SoftmaxCrossEntropy()

    def step(X):
        loss.forward(net.forward(X), y)
        delta = loss.backward()
        net.backward(delta.copy())
        return delta

    _caught(lambda: step(X))
    net.astype(np.float32)
    caught = _caught(lambda: step(X.astype(np.float32)))
    delta = step(X.astype(np.float32))
    # by hand: dW of the output layer = a1.T @ delta3, as BookAffine computes it
    assert net.grads["2.W"].dtype == np.float32 and len(caught) == 1
    np.testing.assert_allclose(net.grads["2.W"], net.layers[2].x.T @ delta, rtol=1e-5)


def test_a_rebound_gradient_of_the_wrong_shape_is_refused():
    class KeepDims(Affine):
        def backward(self, delta):
            self.dW[...] = self.x.T @ delta
            self.db = delta.sum(axis=0, keepdims=True)  # (1, n_out), not (n_out,)
            return delta @ self.W.T

    net = gn.Sequential([KeepDims(2, 3)], seed=0)
    net.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"layer 0 \(KeepDims\).*self\.db.*\(1, 3\).*\(3,\)"):
        net.backward(np.ones((4, 3)))


# ---------------------------------------------------------------- check_layer


class Swish(gn.Layer):
    """``a = z * sigmoid(z)``, ``da/dz = a + s * (1 - a)``."""

    def forward(self, z, training=False):
        self.s = 1 / (1 + np.exp(-z))
        self.a = z * self.s
        return self.a

    def backward(self, delta):
        return delta * (self.a + self.s * (1 - self.a))


@pytest.mark.parametrize(
    "layer",
    [gn.Dense(3, 2), gn.BatchNorm(3), gn.Dropout(0.3), Affine(3, 2), Swish(), gn.Tanh()]
    + [gn.Sigmoid(), gn.ReLU(), gn.LeakyReLU(), gn.ELU(), gn.Softplus(), gn.Identity()],
    ids=lambda layer: type(layer).__name__,
)
def test_check_layer_passes_a_right_layer(layer):
    report = gn.check_layer(layer)
    assert report.ok, repr(report)
    assert "right" in repr(report)
    assert max(report.errors.values()) < 1e-7  # gradcheck.RIGHT


class WrongInputGradient(Affine):
    def backward(self, delta):
        super().backward(delta)
        return delta @ self.W.T * 2


class WrongParamGradient(Affine):
    def backward(self, delta):
        dx = super().backward(delta)
        self.dW[...] = self.x.T @ delta / len(delta)  # divided by n: not the mean loss's
        return dx


class WrongShape(Affine):
    def backward(self, delta):
        dx = super().backward(delta)
        self.db = delta.sum(axis=0, keepdims=True)
        return dx


class Accumulates(Affine):
    def backward(self, delta):
        self.dW += self.x.T @ delta
        self.db[...] = delta.sum(axis=0)
        return delta @ self.W.T


class ReturnsNone(Affine):
    def backward(self, delta):
        super().backward(delta)


class WrongInputShape(Affine):
    def backward(self, delta):
        super().backward(delta)
        return delta @ self.W.T[:, :-1]


class CopiesW(Affine):
    def bind(self, params, grads):
        super().bind(params, grads)
        self.W = params["W"].copy()  # forward then never sees theta


class WritesNothing(Affine):
    def backward(self, delta):
        self.db[...] = delta.sum(axis=0)  # dW forgotten
        return delta @ self.W.T


MISTAKES = [
    (WrongInputGradient, ["the input gradient (what backward returns) is wrong"]),
    (WrongParamGradient, ["the gradient of 'W' is wrong"]),
    (BookAffine, ["rebinds self.dW", "self.dW[...] = ...", "rebinds self.db"]),
    (WrongShape, ["self.db to an array of shape (1, 2)", "'b' has shape (2,)"]),
    (Accumulates, ["'W' changes between two backward calls", "self.dW += ..."]),
    (ReturnsNone, ["backward returned None"]),
    (WrongInputShape, ["shape (5, 2) for an input of shape (5, 3)"]),
    (CopiesW, ["'W' has no effect on forward's output"]),
    (WritesNothing, ["backward leaves the gradient of 'W' at zero"]),
]


@pytest.mark.parametrize(("layer_class", "parts"), MISTAKES, ids=[m[0].__name__ for m in MISTAKES])
def test_check_layer_names_each_mistake(layer_class, parts):
    report = gn.check_layer(layer_class(3, 2))
    assert not report.ok
    text = repr(report)
    assert text.startswith(f"{layer_class.__name__}: ")
    for part in parts:
        assert part in text, text
    # one sentence per problem: each listed mistake is its own problem, nothing more
    assert len(report.problems) == (2 if layer_class is BookAffine else 1), text


def test_check_layer_leaves_the_layer_as_it_is():
    net = gn.Sequential([Affine(2, 3)], seed=0)
    layer, before = net.layers[0], net.theta.copy()
    gn.check_layer(layer)
    assert layer.W is net.params["0.W"] and layer.dW is net.grads["0.W"]
    assert np.array_equal(net.theta, before)


def test_check_layer_at_a_given_input():
    x = np.array([[0.5, -1.0, 2.0]])
    report = gn.check_layer(Swish(), x)
    assert report.ok and list(report.errors) == ["x"]


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((np.tanh,), {}, TypeError, "layer must be a glassnet Layer"),
        ((Swish(),), {"eps": -1.0}, ValueError, "eps must be"),
        ((Swish(),), {"training": "yes"}, TypeError, "training must be"),
        ((Swish(), np.ones(3)), {}, ValueError, r"x must have shape \(n_samples, n_inputs\)"),
        ((Swish(), [["a"]]), {}, TypeError, "x must be an array of numbers"),
        ((Swish(), [[np.nan]]), {}, ValueError, "x"),
    ],
)
def test_check_layer_refuses_bad_arguments_by_name(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        gn.check_layer(*args, **kwargs)


def test_a_layer_of_unknown_width_asks_for_x():
    class NoWidth(Affine):
        def __init__(self):
            self.shape = (3, 2)  # the widths under a name check_layer does not know

        def param_specs(self):
            return [("W", self.shape, True), ("b", self.shape[1:], False)]

        def initialize(self, rng):
            self.W[...] = rng.randn(*self.shape)

    with pytest.raises(ValueError, match="x: pass an input of shape"):
        gn.check_layer(NoWidth())
    assert gn.check_layer(NoWidth(), np.ones((2, 3))).ok


def test_numeric_gradient_of_a_cubic():
    # (f(v + e) - f(v - e)) / (2e) for f = sum(v**3) is 3 v**2 + e**2 exactly in math
    v = np.array([1.0, -2.0, 0.5])
    numeric = numeric_gradient(lambda: float(np.sum(v**3)), v, 1e-3)
    np.testing.assert_allclose(numeric, 3 * v**2 + 1e-6, rtol=1e-9)
    assert np.array_equal(v, [1.0, -2.0, 0.5])  # every entry put back


def test_a_network_of_a_learners_layer_is_refused_at_save_not_at_load(tmp_path):
    """gn.save wrote it and gn.load then failed ("unknown layer type 'layer'"): a file
    that cannot be loaded. Now save refuses it, and fit refuses a checkpoint of it before
    the first epoch."""
    net = gn.Sequential([gn.Dense(2, 3), Swish(), gn.Dense(3, 2)], seed=0)
    path = tmp_path / "swish.npz"
    with pytest.raises(TypeError, match=r"layer 1 \(Swish\) is not one of glassnet's layers"):
        gn.save(net, path)
    assert not path.exists()
    X, y = np.random.RandomState(0).randn(20, 2), np.arange(20) % 2
    before = net.theta.copy()
    with pytest.raises(TypeError, match=r"^checkpoint=: layer 1 \(Swish\)"):
        gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, epochs=3, checkpoint=tmp_path / "c.npz")
    np.testing.assert_array_equal(net.theta, before)  # refused before any epoch
    gn.save(gn.mlp([2, 3, 2], seed=0), path)  # glassnet's own layers still save


# ---------------------------------------------------------------- beside glassnet's layers


def test_a_learners_layer_goes_first_or_between_glassnets_layers():
    """Its n_in/n_out fix the widths as Dense's do: first, it sets the input width (it
    was the first Dense's: forward refused moons' 2 columns, "must have shape (n, 4)");
    between two Dense layers, its widths are checked against theirs (the check skipped
    it and compared Dense(2, 4) with Dense(3, 2): a valid network refused)."""
    X, y = datasets.moons(40, seed=0)
    first = gn.Sequential([Affine(2, 4), gn.Tanh(), gn.Dense(4, 2)], seed=0)
    middle = gn.Sequential([gn.Dense(2, 4), gn.Tanh(), Affine(4, 3), gn.Tanh(), gn.Dense(3, 2)])
    for net in (first, middle):
        assert net.n_inputs == 2 and net.n_outputs == 2
        before = net.theta.copy()
        history = gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.SGD(0.1), epochs=20)
        assert not np.array_equal(net.theta, before)
        assert history["loss"][-1] < history["loss"][0]
    with pytest.raises(ValueError, match=r"layers\[2\] takes 3 inputs but layers\[0\] gives 4"):
        gn.Sequential([gn.Dense(2, 4), gn.Tanh(), Affine(3, 3), gn.Tanh(), gn.Dense(3, 2)])


class PlainTuples(Affine):
    """param_specs as (name, shape) pairs: ``penalized`` left to its default."""

    def param_specs(self):
        return [("W", (self.n_in, self.n_out)), ("b", (self.n_out,))]


def test_param_specs_as_name_shape_pairs():
    # "not enough values to unpack (expected 3, got 2)" from fit and check_layer before
    net = gn.Sequential([PlainTuples(2, 3)], seed=0)
    X, y = datasets.moons(20, seed=0)
    gn.fit(net, gn.SoftmaxCrossEntropy(), X, y % 2, epochs=2)
    assert net.n_weights == 0  # no spec says penalized
    assert gn.check_layer(PlainTuples(3, 2)).ok


class BookInit(Affine):
    """Draws its weights into a new array, as the book's ``__init__`` does."""

    def initialize(self, rng):
        self.W = rng.randn(self.n_in, self.n_out) / np.sqrt(self.n_in)


def test_a_layer_whose_initialize_rebinds_its_weights_trains_and_warns():
    # before: the optimizer stepped theta's zeros while forward read the new array, and
    # only the biases trained (moons: accuracy 0.705 after 100 epochs), without a word
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net = gn.Sequential([BookInit(2, 3), gn.Tanh(), Affine(3, 2)], seed=0)
    right = gn.Sequential([Affine(2, 3), gn.Tanh(), Affine(3, 2)], seed=0)
    assert np.array_equal(net.theta, right.theta)  # the same draws, copied into theta
    assert net.layers[0].W is net.params["0.W"]
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1, messages
    assert "initialize rebinds self.W of layer 0 (BookInit)" in messages[0]
    assert "net.theta" in messages[0] and "self.W[...] = ..." in messages[0]
    report = gn.check_layer(BookInit(3, 2))
    assert not report.ok and "initialize rebinds self.W" in repr(report)


def test_the_fix_names_the_view_a_layer_did_not_keep():
    """A layer whose bind keeps no gradient view (NoGradViews) cannot write into
    self.dW[...] before it keeps the view: the message says how."""
    message = str(_train(NoGradViews, epochs=1)[1][0].message)
    assert "Keep the views bind gives (self.dW = grads['W'] in bind)" in message
    assert "Keep the" not in str(_train(BookAffine, epochs=1)[1][0].message)


class Transposed(Affine):
    def param_specs(self):
        return [("W", (self.n_out, self.n_in), True), ("b", (self.n_out,), False)]

    def initialize(self, rng):
        self.W[...] = rng.randn(*self.W.shape)


class TransposedGradient(Affine):
    def backward(self, delta):
        dx = super().backward(delta)
        self.dW[...] = (self.x.T @ delta).T
        return dx


class WrongDraw(Affine):
    def initialize(self, rng):
        self.W[...] = rng.randn(self.n_out, self.n_in)


@pytest.mark.parametrize(
    ("layer", "parts"),
    [
        (Transposed(3, 2), ["forward raised ValueError", "W (2, 3), b (2,)", "x of shape (5, 3)"]),
        (TransposedGradient(3, 3), ["the gradient of 'W' is wrong"]),
        (TransposedGradient(3, 2), ["backward raised ValueError", "W (3, 2)"]),
        (WrongDraw(3, 2), ["(bind, initialize) raised ValueError", "W (3, 2)"]),
    ],
    ids=["param_specs", "square dW", "dW", "initialize"],
)
def test_a_shape_the_other_way_round_is_a_problem_not_a_traceback(layer, parts):
    # NumPy's "matmul: Input operand 1 has a mismatch..." came out of check_layer before
    report = gn.check_layer(layer)
    assert not report.ok
    for part in parts:
        assert part in repr(report), repr(report)


class PropertyW(Affine):
    """Reaches its weights through a property that gives a new view at each access."""

    def bind(self, params, grads):
        self._params = params
        self.b, self.dW, self.db = params["b"], grads["W"], grads["b"]

    @property
    def W(self):
        return self._params["W"][...]


def test_a_parameter_behind_a_property_is_not_taken_for_a_rebound_one():
    # "property 'W' of 'PropertyW' object has no setter" while building the network
    # before: a new view object counted as a new array, and the copy-in set the attribute
    X, y = datasets.moons(40, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no rebinding warning either
        net = gn.Sequential([PropertyW(2, 3), gn.Tanh(), Affine(3, 2)], seed=0)
        right = gn.Sequential([Affine(2, 3), gn.Tanh(), Affine(3, 2)], seed=0)
        assert np.array_equal(net.theta, right.theta)
        for n in (net, right):
            gn.fit(n, gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.SGD(0.1), epochs=5)
    assert np.array_equal(net.theta, right.theta)


class ForgetsInput(Affine):
    def forward(self, x, training=False):
        return x @ self.W + self.b  # self.x = x forgotten: backward cannot read it


@pytest.mark.parametrize(
    ("layer", "said"),
    [
        (ForgetsInput(3, 2), "backward raised AttributeError: 'ForgetsInput' object has no"),
        (PlainTuples(3, 2), None),
    ],
    ids=["AttributeError", "right"],
)
def test_any_error_of_the_layers_own_code_is_a_problem(layer, said):
    report = gn.check_layer(layer)
    assert report.ok is (said is None)
    if said:
        assert said in repr(report) and "shape" not in repr(report)  # not a shape's error


def test_a_malformed_param_specs_is_a_problem_not_a_second_traceback():
    class NoShape(Affine):
        def param_specs(self):
            return [("W",)]

    report = gn.check_layer(NoShape(3, 2))
    assert not report.ok
    assert "putting it in a network (bind, initialize) raised TypeError" in repr(report)


def test_check_layer_reports_a_rebinding_and_passes_other_warnings_on():
    """The rebinding of initialize is a problem of the report (RebindWarning); a warning
    of the layer's own was dropped with it before, and is now said as it was."""

    class Noisy(BookInit):
        def initialize(self, rng):
            warnings.warn("a note of the layer's own", stacklevel=2)
            super().initialize(rng)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = gn.check_layer(Noisy(3, 2))
    assert [str(w.message) for w in caught] == ["a note of the layer's own"]
    assert len(report.problems) == 1 and "initialize rebinds self.W" in report.problems[0]
