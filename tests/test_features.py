"""``gn.Features`` (x1, x2 -> named feature columns), ``gn.Chain`` (transforms in a row)
and ``gn.fold_output_scaling`` (a target scaling folded into the last Dense layer)."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.transforms import FEATURES


def test_each_feature_is_its_formula():
    X = np.array([[2.0, 3.0], [-1.0, 0.5]])
    got = gn.Features(list(FEATURES))(X)
    x1, x2 = X[:, 0], X[:, 1]  # by hand: x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2)
    right = np.column_stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)])
    np.testing.assert_array_equal(got, right)
    assert gn.Features(["x2^2", "x1"])(X).tolist() == [[9.0, 2.0], [0.25, -1.0]]


@pytest.mark.parametrize(
    "features, error, words",
    [
        ("x1", TypeError, "features must be a list"),
        (["x1", "x3"], ValueError, "'x3'"),
        ([], ValueError, "at least one"),
        (["x1", "x1"], ValueError, "each once"),
        ([1], ValueError, "features must be names"),
    ],
)
def test_bad_features_are_named(features, error, words):
    with pytest.raises(error, match=words):
        gn.Features(features)


def test_a_chain_travels_in_the_model_file(tmp_path):
    chain = gn.Chain([gn.Standardize([1.0, -2.0], [2.0, 4.0]), gn.Features(["x1^2", "x2^2"])])
    X = np.array([[3.0, 2.0], [1.0, -2.0]])
    np.testing.assert_allclose(chain(X), [[1.0, 1.0], [0.0, 0.0]])  # ((3-1)/2)^2, ((2+2)/4)^2
    net = gn.mlp([2, 2], seed=0)  # no hidden layer: z = w1 x1^2 + w2 x2^2 + b
    net.input_transform = chain
    back = gn.load(gn.save(net, tmp_path / "circle.npz"))
    assert back.input_transform == chain and back.n_inputs == 2
    np.testing.assert_array_equal(back.predict_proba(X), net.predict_proba(X))


def test_a_chain_whose_steps_do_not_fit_is_refused():
    with pytest.raises(ValueError, match="gives 3 columns"):
        gn.Chain([gn.Standardize([0, 0, 0], [1, 1, 1]), gn.Features(["x1"])])
    with pytest.raises(TypeError, match="steps must be"):
        gn.Chain([])


def test_a_network_with_no_hidden_layer_separates_the_circle_on_squares():
    """The playground's demonstration: with x1^2 and x2^2 as inputs, a network with no
    hidden layer (logistic regression) separates the inside of a circle."""
    X, y = gn.datasets.circles(400, noise=0.0, seed=0)
    net = gn.mlp([2, 2], seed=0)
    net.input_transform = gn.Features(["x1^2", "x2^2"])
    gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.Adam(lr=0.1), epochs=300)
    assert np.mean(net.predict_classes(X) == y) > 0.97
    plain = gn.mlp([2, 2], seed=0)  # the same model on x1, x2: a straight line
    gn.fit(plain, gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.Adam(lr=0.1), epochs=300)
    assert np.mean(plain.predict_classes(X) == y) < 0.8


def test_fold_output_scaling_predicts_in_the_targets_units():
    rng = np.random.default_rng(0)
    net = gn.mlp([2, 4, 2], seed=0)
    scaling = gn.Standardize([5.0, -1.0], [2.0, 0.5])
    X = rng.normal(size=(6, 2))
    folded = gn.fold_output_scaling(net, scaling)
    # y = t * scale + mean for each output column
    np.testing.assert_allclose(folded.forward(X), net.forward(X) * [2.0, 0.5] + [5.0, -1.0])
    np.testing.assert_array_equal(net.forward(X), gn.mlp([2, 4, 2], seed=0).forward(X))  # kept
    with pytest.raises(ValueError, match="Standardize of 2 output"):
        gn.fold_output_scaling(net, gn.Standardize([0.0], [1.0]))
    sig = gn.Sequential([gn.Dense(2, 1), gn.Sigmoid()])
    with pytest.raises(ValueError, match="last layer must be Dense"):
        gn.fold_output_scaling(sig, gn.Standardize([0.0], [1.0]))


def test_the_plane_and_the_bumps_are_their_formulas():
    X, y = gn.datasets.plane(50, seed=3)
    np.testing.assert_allclose(y, (X[:, 0] + X[:, 1]) / 2)  # noise 0: the plane itself
    X, y = gn.datasets.gauss(50, seed=3)
    from glassnet.data.datasets import GAUSS_BUMPS, GAUSS_WIDTH

    by_hand = sum(
        s * np.exp(-((X[:, 0] - a) ** 2 + (X[:, 1] - b) ** 2) / (2 * GAUSS_WIDTH**2))
        for a, b, s in GAUSS_BUMPS
    )
    np.testing.assert_allclose(y, by_hand)
    noisy = gn.datasets.gauss(50, noise=0.1, seed=3)[1]
    assert 0.05 < np.std(noisy - y) < 0.2
    np.testing.assert_array_equal(gn.datasets.gauss(50, seed=3)[1], y)  # seeded


def test_digits_are_scikit_learns_scaled_to_one():
    from sklearn.datasets import load_digits

    X, y = gn.datasets.digits()
    raw = load_digits()
    assert X.shape == (1797, 64) and X.max() == 1.0
    np.testing.assert_array_equal(X * 16, raw.data)
    np.testing.assert_array_equal(y, raw.target)
