"""``glassnet learn`` and ``gn.learn.check``: the graded exercises.

The right answers are the files in tests/data/learn (the post's own code for the core
three); each wrong answer is one of them with a line or two changed, one per usual
mistake, and must get that mistake's hint.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet import tutorial
from glassnet.apps.cli import main
from glassnet.learn.checker import check_folder
from glassnet.learn.exercises import EXERCISES
from glassnet.learn.reference import trace
from glassnet.learn.stubs import STUBS, signatures, stub_text

from .conftest import console_script

HERE = Path(__file__).resolve().parent
RIGHT = HERE / "data" / "learn"
PAGE = HERE.parent / "docs" / "guide" / "check-your-backprop.md"


def _cli(*argv) -> tuple[int, str, str]:
    """``glassnet ARGV`` in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def work(tmp_path) -> Path:
    """A copy of the right answers, to be made wrong."""
    folder = tmp_path / "work"
    shutil.copytree(RIGHT, folder)
    return folder


def _right(name: str):
    """The right answer's module ``name`` from tests/data/learn (left out of sys.modules)."""
    spec = importlib.util.spec_from_file_location(f"right_{name}", RIGHT / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(RIGHT))  # it may import the others
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(RIGHT))
        for other in ("backward", "forward"):
            sys.modules.pop(other, None)
    return module


def _edit(folder: Path, file: str, *changes) -> None:
    """Replace, in ``folder/file.py``, each ``(old, new)`` (each ``old`` must be there)."""
    path = folder / f"{file}.py"
    text = path.read_text()
    for old, new in changes:
        assert old in text, (file, old)
        text = text.replace(old, new)
    path.write_text(text)


# ---------------------------------------------------------------- glassnet's answers
def test_the_engines_answers_are_the_posts(rng):
    """The reference values come from the engine; the post's own code (tutorial.py for the
    loss, its back-propagation written out here) gives the same numbers."""
    X, y = tutorial.moons(0)
    model = tutorial.init_model(3)
    model["b1"] += rng.standard_normal((1, 3))
    tr = trace(model, X, y, 0.01)
    assert tr.loss == pytest.approx(tutorial.calculate_loss(model, X, y, 0.01), rel=1e-14)
    W1, b1, W2, b2 = model["W1"], model["b1"], model["W2"], model["b2"]
    a1 = np.tanh(X.dot(W1) + b1)
    exp_scores = np.exp(a1.dot(W2) + b2)
    delta3 = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    delta3[range(len(X)), y] -= 1
    delta2 = delta3.dot(W2.T) * (1 - np.power(a1, 2))
    post = {
        "dW2": a1.T.dot(delta3) + 0.01 * W2,
        "db2": delta3.sum(axis=0),
        "dW1": X.T.dot(delta2) + 0.01 * W1,
        "db1": delta2.sum(axis=0),
    }
    for name, value in post.items():
        np.testing.assert_allclose(tr.grads[name], value, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- right answers pass
def test_the_exercises_are_the_issues():
    assert list(EXERCISES) == [
        "forward",
        "loss",
        "backward",
        "activation",
        "minibatch",
        "annealing",
        "three_classes",
        "two_hidden_layers",
    ]


@pytest.mark.parametrize("name", list(EXERCISES))
def test_a_right_answer_passes(name):
    (result,) = check_folder(RIGHT, [name])
    assert result.passed, str(result)
    assert result.first_wrong is None and result.hint is None
    assert str(result).startswith(f"{name}: passed.")
    assert "seed 0" in str(result) and "1e-12" in str(result)


def test_check_takes_a_function_a_dict_or_a_module():
    activation, backward = _right("activation"), _right("backward")
    assert gn.learn.check("backward", backward.backward).passed
    assert gn.learn.check("backward", {"backward": backward.backward}).passed
    assert gn.learn.check("activation", activation).passed
    assert gn.learn.check("activation", vars(activation), seed=7).passed


def test_other_seeds_draw_other_cases_and_the_same_seed_the_same():
    draw = EXERCISES["backward"].cases
    one, again, other = (draw(np.random.default_rng(s)) for s in (3, 3, 4))
    assert np.array_equal(one[0].inputs["X"], again[0].inputs["X"])
    assert not np.array_equal(one[0].inputs["X"], other[0].inputs["X"])


# ---------------------------------------------------------------- one wrong answer per mistake
POST_DERIVATIVE = "delta2 = delta3.dot(W2.T) * (1 - np.power(a1, 2))"
MISTAKES = {
    # backward: the listed kinds of mistake, each a line or two of the post's code changed
    "no activation derivative": (
        "backward", "backward", [(POST_DERIVATIVE, "delta2 = delta3.dot(W2.T)")],
        "dW1", "a missing activation derivative",
    ),
    "derivative from z": (
        "backward", "backward", [(POST_DERIVATIVE, POST_DERIVATIVE.replace("a1, 2", "z1, 2"))],
        "dW1", "taken from z1",
    ),
    "no regularisation": (
        "backward", "backward", [("    dW2 += reg_lambda * W2\n", "")],
        "dW2", "lacks the regularisation term",
    ),
    "no regularisation on W1": (
        "backward", "backward", [("    dW1 += reg_lambda * W1\n", "")],
        "dW1", "dW1 lacks the regularisation term",
    ),
    "doubled regularisation": (
        "backward", "backward", [("dW2 += reg_lambda * W2", "dW2 += 2 * reg_lambda * W2")],
        "dW2", "in dW2 twice",
    ),
    "halved regularisation": (
        "backward", "backward", [("dW1 += reg_lambda * W1", "dW1 += reg_lambda / 2 * W1")],
        "dW1", "halved",
    ),
    "transposed product": (
        "backward", "backward",
        [("dW1 = np.dot(X.T, delta2)", "dW1 = np.dot(delta2.T, X)"),
         ("dW1 += reg_lambda * W1", "dW1 += reg_lambda * W1.T")],
        "dW1", "right but transposed",
    ),
    "bias gradient not summed": (
        "backward", "backward",
        [("db2 = np.sum(delta3, axis=0, keepdims=True)", "db2 = delta3")],
        "db2", "one row per example",
    ),
    "bias gradient summed over the wrong axis": (
        "backward", "backward", [("db1 = np.sum(delta2, axis=0)", "db1 = np.sum(delta2, axis=1)")],
        "db1", "summed over the wrong axis",
    ),
    "regularised bias": (
        "backward", "backward", [("    return {", "    db2 = db2 + reg_lambda * b2\n    return {")],
        "db2", "penalises the weights only",
    ),
    "forgotten - 1": (
        "backward", "backward", [("    delta3[range(num_examples), y] -= 1\n", "")],
        "dW2", "a forgotten - 1 at the true class",
    ),
    "sign": (
        "backward", "backward",
        [("delta3[range(num_examples), y] -= 1", "delta3[range(num_examples), y] -= 1\n"
                                                 "    delta3 = -delta3")],
        "dW2", "opposite sign",
    ),
    "gradient divided by n": (
        "backward", "backward",
        [("    return {", "    dW1, db1, dW2, db2 = (g / num_examples for g in "
                           "(dW1, db1, dW2, db2))\n    return {")],
        "dW2", "divided by the number of rows",
    ),
    # the loss: not divided, divided twice, the regularisation missing, doubled, not divided
    "loss not divided": (
        "loss", "loss", [("return 1.0 / num_examples * data_loss", "return data_loss")],
        "loss", "not divided by the number of rows",
    ),
    "loss divided twice": (
        "loss", "loss",
        [("return 1.0 / num_examples * data_loss", "return data_loss / num_examples**2")],
        "loss", "divided by the number of rows twice",
    ),
    "loss without regularisation": (
        "loss", "loss", [("data_loss += reg_lambda", "data_loss += 0 * reg_lambda")],
        "loss", "regularisation term is missing",
    ),
    "loss with doubled regularisation": (
        "loss", "loss", [("reg_lambda / 2 *", "reg_lambda *")],
        "loss", "regularisation term is doubled",
    ),
    "penalty not divided": (
        "loss", "loss",
        [("data_loss += reg_lambda", "penalty = reg_lambda"),
         ("return 1.0 / num_examples * data_loss", "return data_loss / num_examples + penalty")],
        "loss", "not divided by the number of rows: the post divides the whole sum",
    ),
    # forward
    "no softmax": (
        "forward", "forward", [("return probs", "return z2")], "probs", "softmax",
    ),
    "softmax over the columns": (
        "forward", "forward", [("axis=1, keepdims", "axis=0, keepdims")],
        "probs", "normalised over the wrong axis",
    ),
    "no b1": (
        "forward", "forward", [("z1 = X.dot(W1) + b1", "z1 = X.dot(W1)")],
        "probs", "b1 is not added",
    ),
    # the exercises beyond the core three
    "sigmoid slope at z": (
        "activation", "activation", [("return s * (1 - s)", "return z * (1 - z)")],
        "sigmoid_grad(z)", "applied to z",
    ),
    "relu slope as values": (
        "activation", "activation", [("return (z > 0).astype(float)", "return np.maximum(z, 0)")],
        "relu_grad(z)", "the values",
    ),
    "sigmoid sign": (
        "activation", "activation", [("np.exp(-z)", "np.exp(z)")],
        "sigmoid(z)", "sign of the exponent",
    ),
    "minibatches in order": (
        "minibatch", "minibatch", [("order = rng.permutation(len(X))", "order = np.arange(len(X))"),
                                   ("from backward", "import numpy as np\nfrom backward")],
        "W2", "original order",
    ),
    "minibatch gradient averaged": (
        "minibatch", "minibatch",
        [("grads = backward(model, X[rows], y[rows], reg_lambda)",
          "grads = {k: g / len(rows) for k, g in backward(model, X[rows], y[rows], "
          "reg_lambda).items()}")],
        "W2", "divided by its size",
    ),
    "last minibatch left out": (
        "minibatch", "minibatch",
        [("range(0, len(X), batch_size)", "range(0, len(X) - batch_size + 1, batch_size)")],
        "W2", "last, shorter batch",
    ),
    "annealing off by one": (
        "annealing", "annealing", [("decay * t)", "decay * (t + 1))")],
        "learning_rate(t=0)", "off by one",
    ),
    "annealing not used": (
        "annealing", "annealing",
        [("epsilon = learning_rate(epsilon0, decay, t)", "epsilon = epsilon0")],
        "W2", "every pass used epsilon0",
    ),
    "three classes by a threshold": (
        "three_classes", "three_classes",
        [("return np.argmax(forward(model, X), axis=1)",
          "return (forward(model, X)[:, 1] > 0.5) * 1")],
        "predict", "two classes only",
    ),
    "three classes without the derivative": (
        "three_classes", "backward", [(POST_DERIVATIVE, "delta2 = delta3.dot(W2.T)")],
        "dW1", "a missing activation derivative",
    ),
    "second hidden layer without its derivative": (
        "two_hidden_layers", "two_hidden_layers",
        [('delta3 = delta4.dot(model["W3"].T) * (1 - a2**2)',
          'delta3 = delta4.dot(model["W3"].T)')],
        "dW2", "slope of tanh at z2, 1 - a2^2",
    ),
    "two hidden layers, W1 not regularised": (
        "two_hidden_layers", "two_hidden_layers",
        [('dW1 = X.T.dot(delta2) + reg_lambda * model["W1"]', "dW1 = X.T.dot(delta2)")],
        "dW1", "dW1 lacks the regularisation term",
    ),
}  # fmt: skip


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_a_wrong_answer_gets_its_mistakes_hint(mistake, work):
    exercise, file, changes, first_wrong, hint = MISTAKES[mistake]
    _edit(work, file, *changes)
    (result,) = check_folder(work, [exercise])
    assert not result.passed and result.status == "wrong", str(result)
    assert result.first_wrong == first_wrong, str(result)
    assert hint in result.hint, str(result)
    text = str(result)
    assert f"{first_wrong} is wrong" in text and "Where: " in text and "seed 0" in text
    # where it differs: shapes, or which entries and by how much
    assert "shape" in result.where or "differ" in result.where
    # the hint names the mistake; it shows no code of the solution
    for code in ("np.", ".dot(", ".T", "axis=", "keepdims", "+=", "range("):
        assert code not in result.hint, (code, result.hint)


def test_a_module_imported_before_does_not_shadow_the_learners_file(work, monkeypatch):
    """three_classes.py imports backward.py from its folder, not a ``backward`` module that
    the session imported before (a notebook's, another folder's)."""
    stale = type(sys)("backward")
    stale.backward = _right("backward").backward  # the right answer
    monkeypatch.setitem(sys.modules, "backward", stale)
    _edit(work, "backward", (POST_DERIVATIVE, "delta2 = delta3.dot(W2.T)"))
    (result,) = check_folder(work, ["three_classes"])
    assert result.first_wrong == "dW1"
    assert sys.modules["backward"] is stale  # set aside, then put back


def test_the_quantities_before_the_first_wrong_one_are_named(work):
    _edit(work, "backward", (POST_DERIVATIVE, "delta2 = delta3.dot(W2.T)"))
    (result,) = check_folder(work, ["backward"])
    assert result.right_before == ["dW2", "db2"]
    assert re.search(r"all 6 entries differ; the largest difference is [\d.]+ at \[\d, \d\]",
                     result.where)  # fmt: skip


def test_a_missing_transpose_in_a_product_is_a_shape_error_with_its_hint(work):
    _edit(work, "backward", ("delta3.dot(W2.T)", "delta3.dot(W2)"))
    (result,) = check_folder(work, ["backward"])
    assert result.status == "error" and result.first_wrong is None
    assert "missing transpose" in result.hint
    assert "not aligned" in result.error


def test_the_tolerance_is_float64_round_off(work):
    """A relative error of 1e-9 fails, as does float32; 1e-15 passes."""
    forward = _right("forward")
    assert gn.learn.check("forward", lambda m, X: forward.forward(m, X) * (1 + 1e-15)).passed
    off = gn.learn.check("forward", lambda m, X: forward.forward(m, X) * (1 + 1e-9))
    assert off.first_wrong == "probs"
    single = gn.learn.check("forward", lambda m, X: forward.forward(m, X).astype(np.float32))
    assert single.first_wrong == "probs" and "float32" in single.hint


# ---------------------------------------------------------------- the stubs
@pytest.mark.parametrize("name", list(EXERCISES))
def test_a_stub_holds_no_solution_and_is_not_written_yet(name, tmp_path):
    """Each function of a stub is its docstring and ``raise NotImplementedError``; the
    checker reports it as not written."""
    text = stub_text(name, tmp_path)
    functions = [n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)]
    assert [f.name for f in functions] == list(EXERCISES[name].functions)
    for f in functions:
        doc, body = f.body[0], f.body[1:]
        assert isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant)
        assert "shape" in doc.value.value or name in ("activation", "annealing")
        assert len(body) == 1 and isinstance(body[0], ast.Raise), f.name
        assert "NotImplementedError" in ast.unparse(body[0])
    assert f"glassnet learn check {tmp_path} {name}" in text
    assert "glassnet exercises" in text  # says where glassnet does them for you
    gn.learn.start(tmp_path, [name])
    (result,) = check_folder(tmp_path, [name])
    assert result.status == "not written" and not result.passed
    assert "NotImplementedError" in str(result)


def test_every_exercise_has_a_stub():
    assert set(STUBS) == set(EXERCISES)


@pytest.mark.parametrize("name", list(EXERCISES))
def test_the_stubs_signatures_are_how_the_checker_calls(name):
    """The right answers, written to the stubs' signatures, pass (above): their signatures
    are the stubs'."""
    import inspect

    module = _right(name)
    shown = [f"{fn}{inspect.signature(getattr(module, fn))}" for fn in EXERCISES[name].functions]
    assert shown == signatures(name)


def test_start_never_overwrites_the_learners_file(tmp_path):
    done = gn.learn.start(tmp_path / "mywork")
    assert all(written for _, written in done.values()) and len(done) == len(EXERCISES)
    mine = tmp_path / "mywork" / "backward.py"
    mine.write_text("# my own work\n")
    again = gn.learn.start(tmp_path / "mywork")
    assert mine.read_text() == "# my own work\n"
    assert again["backward"] == (mine, False)
    assert not any(written for _, written in again.values())
    assert sorted(p.name for p in (tmp_path / "mywork").iterdir()) == sorted(
        f"{name}.py" for name in EXERCISES
    )  # no temporary left behind


# ---------------------------------------------------------------- errors, time limits
def test_an_error_is_the_learners_with_the_traceback_cut_to_their_file(work):
    _edit(work, "backward", ("    dW1 = np.dot(X.T, delta2)", "    dW1 = np.linalg.inv(X)"))
    (result,) = check_folder(work, ["backward"])
    assert result.status == "error"
    assert "Traceback (your code only):" in result.error
    assert f'File "{work / "backward.py"}", line' in result.error
    assert "np.linalg.inv(X)" in result.error
    assert "LinAlgError" in result.error.splitlines()[-1]
    files = re.findall(r'File "([^"]+)"', result.error)
    assert files == [str(work / "backward.py")]  # neither numpy's frames nor glassnet's


def test_an_import_error_in_the_learners_file_is_reported(work):
    (work / "forward.py").write_text("import numpy as np\n\ndef forward(model, X)\n    return X\n")
    (result,) = check_folder(work, ["forward"])
    assert result.status == "error" and "SyntaxError" in result.error
    assert "forward.py" in result.error


def test_a_function_that_runs_too_long_is_stopped():
    def forever(model, X):
        while True:
            try:
                time.sleep(0.05)
            except Exception:  # a learner's catch-all does not keep it alive
                pass

    start = time.monotonic()
    result = gn.learn.check("forward", forever, timeout=0.3)
    assert time.monotonic() - start < 5
    assert result.status == "timeout" and not result.passed
    assert "ran for more than 0.3 s and was stopped" in str(result)


def test_a_function_that_runs_too_long_is_stopped_outside_the_main_thread():
    def forever(model, X):
        time.sleep(3)

    box = {}
    worker = threading.Thread(
        target=lambda: box.setdefault("r", gn.learn.check("forward", forever, timeout=0.2))
    )
    worker.start()
    worker.join(10)
    assert box["r"].status == "timeout"


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="exercise must be one of forward, loss"):
        gn.learn.check("backprop", print)
    with pytest.raises(ValueError, match="seed must be an integer >= 0, got -1"):
        gn.learn.check("forward", print, seed=-1)
    with pytest.raises(ValueError, match="timeout must be a number of seconds > 0, got 0"):
        gn.learn.check("forward", print, timeout=0)
    with pytest.raises(TypeError, match="'relu_grad' is missing"):
        gn.learn.check("activation", {"relu": print})


def test_a_wrong_signature_is_explained():
    result = gn.learn.check("backward", lambda model, X: {})
    assert result.status == "error"
    assert "glassnet calls backward(model, X, y, reg_lambda)" in result.hint


# ---------------------------------------------------------------- the command line
def test_cli_list_start_check(tmp_path):
    status, out, _ = _cli("learn", "list")
    assert status == 0
    for name in EXERCISES:
        assert re.search(rf"^  {name} ", out, re.MULTILINE)
    assert "glassnet exercises" in out
    status, out, _ = _cli("learn", "start", str(tmp_path / "w"))
    assert status == 0 and out.count("wrote ") == len(EXERCISES)
    status, out, _ = _cli("learn", "start", str(tmp_path / "w"))
    assert status == 0 and out.count("kept ") == len(EXERCISES)
    status, out, _ = _cli("learn", "check", str(tmp_path / "w"), "forward")
    assert status == 1 and "not written yet" in out


def test_cli_check_exit_status(work):
    assert _cli("learn", "check", str(RIGHT), "backward")[0] == 0
    _edit(work, "loss", ("return 1.0 / num_examples * data_loss", "return data_loss"))
    status, out, _ = _cli("learn", "check", str(work), "loss", "--seed", "3")
    assert status == 1
    assert f"The same cases again: glassnet learn check {work} loss --seed 3" in out


def test_cli_usage_errors(tmp_path):
    status, _, err = _cli("learn", "check", str(tmp_path / "nowhere"))
    assert status == 2 and "no such folder" in err
    status, _, err = _cli("learn", "check", str(RIGHT), "backprop")
    assert status == 2 and "unknown exercise 'backprop'" in err
    with pytest.raises(SystemExit, match="2"):  # refused by the parser
        _cli("learn", "check", str(RIGHT), "--seed", "-1")


def test_the_installed_command_checks_every_exercise():
    """From the installed ``glassnet`` command, all exercises at once."""
    proc = subprocess.run(
        [console_script("glassnet"), "learn", "check", str(RIGHT)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{len(EXERCISES)} of {len(EXERCISES)} exercises pass." in proc.stdout


def test_both_commands_say_which_does_the_exercises():
    from glassnet.apps.cli import COMMANDS

    text = {name: description for name, _, description, _, _ in COMMANDS}
    assert "glassnet learn" in text["exercises"]
    assert "glassnet exercises" in text["learn"]


# ---------------------------------------------------------------- the docs page
def test_the_docs_page_shows_what_the_checker_prints(tmp_path, monkeypatch):
    """docs/guide/check-your-backprop.md, block by block: each ``python title=FILE`` block
    is written to FILE, each ``console`` block is run and must print what the page shows."""
    blocks = re.finditer(
        r'^```(?:python title="(?P<file>[^"]+)"|console)\n(?P<body>.*?)^```',
        PAGE.read_text(),
        re.MULTILINE | re.DOTALL,
    )
    monkeypatch.chdir(tmp_path)
    ran = 0
    for block in blocks:
        if block["file"]:
            (tmp_path / block["file"]).write_text(block["body"])
            continue
        command, *shown = block["body"].rstrip("\n").split("\n")
        assert command.startswith("$ glassnet ")
        _, out, _ = _cli(*command[len("$ glassnet ") :].split())
        assert out.rstrip("\n").split("\n") == shown, out
        ran += 1
    assert ran == 3
