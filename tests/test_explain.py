"""``gn.explain``: the post's names in order, the engine's numbers bit for bit, the post's
numbers to rounding, the lines it names, its trace, and ``glassnet explain``.

References: the engine's own ``net.forward``/``loss.forward``/``net.backward``/
``net.add_penalty_grad`` (the training step, ``glassnet.train.loop.step``), and the
post's code for one pass, written out below as the post writes it (``build_model``'s
loop body up to the gradients).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet import tutorial
from glassnet.apps.cli import main
from glassnet.apps.explain_cmd import post_step
from glassnet.learn._source import assign_line, result_line

from .test_custom_layers import BookAffine

POST_NAMES = ["z1", "a1", "z2", "probs", "loss", "delta3", "dW2", "db2", "delta2", "dW1", "db1"]


@pytest.fixture(scope="module")
def moons():
    return tutorial.moons(0)


def _post_net():
    return gn.mlp([2, 3, 2], activation="tanh", seed=0)


SUM = gn.SoftmaxCrossEntropy(reduction="sum")


# ----------------------------------------------------------------------------- names
def test_the_posts_names_in_the_posts_order(moons):
    exp = gn.explain(_post_net(), SUM, *moons, l2=0.01)
    assert list(exp) == POST_NAMES
    assert list(exp.keys()) == POST_NAMES and len(exp) == 11
    assert exp["delta2"].formula == "delta2 = (delta3 @ W2.T) * (1 - a1**2)"
    assert exp["dW2"].formula == "dW2 = a1.T @ delta3 + l2 * W2"  # the post's + reg_lambda * W2
    assert exp["delta3"].formula == "delta3 = probs - onehot(y)"
    assert {name: exp[name].shape for name in ("z1", "probs", "loss", "dW1", "db2")} == {
        "z1": (200, 3),
        "probs": (200, 2),
        "loss": (),
        "dW1": (2, 3),
        "db2": (2,),
    }


NETS = {  # name: (layers, loss, the names explain gives)
    "deeper": (
        lambda: [gn.Dense(2, 4), gn.Tanh(), gn.Dense(4, 3), gn.Tanh(), gn.Dense(3, 2)],
        SUM,
        "z1 a1 z2 a2 z3 probs loss delta4 dW3 db3 delta3 dW2 db2 delta2 dW1 db1",
    ),
    "dropout": (
        lambda: [gn.Dense(2, 4), gn.Tanh(), gn.Dropout(0.5), gn.Dense(4, 2)],
        SUM,
        "z1 a1 m1 d1 z2 probs loss delta3 dW2 db2 da1 delta2 dW1 db1",
    ),
    "batchnorm": (
        lambda: [gn.Dense(2, 4), gn.BatchNorm(4), gn.ReLU(), gn.Dense(4, 2)],
        gn.SoftmaxCrossEntropy(),
        "z1 xhat1 bn1 a1 z2 probs loss delta3 dW2 db2 dbn1 dgamma1 dbeta1 delta2 dW1 db1",
    ),
    "dense after dense": (
        lambda: [gn.Dense(2, 3), gn.Dense(3, 2)],
        SUM,
        "z1 z2 probs loss delta3 dW2 db2 delta2 dW1 db1",
    ),
    "binary": (
        lambda: [gn.Dense(2, 3), gn.Sigmoid(), gn.Dense(3, 1)],
        gn.BinaryCrossEntropy(),
        "z1 a1 z2 p loss delta3 dW2 db2 delta2 dW1 db1",
    ),
    "squared error": (
        lambda: [gn.Dense(2, 5), gn.ELU(), gn.Dense(5, 2), gn.LeakyReLU(0.1)],
        gn.MeanSquaredError(reduction="sum", average_outputs=True),
        "z1 a1 z2 a2 yhat loss da2 delta3 dW2 db2 delta2 dW1 db1",
    ),
}


def _targets(loss, X, y):
    if isinstance(loss, gn.MeanSquaredError):
        return np.column_stack([X[:, 0] * y, X[:, 1] - y])  # two outputs to fit
    return y


@pytest.mark.parametrize("case", NETS)
def test_names_of_other_networks(case, moons):
    layers, loss, names = NETS[case]
    X, y = moons
    exp = gn.explain(gn.Sequential(layers(), seed=1), loss, X, _targets(loss, X, y), l2=0.01)
    assert " ".join(exp) == names


def test_formulas_of_dropout_and_batchnorm(moons):
    drop = gn.explain(gn.Sequential(NETS["dropout"][0](), seed=1), SUM, *moons)
    assert drop["m1"].formula == "m1 = (u >= p) / (1 - p), u uniform in [0, 1)"
    assert "p = 0.5" in drop["m1"].note
    assert drop["d1"].formula == "d1 = a1 * m1"
    assert drop["da1"].formula == "da1 = (delta3 @ W2.T) * m1"
    assert drop["delta2"].formula == "delta2 = da1 * (1 - a1**2)"
    assert drop["dW2"].formula == "dW2 = d1.T @ delta3"  # l2 = 0: no penalty term
    bn = gn.explain(gn.Sequential(NETS["batchnorm"][0](), seed=1), NETS["batchnorm"][1], *moons)
    assert bn["xhat1"].formula == "xhat1 = (z1 - mu) / sqrt(var + eps)"
    assert bn["bn1"].formula == "bn1 = gamma1 * xhat1 + beta1"
    assert bn["dbn1"].formula == "dbn1 = (delta3 @ W2.T) * (a1 > 0)"
    assert bn["dgamma1"].formula == "dgamma1 = (dbn1 * xhat1).sum(axis=0)"
    assert bn["delta3"].formula == "delta3 = (probs - onehot(y)) / n"  # the mean's
    X, y = moons
    layers, loss, _ = NETS["squared error"]  # summed, averaged over its 2 outputs
    mse = gn.explain(gn.Sequential(layers(), seed=1), loss, X, _targets(loss, X, y))
    assert mse["da2"].formula == "da2 = (yhat - y) / k"
    assert mse["loss"].formula == "loss = 1/2 * sum_n ||yhat_n - y_n||^2 / k"
    # the normalised values: each column of xhat has mean 0 and variance var / (var + eps)
    xhat, var = np.asarray(bn["xhat1"]), np.asarray(bn["z1"]).var(axis=0)
    np.testing.assert_allclose(xhat.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(xhat.var(axis=0), var / (var + 1e-5), rtol=1e-10)


# ----------------------------------------------------------------------------- numbers
def _recorded(net):
    """Make every layer of ``net`` record what its forward and backward return."""
    fwd, bwd = [], []
    for layer in net.layers:
        cls = type(layer)

        def forward(x, training=False, _lay=layer, _cls=cls):
            out = _cls.forward(_lay, x, training)
            fwd.append(out.copy())
            return out

        def backward(delta, _lay=layer, _cls=cls):
            out = _cls.backward(_lay, delta)
            bwd.append(None if out is None else out.copy())
            return out

        layer.forward, layer.backward = forward, backward
    return fwd, bwd


def _engine_step(net, loss, X, y, l2, l1=0.0):
    """The training step's pass (glassnet.train.loop.step without the update)."""
    fwd, bwd = _recorded(net)
    penalty = net.penalty(l2, l1)
    out = net.forward(X, training=True)
    value = loss.forward(out, y) + penalty
    delta = loss.backward()
    net.backward(delta)
    net.add_penalty_grad(l2, l1)
    return fwd, bwd, value, delta


CASES = ["post", *NETS]


def _case(case):
    if case == "post":
        return _post_net(), SUM
    layers, loss, _ = NETS[case]
    return gn.Sequential(layers(), seed=1), loss


@pytest.mark.parametrize("l1", [0.0, 0.003])
@pytest.mark.parametrize("case", CASES)
def test_numbers_are_the_engines_bit_for_bit(case, l1, moons):
    X, y = moons
    net, loss = _case(case)
    y = _targets(loss, X, y)
    exp = gn.explain(net, loss, X, y, l2=0.01, l1=l1)
    # explain put the random state back: the engine draws the same dropout mask
    fwd, bwd, value, delta = _engine_step(net, loss, X, y, 0.01, l1)
    outputs = [exp[name] for name in exp if exp[name].kind == "forward"]
    layer_outputs = [s for s in outputs if not re.match(r"m\d|xhat\d|probs|p$|yhat", s.name)]
    assert len(layer_outputs) == len(fwd)
    for step, out in zip(layer_outputs, fwd):
        assert np.array_equal(step.value, out), step.name
    assert exp["loss"].value == value
    # every delta shown is the loss's or one a layer's backward returned, in that order
    returned = [delta, *[d for d in bwd if d is not None]]
    deltas = [s for s in exp.values() if s.kind == "delta"]
    at = 0
    for step in deltas:
        while at < len(returned) and not np.array_equal(step.value, returned[at]):
            at += 1
        assert at < len(returned), f"{step.name} is none of the engine's deltas"
    grads = [s for s in exp.values() if s.kind == "gradient"]
    assert len(grads) == len(net.grads)
    for step in grads:  # dW2 <-> "2.W": each gradient is one of the packed views, exactly
        assert sum(np.array_equal(step.value, g) for g in net.grads.values()) >= 1, step.name
    by_name = {s.name: s.value for s in grads}
    dense = [i for i, lay in enumerate(net.layers) if isinstance(lay, gn.Dense)]
    for k, i in enumerate(dense, start=1):
        assert np.array_equal(by_name[f"dW{k}"], net.grads[f"{i}.W"])
        assert np.array_equal(by_name[f"db{k}"], net.grads[f"{i}.b"])


def test_masks_and_normalised_values_are_the_layers(moons):
    X, y = moons
    net = gn.Sequential(
        [gn.Dense(2, 4), gn.BatchNorm(4), gn.Tanh(), gn.Dropout(0.3), gn.Dense(4, 2)], seed=3
    )
    exp = gn.explain(net, SUM, X, y)
    net.forward(X, training=True)
    assert np.array_equal(exp["m1"].value, net.layers[3]._mask)
    assert np.array_equal(exp["xhat1"].value, net.layers[1]._xhat)
    assert set(np.unique(exp["m1"].value)) == {0.0, 1 / 0.7}


def test_explain_leaves_the_network_as_it_was(moons):
    X, y = moons
    net = gn.Sequential(
        [gn.Dense(2, 4), gn.BatchNorm(4), gn.Tanh(), gn.Dropout(0.3), gn.Dense(4, 2)], seed=3
    )
    net.grad[...] = 7.0
    state, grad, rng = net.state.copy(), net.grad.copy(), net.rng.get_state()
    gn.explain(net, SUM, X, y, l2=0.1)
    assert np.array_equal(net.state, state)  # parameters and BatchNorm's statistics
    assert np.array_equal(net.grad, grad)
    assert all(np.array_equal(a, b) for a, b in zip(net.rng.get_state(), rng))


def test_input_transform_and_own_layer(moons):
    """A network with an input transform shows x0; a learner's own layer shows as h{i}, even
    one that rebinds its gradients (they are gathered into the packed vector, as by
    ``net.backward``, and read from it)."""
    X, y = moons
    layers = [gn.Dense(2, 3), BookAffine(3, 3), gn.Tanh(), gn.Dense(3, 2)]
    net = gn.Sequential(layers, seed=0, input_transform=gn.Standardize.from_data(X))
    with pytest.warns(UserWarning, match="backward rebinds self.dW of layer 1"):
        exp = gn.explain(net, SUM, X, y, l2=0.01)
    assert " ".join(exp) == "x0 z1 h1 a1 z2 probs loss delta3 dW2 db2 dh1 dW_1 db_1 delta2 dW1 db1"
    assert exp["loss"].formula.endswith("l2/2 * (||W1||^2 + ||W_1||^2 + ||W2||^2)")
    assert exp["dh1"].formula == "dh1 = (delta3 @ W2.T) * (1 - a1**2)"
    assert exp["delta2"].formula == "delta2 = BookAffine.backward(dh1)"
    assert exp["dW_1"].lines[0].text == "self.dW = self.x.T @ delta"
    assert exp["h1"].lines[0].text == "return x @ self.W + self.b"
    fwd, _, value, _ = _engine_step(net, SUM, X, y, 0.01)
    assert np.array_equal(exp["x0"].value, net.input_transform(X))
    assert np.array_equal(exp["h1"].value, fwd[1]) and exp["loss"].value == value
    assert np.array_equal(exp["dW_1"].value, net.grads["1.W"])
    assert np.array_equal(exp["dW1"].value, net.grads["0.W"])


# the post's code for one pass (its build_model's loop body up to the gradients)
def _posts_pass(model, X, y, reg_lambda):
    W1, b1, W2, b2 = model["W1"], model["b1"], model["W2"], model["b2"]
    num_examples = len(X)
    z1 = X.dot(W1) + b1
    a1 = np.tanh(z1)
    z2 = a1.dot(W2) + b2
    exp_scores = np.exp(z2)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    delta3 = probs.copy()  # the post writes into probs itself
    delta3[range(num_examples), y] -= 1
    dW2 = (a1.T).dot(delta3)
    db2 = np.sum(delta3, axis=0, keepdims=True)
    delta2 = delta3.dot(W2.T) * (1 - np.power(a1, 2))
    dW1 = np.dot(X.T, delta2)
    db1 = np.sum(delta2, axis=0)
    dW2 += reg_lambda * W2
    dW1 += reg_lambda * W1
    loss = tutorial.calculate_loss(model, X, y, reg_lambda)
    names = dict(z1=z1, a1=a1, z2=z2, probs=probs, delta3=delta3, dW2=dW2, db2=db2)
    return dict(names, delta2=delta2, dW1=dW1, db1=db1, loss=loss)


@pytest.mark.parametrize("epoch", [0, 1, 50])
def test_numbers_are_the_posts(epoch, moons):
    """After ``epoch`` of the post's passes (build_model) and of glassnet explain's
    training: the same arrays, to rounding (the engine shifts the softmax by the row
    maximum and stores its arrays column by column); the loss is the post's printed one
    times n."""
    X, y = moons
    model = tutorial.build_model(X, y, 3, num_passes=epoch) if epoch else tutorial.init_model(3)
    post = _posts_pass(model, X, y, 0.01)
    exp = post_step(epoch)
    for name in POST_NAMES:
        if name == "loss":
            assert float(exp["loss"].value) / len(X) == pytest.approx(post["loss"], rel=1e-13)
        else:
            want = post[name].reshape(exp[name].shape)
            np.testing.assert_allclose(exp[name].value, want, rtol=1e-11, atol=1e-13)


# ----------------------------------------------------------------------------- lines
DENSE_DELTA = r"affine\(delta, self\.W\.T\)|delta @ self\.W\.T"
DENSE_DW = r"self\.dW\[\.\.\.\] = x\.T @ delta|affine\(x\.T, delta, out=self\.dW\)"
LINE_CONTENT = {  # a step's name (pattern) -> what each line it names must compute
    r"z\d": [r"affine\(x, self\.W, self\.b\)|= x @ self\.W \+ self\.b"],
    r"a1": [r"np\.tanh\(x\)"],
    r"probs": [r"yhat = exp_scores / sums"],
    r"loss": [r"return .*total", r"0\.5 \* l2 \* .*np\.dot\(w, w\)"],
    r"delta3": [r"self\._yhat - self\._y"],
    r"dW\d": [DENSE_DW, r"\+= l2 \* self\._w"],
    r"db\d": [r"self\.db\[\.\.\.\] = delta\.sum\(axis=0\)"],
    r"delta2": [DENSE_DELTA, r"delta \* \(1 - a \* a\)"],
    r"m1": [r"self\._mask = .*astype"],
    r"d1": [r"x \* self\._mask"],
    r"da1": [DENSE_DELTA, r"delta \* self\._mask"],
    r"xhat1": [r"xhat = \(x - mu\) \* inv_std"],
    r"bn1": [r"self\.gamma \* xhat \+ self\.beta"],
    r"dgamma1": [r"self\.dgamma\[\.\.\.\] = \(delta \* xhat\)\.sum"],
    r"dbeta1": [r"self\.dbeta\[\.\.\.\] = delta\.sum"],
}
CASE_LINES = {  # where a network differs from the post's
    "dropout": {"delta2": [r"delta \* \(1 - a \* a\)"]},  # da1 holds the Dense's part
    "batchnorm": {
        "a1": [r"np\.maximum\(x, "],
        "dbn1": [DENSE_DELTA, r"delta \* \(self\._a > 0\)"],
        "delta2": [r"n \* dxhat - dxhat\.sum\(axis=0\) - xhat \* \(dxhat \* xhat\)"],
    },
}


@pytest.mark.parametrize("case", ["post", "dropout", "batchnorm"])
def test_the_line_named_computes_the_value(case, moons):
    """Each step's lines are read from the file at the line number named: the text is
    that line's, and the line computes what the step says."""
    net, loss = _case(case)
    exp = gn.explain(net, loss, *moons, l2=0.01)
    checked = 0
    for name, step in exp.items():
        assert step.lines, f"{name} names no line"
        for line in step.lines:
            in_file = Path(line.file).read_text().splitlines()[line.lineno - 1]
            assert line.text in in_file and line.text, (name, line)
            assert line.where.startswith("glassnet/") and line.where.endswith(f":{line.lineno}")
        pattern = next((p for p in LINE_CONTENT if re.fullmatch(p, name)), None)
        want = CASE_LINES.get(case, {}).get(name) or LINE_CONTENT.get(pattern)
        if want is not None:
            assert len(step.lines) == len(want), (name, step.lines)
            for line, regex in zip(step.lines, want):
                assert re.search(regex, line.text), (name, line.text)
            checked += 1
    assert checked == len(exp)


def _write_module(tmp_path, name, code):
    import importlib.util

    path = tmp_path / f"{name}.py"
    path.write_text(code)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_line_finder_follows_the_returned_name(tmp_path):
    code = (
        "def f(x):\n"
        "    y = None\n"
        "    y = x * 2  # the value\n"
        "    y2 = y + 1\n"
        "    return y\n"
        "\n"
        "def g(x):\n"
        "    return x\n"
        "\n"
        "def h(x):\n"
        "    self_ = x\n"
        "    d = x - 1\n"
        "    return d[:, None]\n"
        "\n"
        "def k(self, x):\n"
        "    np.matmul(x, x.T, out=self.other)\n"
        "    np.matmul(x.T, x, out=self.dW)\n"
    )
    m = _write_module(tmp_path, "finder_probe", code)
    line = result_line(m.f)
    assert (line.lineno, line.text) == (3, "y = x * 2")  # not the None, not y2
    assert line.path.endswith("finder_probe.py")
    assert result_line(m.g).text == "return x"  # an argument: the return line itself
    assert result_line(m.h).text == "d = x - 1"
    assert assign_line(m.f, "y2").lineno == 4 and assign_line(m.f, "z") is None
    assert assign_line(m.k, "self.dW").text == "np.matmul(x.T, x, out=self.dW)"  # in place


# ----------------------------------------------------------------------------- shown
def test_the_trace_shows_formulas_shapes_rows_and_lines(moons):
    exp = gn.explain(_post_net(), SUM, *moons, l2=0.01)
    text = exp.to_text(rows=2)
    blocks = text.split("\n\n")
    assert blocks[0].startswith("gn.explain: one forward and backward pass of Dense(2, 3)")
    assert [b.splitlines()[0] for b in blocks[1:]] == [exp[n].formula for n in exp]
    z1 = blocks[1].splitlines()
    assert z1[1] == "    shape (200, 3); the first 2 rows:"
    first = np.asarray(exp["z1"])[0]
    assert z1[2] == "    [[" + " ".join(f"{v:7.4f}" for v in first) + "]"
    assert z1[4] == "    ... (198 more rows)"
    assert re.fullmatch(r"    glassnet/layers\.py:\d+ \| .*affine.*", z1[5])
    loss = blocks[5].splitlines()
    assert loss[1] == f"    = {float(exp['loss'].value):.6f}"
    assert "reduction 'sum'" in loss[2] and f"{float(exp['loss'].value) / 200:.6f}" in loss[2]
    assert str(exp) == exp.to_text(rows=5)
    assert "shape (2, 3):" in text  # a gradient in full


def test_the_html_shows_tables_and_escapes(moons):
    net = gn.Sequential([gn.Dense(2, 12), gn.ReLU(), gn.Dense(12, 2)], seed=0)
    exp = gn.explain(net, SUM, *moons)
    page = exp._repr_html_()
    assert page.count("<table") == page.count("</table>") == len(exp) - 1  # all but the loss
    assert "(delta3 @ W2.T) * (a1 &gt; 0)" in page and "(a1 > 0)" not in page
    assert page.count("<td>…</td>") > 0  # 12 columns: cut to 8
    first = np.asarray(exp["z1"])[0, 0]
    assert f"<td>{first:.4f}</td>" in page
    assert exp.to_html(rows=3).count("<tr>") < page.count("<tr>")


def test_mapping_interface(moons):
    exp = gn.explain(_post_net(), SUM, *moons, l2=0.01)
    assert "dW1" in exp and "W1" not in exp
    assert np.array_equal(np.asarray(exp["dW1"]), exp.arrays()["dW1"])
    copied = np.array(exp["dW1"], copy=True)
    copied[...] = 0
    assert exp["dW1"].value.any()  # a copy asked for is a copy
    assert list(exp.arrays()) == POST_NAMES
    assert exp["dW1"].where == ", ".join(line.where for line in exp["dW1"].lines)
    assert repr(exp) == f"<Explanation of one step: {', '.join(POST_NAMES)}>"
    with pytest.raises(KeyError):
        exp["W1"]


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(net="net"), TypeError, "net must be a Sequential network, got str"),
        (dict(loss="sum"), TypeError, "loss must be a glassnet loss, got str"),
        (dict(l2=-1), ValueError, "l2 must be"),
        (dict(l1="x"), TypeError, "l1 must be"),
        (dict(X=np.zeros((4, 3))), ValueError, "X has 3 features per row"),
        (dict(y=np.full(200, 2)), ValueError, "y has label 2"),
    ],
)
def test_bad_input_is_named(kwargs, error, words, moons):
    X, y = moons
    args = dict(net=_post_net(), loss=SUM, X=X, y=y) | kwargs
    with pytest.raises(error, match=re.escape(words)):
        gn.explain(**args)


# ----------------------------------------------------------------------------- CLI
def test_glassnet_explain_prints_the_trace(capsys):
    assert main(["explain", "--rows", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("The post's 2-3-2 tanh network on its 200 moons, as initialised")
    assert out.rstrip("\n").endswith(post_step(0).to_text(rows=2))


def test_glassnet_explain_after_epochs(capsys):
    assert main(["explain", "--rows", "1", "--epoch", "3"]) == 0
    out = capsys.readouterr().out
    assert "after 3 epochs of full-batch SGD (lr 0.01, l2 0.01)" in out
    assert out.rstrip("\n").endswith(post_step(3).to_text(rows=1))
    assert post_step(3)["loss"].value != post_step(0)["loss"].value


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--rows", "0"], "--rows must be an integer >= 1, got 0"),
        (["--rows", "two"], "--rows must be an integer >= 1, got 'two'"),
        (["--epoch", "-1"], "--epoch must be an integer >= 0, got -1"),
    ],
)
def test_glassnet_explain_refuses_bad_values(argv, words, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["explain", *argv])
    assert exc.value.code == 2
    assert f"glassnet explain: error: {words}" in capsys.readouterr().err


# ----------------------------------------------------------------------------- the page
PAGE = (Path(__file__).resolve().parents[1] / "docs" / "guide" / "explain.md").read_text()


def _masked(text: str) -> str:
    """``text`` with the line numbers of glassnet's files masked: another version of
    layers.py moves them; the file, the code and every number must match."""
    return re.sub(r"(glassnet/[\w/]+\.py):\d+", r"\1:N", text)


@pytest.mark.numbers
def test_the_page_shows_what_glassnet_explain_prints(capsys):
    """docs/guide/explain.md's trace is what ``glassnet explain --rows 3`` prints (to
    update the page, paste the command's output)."""
    shown = re.search(
        r"^```console\n\$ glassnet explain --rows 3\n(.*?)^```", PAGE, re.M | re.S
    ).group(1)
    assert main(["explain", "--rows", "3"]) == 0
    assert _masked(capsys.readouterr().out) == _masked(shown)


@pytest.mark.numbers
def test_the_page_shows_the_html_a_notebook_shows():
    shown = PAGE[PAGE.index("<div class='glassnet-explain'>") :].rstrip("\n")
    assert _masked(shown) == _masked(post_step(0).to_html(rows=2))
