"""glassnet.tutorial is the post, literally: its data, initialisation and printed losses."""

import numpy as np
import pytest
import sklearn.datasets

from glassnet import tutorial

from ._fp_paths import check_post_prints, post_prints

# the CPU's floating-point path can move these results: CI runs them on two (README)
pytestmark = pytest.mark.numbers

# The post's printed losses for build_model(3, print_loss=True).
POST_LOSS_0 = "0.432387"
POST_LOSS_1000 = "0.068947"
# The two values the post's run alternates between once its step is too large for the
# valley it is in (seen in the post's own prints and in both implementations here).
CYCLE = (0.070758, 0.071316)


@pytest.fixture(scope="module")
def data():
    return tutorial.moons(0)


def test_moons_is_the_posts_data(data):
    np.random.seed(0)
    X_ref, y_ref = sklearn.datasets.make_moons(200, noise=0.20)
    X, y = data
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)


def test_moons_leaves_global_random_state_alone():
    np.random.seed(7)
    expected = np.random.rand()
    np.random.seed(7)
    tutorial.moons(0)
    assert np.random.rand() == expected


def test_init_model_is_posts_initialisation():
    # np.random.seed(0); W1 = randn(2, h) / sqrt(2); W2 = randn(h, 2) / sqrt(h)
    np.random.seed(0)
    W1 = np.random.randn(2, 4) / np.sqrt(2)
    W2 = np.random.randn(4, 2) / np.sqrt(4)
    model = tutorial.init_model(4)
    np.testing.assert_array_equal(model["W1"], W1)
    np.testing.assert_array_equal(model["W2"], W2)
    assert model["b1"].shape == (1, 4) and not model["b1"].any()
    assert model["b2"].shape == (1, 2) and not model["b2"].any()


def test_calculate_loss_by_hand():
    # One hidden unit, all weights zero: softmax gives 1/2 per class, so the
    # cross-entropy is log 2 per example; W = 0 adds no penalty.
    model = {
        "W1": np.zeros((2, 1)),
        "b1": np.zeros((1, 1)),
        "W2": np.zeros((1, 2)),
        "b2": np.zeros((1, 2)),
    }
    X = np.array([[1.0, 2.0], [-1.0, 0.5]])
    y = np.array([0, 1])
    assert tutorial.calculate_loss(model, X, y) == pytest.approx(np.log(2))
    # W1 = [[1], [1]]: penalty reg/2 * 2 / N = 0.01 * 2 / 2 / 2 = 0.005 (z2 stays 0)
    model["W1"] = np.ones((2, 1))
    assert tutorial.calculate_loss(model, X, y) == pytest.approx(np.log(2) + 0.005)


def test_predict_returns_argmax_class():
    model = {"W1": np.eye(2), "b1": np.zeros((1, 2)), "W2": np.eye(2), "b2": np.zeros((1, 2))}
    X = np.array([[2.0, -1.0], [-1.0, 3.0]])
    np.testing.assert_array_equal(tutorial.predict(model, X), [0, 1])


def test_build_model_prints_the_posts_losses(data, capsys):
    X, y = data
    tutorial.build_model(X, y, 3, print_loss=True)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 20
    printed = post_prints("\n".join(lines))
    assert len(printed) == 20  # every line is one of the post's prints
    # the post's two first prints exactly; then, by the floating-point path, one of the two
    # measured sequences that end on the cycle's values (tests/_fp_paths.py)
    check_post_prints(printed, (POST_LOSS_0, POST_LOSS_1000))
    assert float(printed[19000]) in CYCLE


def test_the_last_passes_alternate_between_the_two_values(data):
    X, y = data
    model = tutorial.build_model(X, y, 3, num_passes=19998)
    a = tutorial.calculate_loss(model, X, y)
    # one more pass moves to the other value, the next one back
    model_b = tutorial.build_model(X, y, 3, num_passes=19999)
    b = tutorial.calculate_loss(model_b, X, y)
    assert sorted([round(a, 6), round(b, 6)]) == list(CYCLE)


def test_build_model_returns_posts_model_dict(data):
    X, y = data
    model = tutorial.build_model(X, y, 5, num_passes=10)
    assert {k: v.shape for k, v in model.items()} == {
        "W1": (2, 5),
        "b1": (1, 5),
        "W2": (5, 2),
        "b2": (1, 2),
    }
