"""The playground's settings: defaults, limits, validation, data, and the Python snippet.

A *config* is a flat JSON object holding every control of the page (data set, noise,
layers, optimizer, ...) and the seeds. ``SETTINGS`` declares each control once: its
default, its check and its help; where a control is one of ``fit``'s options or an
engine argument (``l2``, ``batch_size``, ``lr``, ``dropout``, the widths) its check is
the engine's own, capped by what one message from the page may cause. The page sends
partial configs; ``merge_config`` checks each field and returns a complete config, or
raises ``ConfigError`` with a message that names the field. The same config builds the
data (``make_data``), the network and optimizer (``session.Session``) and the snippet
(``snippet``), so a link or a snippet reproduces the page's run.
"""

from __future__ import annotations

from numbers import Integral
from typing import NamedTuple

import numpy as np

from ..._checks import Interval, StrOptions, check_param
from ...activations import ACTIVATIONS
from ...data import datasets
from ...layers import DROPOUT, WIDTH
from ...optim import CONSTRAINTS as OPTIM
from ...train.fit_options import CONSTRAINTS as FIT
from ...train.fit_options import HELP as FIT_HELP
from ...transforms import Standardize

__all__ = [
    "LIMITS",
    "SETTINGS",
    "DEFAULTS",
    "OPTIONS",
    "ConfigError",
    "merge_config",
    "make_data",
    "data_call",
    "snippet",
]

LIMITS = {
    "rows": 2000,  # data points (generated or uploaded)
    "layers": 8,  # hidden layers
    "neurons": 64,  # neurons per hidden layer
    "upload_bytes": 1_000_000,  # CSV upload size
    "classes": 8,  # classes in an uploaded CSV
    "sessions": 32,  # open tabs per server
    "epochs": 100_000,  # training stops (pauses) there
    "message_bytes": 65_536,  # one message from the page
}

DATASETS = {  # name -> label on the page
    "circle": "Circle",
    "xor": "XOR",
    "blobs": "Gaussian blobs",
    "spiral": "Spiral",
    "moons": "Moons",
    "spiral3": "3-class spiral",
    "csv": "Your CSV",
}
OPTIMIZERS = {"sgd": "SGD", "momentum": "SGD+momentum", "adam": "Adam", "rmsprop": "RMSProp"}
# schedule name -> its arguments besides lr (fixed, and written into the snippet)
SCHEDULE_ARGS: dict[str, dict] = {
    "constant": {},
    "step": {"drop": 0.5, "every": 100},
    "exponential": {"gamma": 0.99},
    "inverse_time": {"decay": 0.01},
    "cosine": {"total": 500, "warmup": 10},
    "plateau": {"factor": 0.5, "patience": 20},
}

OPTIONS = {
    "datasets": DATASETS,
    "activations": ACTIVATIONS.names(),
    "optimizers": OPTIMIZERS,
    "schedules": list(SCHEDULE_ARGS),
    "lr": [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0],
    "l2": [0.0, 0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1],
    "dropout": [0.0, 0.05, 0.1, 0.2, 0.3, 0.5],
}

MAX_SEED = 2**31 - 1


class Setting(NamedTuple):
    """One control of the page: its default, its check (a ``glassnet._checks``
    constraint, or a ``ListOf`` them) and the one line of help the page shows on it."""

    default: object
    check: object
    help: str


class ListOf(NamedTuple):
    """A list of at most ``most`` values, each checked by ``item`` and named ``what`` in
    messages ("every layer width must be ...")."""

    item: object
    most: int
    what: str

    def __str__(self) -> str:
        return f"a list of at most {self.most} values"


def capped(constraint: Interval, high) -> Interval:
    """The engine's own ``constraint`` with the page's upper bound ``high``: the page
    takes what the engine takes, up to what one message may cause."""
    closed = "both" if constraint.closed in ("both", "left") else "right"
    return Interval(constraint.kind, constraint.left, high, closed=closed)


# every control of the page, once: the defaults, the checks of merge_config, the help the
# page shows and (with the fit options' own help) what the snippet and the URL carry
SETTINGS = {
    "dataset": Setting("xor", StrOptions(DATASETS), "the data set to learn"),
    "n_samples": Setting(400, Interval(Integral, 20, LIMITS["rows"]), "how many points"),
    "noise": Setting(0, Interval(Integral, 0, 50), "noise in the data, in percent"),
    "train_share": Setting(
        50, Interval(Integral, 10, 90), "percent of the points used for training; the rest test"
    ),
    "data_seed": Setting(1, Interval(Integral, 0, MAX_SEED), "the seed of the data and its split"),
    "layers": Setting(
        [8, 8],
        ListOf(capped(WIDTH, LIMITS["neurons"]), LIMITS["layers"], "every layer width"),
        "the hidden layers' widths",
    ),
    "activations": Setting(
        ["tanh", "tanh"],
        ListOf(StrOptions(OPTIONS["activations"]), LIMITS["layers"], "every activation"),
        "each hidden layer's activation",
    ),
    "optimizer": Setting("adam", StrOptions(OPTIMIZERS), "how each step moves the weights"),
    "lr": Setting(0.03, capped(OPTIM["lr"], 10.0), "the learning rate of each step"),
    "schedule": Setting("constant", StrOptions(SCHEDULE_ARGS), "how the learning rate changes"),
    "l2": Setting(0.0, capped(FIT["l2"], 10.0), FIT_HELP["l2"]),
    "dropout": Setting(0.0, capped(DROPOUT, 0.9), "the share of hidden units dropped per step"),
    "batch_size": Setting(
        10,
        Interval(Integral, 0, LIMITS["rows"]),
        FIT_HELP["batch_size"].replace("default", "0"),
    ),
    "seed": Setting(0, Interval(Integral, 0, MAX_SEED), "the seed of the weights and shuffles"),
}
DEFAULTS = {name: s.default for name, s in SETTINGS.items()}
OPTIONS["help"] = {name: s.help for name, s in SETTINGS.items()}  # the page's tooltips


def _kind(check) -> str:
    """How a link spells a setting: "int", "float", "str", "bool", or a list of them
    ("ints", "strs"), read from its check."""
    if isinstance(check, ListOf):
        return _kind(check.item) + "s"
    if isinstance(check, Interval):
        return "int" if check.kind is Integral else "float"
    return "str" if isinstance(check, StrOptions) else "bool"


OPTIONS["kinds"] = {name: _kind(s.check) for name, s in SETTINGS.items()}  # the URL's parsing


class ConfigError(ValueError):
    """A setting from the page that is not valid; the message is shown to the user."""


def _checked(name, value, constraint):
    try:
        return check_param(name, value, constraint)
    except (TypeError, ValueError) as exc:  # the page shows ConfigError messages
        raise ConfigError(str(exc)) from None


def _check_field(key, value):
    setting = SETTINGS.get(key)
    if setting is None:
        raise ConfigError(f"unknown setting {key!r}; settings: {', '.join(SETTINGS)}")
    check = setting.check
    if not isinstance(check, ListOf):
        return _checked(key, value, check)
    if not isinstance(value, list) or len(value) > check.most:
        raise ConfigError(f"{key} must be {check}, got {value!r:.80}")
    return [_checked(check.what, v, check.item) for v in value]


def merge_config(base: dict, patch) -> dict:
    """``base`` updated with the fields of ``patch``, every field checked.

    When ``layers`` changes without ``activations``, the activations are kept per layer
    and new layers repeat the last one (``tanh`` for the first).

    Raises
    ------
    ConfigError
        For an unknown field, a wrong type or an out-of-range value; ``base`` is unchanged.
    """
    if not isinstance(patch, dict):
        raise ConfigError(f"config must be an object, got {type(patch).__name__}")
    new = {k: (list(v) if isinstance(v, list) else v) for k, v in base.items()}
    for key, value in patch.items():
        new[key] = _check_field(key, value)
    acts, n = new["activations"], len(new["layers"])
    if "activations" in patch and len(acts) != n:
        raise ConfigError(f"activations lists {len(acts)} names for {n} hidden layers")
    new["activations"] = (acts + [acts[-1] if acts else "tanh"] * n)[:n]
    return new


def data_call(config: dict) -> tuple[str, dict]:
    """The ``glassnet.datasets`` function and keyword arguments of a generated data set."""
    n, seed, frac = config["n_samples"], config["data_seed"], config["noise"] / 100.0
    name = config["dataset"]
    if name == "circle":
        return "circles", {"n_samples": n, "noise": round(0.3 * frac, 4), "seed": seed}
    if name == "xor":
        return "xor", {"n_samples": n, "noise": round(0.4 * frac, 4), "seed": seed}
    if name == "blobs":
        kw = {"n_samples": n, "n_classes": 3, "noise": round(1.0 + 8 * frac, 4), "seed": seed}
        return "blobs", kw
    if name == "moons":
        return "moons", {"n_samples": n, "noise": round(0.6 * frac, 4), "seed": seed}
    if name in ("spiral", "spiral3"):
        k = 2 if name == "spiral" else 3
        return "spirals", {"n_samples": n, "n_classes": k, "noise": round(frac, 4), "seed": seed}
    raise ConfigError(f"data set {name!r} is not generated")


def split(n: int, share: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the training and test rows: a seeded permutation cut at ``share`` percent."""
    order = np.random.RandomState(seed).permutation(n)
    n_train = min(n - 1, max(1, round(n * share / 100)))
    return order[:n_train], order[n_train:]


def make_data(config: dict, csv=None):
    """``(X, y, train, test, scaling)``: standardized points, labels, the split of the
    config, and the ``Standardize`` that turned the raw points into ``X`` (each column to
    zero mean and unit variance; constant columns are only centred), which the
    downloaded model applies to raw points itself.

    ``csv`` is the uploaded ``(X, y)`` when the data set is ``"csv"``.
    """
    if config["dataset"] == "csv":
        if csv is None:
            raise ConfigError("no CSV uploaded yet: choose a file with two features and a label")
        X, y = csv
    else:
        name, kw = data_call(config)
        X, y = getattr(datasets, name)(**kw)
    X = np.asarray(X, dtype=np.float64)
    scaling = Standardize.from_data(X)
    X = scaling(X)
    train, test = split(len(X), config["train_share"], config["data_seed"])
    return X, np.asarray(y, dtype=np.intp), train, test, scaling


_SNIPPET = '''"""Rebuild and retrain the glassnet playground run: {title}."""
import numpy as np

import glassnet as gn
{data_import}from glassnet.schedules import get_schedule

EPOCHS = {epochs}
SEED = {seed}

# the page's data: {data_comment}
{data_lines}
scaling = gn.Standardize.from_data(X)  # each column: (x - mean) / scale, zero mean, unit spread
X = scaling(X)
order = np.random.RandomState({data_seed}).permutation(len(X))
train, test = order[:{n_train}], order[{n_train}:]
X_train, y_train, X_test, y_test = X[train], y[train], X[test], y[test]

net = gn.mlp({sizes}, activation={acts}, dropout={dropout}, seed=SEED)
loss = gn.SoftmaxCrossEntropy()
optimizer = {optimizer}
schedule = get_schedule({schedule!r}, lr={lr!r}{schedule_args})

for epoch in range(EPOCHS):
    optimizer.lr = schedule(epoch)
    history = gn.fit(
        net, loss, X_train, y_train, optimizer=optimizer, epochs=1, batch_size={batch_size},
        seed=SEED + epoch, l2={l2!r}, validation_data=(X_test, y_test),
    )
{plateau}
test_loss = loss.forward(net.forward(X_test), y_test)
print(f"test loss after {{EPOCHS}} epochs: {{test_loss:.4f}}")
# the model file is the page's download: the network with the input scaling{labels_note},
# so that gn.load("playground_model.npz").predict_classes(points) takes raw points
model = net.copy()
model.input_transform = scaling
{classes_line}gn.save(model, "playground_model.npz")
'''


def snippet(config: dict, epochs: int, n_rows: int, n_classes: int, filename=None) -> str:
    """Python source that rebuilds the data, network and optimizer of ``config`` and
    trains ``epochs`` epochs exactly as the page does (the same seeds, shuffles and
    learning rates), then saves the model."""
    if config["dataset"] == "csv":
        data_import = "from glassnet.data.csvfile import load_csv\n"
        data_comment = "the CSV you uploaded (two feature columns, then the label)"
        name = filename or "data.csv"
        data_lines = f"data = load_csv({name!r}, categorical=True)\nX, y = data.X, data.y"
        labels_note, classes_line = " and the class labels", "model.classes_ = data.classes\n"
    else:
        fname, kw = data_call(config)
        data_import = "from glassnet.data import datasets\n"
        data_comment = f"{DATASETS[config['dataset']]}, noise {config['noise']}%"
        args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
        data_lines = f"X, y = datasets.{fname}({args})"
        labels_note, classes_line = "", ""
    n_train = min(n_rows - 1, max(1, round(n_rows * config["train_share"] / 100)))
    opt = {
        "sgd": "gn.SGD(lr={lr!r})",
        "momentum": "gn.SGD(lr={lr!r}, momentum=0.9)",
        "adam": "gn.Adam(lr={lr!r})",
        "rmsprop": "gn.RMSProp(lr={lr!r})",
    }[config["optimizer"]].format(lr=config["lr"])
    sargs = "".join(f", {k}={v!r}" for k, v in SCHEDULE_ARGS[config["schedule"]].items())
    plateau = (
        '    schedule.update(history["val_loss"][-1])\n' if config["schedule"] == "plateau" else ""
    )
    layers = config["layers"]
    title = (
        f"{DATASETS[config['dataset']]}, {len(layers)} hidden layer(s) {layers}, "
        f"{config['optimizer']}, {epochs} epochs"
    )
    return _SNIPPET.format(
        title=title,
        data_import=data_import,
        epochs=epochs,
        seed=config["seed"],
        data_comment=data_comment,
        data_lines=data_lines,
        data_seed=config["data_seed"],
        n_train=n_train,
        sizes=[2, *layers, n_classes],
        acts=config["activations"],
        dropout=config["dropout"],
        optimizer=opt,
        schedule=config["schedule"],
        lr=config["lr"],
        schedule_args=sargs,
        batch_size=config["batch_size"] or None,
        l2=config["l2"],
        plateau=plateau,
        labels_note=labels_note,
        classes_line=classes_line,
    )
