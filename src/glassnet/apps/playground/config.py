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
from ...transforms import FEATURES, Standardize

__all__ = [
    "LIMITS",
    "SETTINGS",
    "DEFAULTS",
    "OPTIONS",
    "ConfigError",
    "checked",
    "merge_config",
    "make_data",
    "data_call",
    "PageData",
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
    "digits": "Digits (8x8)",
    "plane": "Plane",
    "gauss": "Gaussian bumps",
    "csv": "Your CSV",
}
PROBLEMS = {  # problem -> its data sets (the first one is where a switch lands)
    "classification": ["xor", "circle", "blobs", "spiral", "moons", "spiral3", "digits", "csv"],
    "regression": ["plane", "gauss", "csv"],
}
IMAGES = {"digits": (8, 8)}  # data sets of images (no plane: no features, no noise)
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
    "problems": PROBLEMS,
    "features": list(FEATURES),
    "images": list(IMAGES),
    "activations": ACTIVATIONS.names(),
    "optimizers": OPTIMIZERS,
    "schedules": list(SCHEDULE_ARGS),
    "lr": [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0],
    "l2": [0.0, 0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1],
    "l1": [0.0, 0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1],
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
    "problem": Setting(
        "classification",
        StrOptions(PROBLEMS),
        "classify the points, or predict a number at each point (regression)",
    ),
    "dataset": Setting("xor", StrOptions(DATASETS), "the data set to learn"),
    "n_samples": Setting(400, Interval(Integral, 20, LIMITS["rows"]), "how many points"),
    "noise": Setting(0, Interval(Integral, 0, 50), "noise in the data, in percent"),
    "train_share": Setting(
        50, Interval(Integral, 10, 90), "percent of the points used for training; the rest test"
    ),
    "data_seed": Setting(1, Interval(Integral, 0, MAX_SEED), "the seed of the data and its split"),
    "features": Setting(
        ["x1", "x2"],
        ListOf(StrOptions(FEATURES), len(FEATURES), "every feature"),
        "the inputs computed from a point (x1, x2) of the standardised plane",
    ),
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
    "l1": Setting(0.0, capped(FIT["l1"], 10.0), FIT_HELP["l1"]),
    "dropout": Setting(0.0, capped(DROPOUT, 0.9), "the share of hidden units dropped per step"),
    "batch_size": Setting(
        10,
        Interval(Integral, 0, LIMITS["rows"]),
        FIT_HELP["batch_size"].replace("default", "0"),
    ),
    "seed": Setting(0, Interval(Integral, 0, MAX_SEED), "the seed of the weights and shuffles"),
    "discretize": Setting(
        False, "boolean", "draw the classes' regions without the confidence shading"
    ),
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


def checked(name, value, constraint):
    """``check_param(name, value, constraint)``, its error a ``ConfigError`` (the page
    shows those): the one check of every value a message from the page carries."""
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
        return checked(key, value, check)
    if not isinstance(value, list) or len(value) > check.most:
        raise ConfigError(f"{key} must be {check}, got {value!r:.80}")
    return [checked(check.what, v, check.item) for v in value]


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
    _fit_problem(new, patch)
    if not new["features"] or len(set(new["features"])) != len(new["features"]):
        raise ConfigError(f"features must name at least one feature, each once: {new['features']}")
    acts, n = new["activations"], len(new["layers"])
    if "activations" in patch and len(acts) != n:
        raise ConfigError(f"activations lists {len(acts)} names for {n} hidden layers")
    new["activations"] = (acts + [acts[-1] if acts else "tanh"] * n)[:n]
    return new


def _fit_problem(new: dict, patch: dict) -> None:
    """The data set must be one of the problem's: switching the problem alone moves to
    its first data set; asking for both that do not fit is an error."""
    sets = PROBLEMS[new["problem"]]
    if new["dataset"] in sets:
        return
    if "dataset" in patch:
        raise ConfigError(
            f"dataset {new['dataset']!r} is not a {new['problem']} data set; "
            f"those are {', '.join(sets)}"
        )
    new["dataset"] = sets[0]


def data_call(config: dict) -> tuple[str, dict]:
    """The ``glassnet.datasets`` function and keyword arguments of a shipped data set."""
    n, seed, frac = config["n_samples"], config["data_seed"], config["noise"] / 100.0
    name = config["dataset"]
    if name == "digits":
        return "digits", {}
    if name in ("spiral", "spiral3"):
        k = 2 if name == "spiral" else 3
        return "spirals", {"n_samples": n, "n_classes": k, "noise": round(frac, 4), "seed": seed}
    if name == "blobs":
        kw = {"n_samples": n, "n_classes": 3, "noise": round(1.0 + 8 * frac, 4), "seed": seed}
        return "blobs", kw
    # the noise at 100%: a share of each set's spread
    full, fname = {
        "circle": (0.3, "circles"),
        "xor": (0.4, "xor"),
        "moons": (0.6, "moons"),
        "plane": (0.5, "plane"),
        "gauss": (0.5, "gauss"),
    }.get(name, (None, None))
    if fname is None:
        raise ConfigError(f"data set {name!r} is not generated")
    return fname, {"n_samples": n, "noise": round(full * frac, 4), "seed": seed}


def split(n: int, share: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the training and test rows: a seeded permutation cut at ``share`` percent."""
    order = np.random.RandomState(seed).permutation(n)
    n_train = min(n - 1, max(1, round(n * share / 100)))
    return order[:n_train], order[n_train:]


class PageData(NamedTuple):
    """The data of a config: ``X`` the standardised points (what the network takes; its
    input transform computes the features), ``y`` the labels, or for regression the
    standardised targets of shape (n, 1); the ``train`` and ``test`` rows; ``scaling``
    the ``Standardize`` that made ``X`` from the raw points and ``target`` the one that
    made ``y`` from the raw targets (None for classification). The downloaded model
    applies both itself, so that it takes raw points and gives raw targets."""

    X: np.ndarray
    y: np.ndarray
    train: np.ndarray
    test: np.ndarray
    scaling: Standardize
    target: Standardize | None


def make_data(config: dict, csv=None) -> PageData:
    """The ``PageData`` of ``config``: each column of the points (and the regression
    target) to zero mean and unit variance (constant columns only centred), and the
    config's split. ``csv`` is the uploaded ``(X, y)`` when the data set is ``"csv"``."""
    if config["dataset"] == "csv":
        if csv is None:
            raise ConfigError("no CSV uploaded yet: choose a file with two features and a label")
        X, y = csv
    else:
        name, kw = data_call(config)
        X, y = getattr(datasets, name)(**kw)
    X = np.asarray(X, dtype=np.float64)
    scaling = Standardize.from_data(X)
    target = None
    if config["problem"] == "regression":
        y = np.asarray(y, dtype=np.float64).reshape(-1, 1)
        target = Standardize.from_data(y)
        y = target(y)
    else:
        y = np.asarray(y, dtype=np.intp)
    train, test = split(len(X), config["train_share"], config["data_seed"])
    return PageData(scaling(X), y, train, test, scaling, target)
