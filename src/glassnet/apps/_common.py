"""What every command of the command line shares: the one-line errors, the options
tables, the option names of library parameters, and the checks of output paths (and of
the folders a command reads).

An option is declared in a table as ``(flags, settings)``, where ``settings`` are
``argparse.ArgumentParser.add_argument``'s keywords, except that ``type`` may be a
constraint of ``glassnet._checks`` (``Interval(Real, 0, None, closed="neither")``,
``StrOptions({...})``): the option's text is then parsed and checked at parse time, and a
bad value is reported in the library's words with the option's name::

    glassnet train: error: --lr must be a finite number > 0, got -0.01

An option that sets one of ``fit``'s options is declared with ``fit_option("l2",
default=0.01)``: its check and help come from ``fit``'s table
(``glassnet.train.fit_options``), only the command's default is its own.

This module imports only the standard library, so that ``glassnet --help`` starts fast.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
from numbers import Integral, Real
from pathlib import Path

from .._checks import Interval, ParamError, StrOptions, check_param, describe
from ..train.fit_options import HELP, option_check

__all__ = [
    "UsageError",
    "OnelineParser",
    "add_options",
    "fit_option",
    "option_name",
    "as_usage_error",
    "check_figure_file",
    "check_output_file",
    "check_output_dir",
    "check_input_dir",
    "check_distinct_files",
    "POSITIVE",
    "NONNEG",
    "FRACTION",
    "DROPOUT",
    "COUNT",
    "NONNEG_INT",
]


class UsageError(Exception):
    """An error in what the user asked for; printed as one line, exit status 2."""


# the constraints the options share (glassnet._checks)
POSITIVE = Interval(Real, 0, None, closed="neither")  # a finite number > 0
NONNEG = Interval(Real, 0, None)  # a finite number >= 0
FRACTION = Interval(Real, 0, 1, closed="neither")  # a number in (0, 1)
DROPOUT = Interval(Real, 0, 1, closed="left")  # a number in [0, 1)
COUNT = Interval(Integral, 1, None)  # an integer >= 1
NONNEG_INT = Interval(Integral, 0, None)  # an integer >= 0

# The one place that maps the library's parameter names to the options that set them,
# for the errors the library raises while a command runs (an option whose name is the
# parameter's, --lr for lr, needs no entry).
OPTION_NAMES = {
    "p": "--dropout",
    "dropout": "--dropout",
    "sizes": "--hidden",
    "n_in": "--hidden",
    "n_out": "--hidden",
    "patience": "--early-stopping",
}


def option_name(param: str) -> str:
    """``"batch_size"`` -> ``"--batch-size"``; ``"sizes"`` (or ``"sizes[1]"``) -> ``"--hidden"``."""
    param = param.split("[")[0]  # an entry of a list parameter: the list's option
    return OPTION_NAMES.get(param, "--" + param.replace("_", "-"))


def as_usage_error(exc: ParamError) -> UsageError:
    """The library's error about a parameter, told with the option's name."""
    return UsageError(str(exc.renamed(option_name(exc.name))))


class OnelineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line (no usage block), exit status 2."""

    def error(self, message):
        m = re.match(r"argument (\S+?)(?:/\S+)?: (must be .*)", message, re.S)
        choice = re.match(
            r"argument (\S+?)(?:/\S+)?: invalid choice: '([^']*)' \(choose from (.*)\)", message
        )
        if m:  # a value refused by its constraint: "--lr must be ..."
            message = f"{m.group(1)} {m.group(2)}"
        elif choice and choice.group(1).startswith("-"):  # an option's value not among its
            # choices: in the words of an option whose type is StrOptions (--reduction)
            names = re.findall(r"'([^']*)'", choice.group(3))
            try:
                check_param(choice.group(1), choice.group(2), StrOptions(names))
            except ParamError as exc:
                message = str(exc)
        elif choice:  # a mistyped command
            names = re.findall(r"'([^']*)'", choice.group(3))
            close = difflib.get_close_matches(choice.group(2), names, n=1, cutoff=0.5)
            message = f"unknown command {choice.group(2)!r}; commands: {', '.join(names)}"
            message += f"; did you mean {close[0]!r}?" if close else ""
        else:
            message += f" (see {self.prog} --help)"
        self.exit(2, f"{self.prog}: error: {message}\n")


def n_jobs(text: str) -> int:
    """``--n-jobs``: processes as joblib counts them (N >= 1, or -1 for every core, -2 for
    all but one, ...); 0 means nothing."""
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value == 0:
        raise argparse.ArgumentTypeError(
            f"must be a number of processes >= 1, or -1 for every core, got {text!r}"
        )
    return value


def option_type(constraint):
    """An argparse ``type``: the text parsed as the constraint's kind, then checked."""
    kind = constraint.kind if isinstance(constraint, Interval) else str

    def parse(text: str):
        try:
            value = int(text) if kind is Integral else float(text) if kind is Real else text
            return check_param("value", value, constraint)
        except ParamError as exc:
            got = repr(text) if kind is str else text
            raise argparse.ArgumentTypeError(
                f"must be {exc.allowed}, got {got}{exc.hint}"
            ) from None
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be {describe(constraint)}, got {text!r}"
            ) from None

    parse.__name__ = describe(constraint)  # what argparse says in its own messages
    return parse


def add_options(parser, table) -> None:
    """Add the options of ``table``, a list of ``(flags, settings)`` (see the module)."""
    for flags, settings in table:
        settings = dict(settings)
        kind = settings.get("type")
        if isinstance(kind, (Interval, StrOptions)):
            settings["type"] = option_type(kind)
            if isinstance(kind, StrOptions):
                settings.setdefault("metavar", "{" + ",".join(kind.options) + "}")
        parser.add_argument(*((flags,) if isinstance(flags, str) else flags), **settings)


def fit_option(name: str, default=None, **settings) -> tuple:
    """``(flags, settings)`` of the option that sets ``fit``'s option ``name``
    (``"batch_size"`` -> ``--batch-size``): its check and help from ``fit``'s table,
    ``default`` and any other ``settings`` (``metavar``) the command's own."""
    text = HELP[name] + ("" if default is None else f" (default {default})")
    flags = "--" + name.replace("_", "-")
    return flags, dict(type=option_check(name), default=default, help=text, **settings)


def check_output_file(path, option: str) -> Path:
    """Refuse, before any work, a file that cannot be written: its folder must exist
    (glassnet creates no folders for files) and be writable, and the path must not be a
    folder."""
    _check_not_empty(path, option, "file")
    path = Path(path)
    folder = path.parent
    _check_name_length(path, option)
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a folder; give a file name")
    _check_folder(folder, f"{option} {path}")
    return path


def _check_not_empty(path, option: str, what: str) -> None:
    """An empty name would be read as the current folder (``Path("")`` is ``.``)."""
    if not os.fspath(path):
        raise UsageError(f"{option} is an empty name ''; give a {what} name")


def _check_name_length(path: Path, option: str) -> None:
    """A file name longer than its folder allows (255 bytes on most file systems) would
    fail only when the file is written, after the work."""
    try:
        most = os.pathconf(path.parent if str(path.parent) else ".", "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):  # no pathconf (Windows), or no limit known
        return
    n = len(os.fsencode(path.name))
    if most and n > most:
        raise UsageError(
            f"{option} {path}: the file name is {n} bytes long; its folder allows {most}"
        )


def file_identity(path) -> tuple:
    """What two spellings of the same file share: the device and inode number of an existing
    file (through symlinks; hard links share them), else its absolute path with every
    symlink resolved (``./d.csv``, ``d.csv`` and ``sub/../d.csv`` agree)."""
    resolved = os.path.realpath(os.path.abspath(os.fspath(path)))
    try:
        st = os.stat(resolved)
    except OSError:
        return ("path", os.path.normcase(resolved))
    return ("file", st.st_dev, st.st_ino)


def check_distinct_files(inputs, outputs, allowed=()) -> None:
    """Refuse, before any work, an output that is an input or another output of the same
    command, however the two paths are spelled (a symlink, a hard link, ``./d.csv`` for
    ``d.csv``): writing it would destroy the other.

    ``inputs`` and ``outputs`` are ``(option, path)`` pairs (a path of None is skipped);
    ``allowed`` holds pairs of options that may name the same file, as a set each
    (``{"--resume", "--checkpoint"}``: a resumed run goes on writing its checkpoint).
    """
    free = [set(pair) for pair in allowed]
    seen = [(option, path, file_identity(path), False) for option, path in inputs if path]
    for option, path in outputs:
        if path is None:
            continue
        me = file_identity(path)
        for other, other_path, ident, other_is_output in seen:
            if me == ident and {option, other} not in free:
                what = (
                    "one would overwrite the other"
                    if other_is_output
                    else f"writing it would destroy the {other} file"
                )
                raise UsageError(
                    f"{option} {path} is the same file as {other} {other_path}; {what}: "
                    f"give {option} another file name"
                )
        seen.append((option, path, me, True))


def check_figure_file(path, option: str) -> None:
    """Refuse, before any work, a figure's file name whose ending names no format that
    matplotlib writes (``--plot out.txt``); no ending means PNG, as matplotlib does."""
    from matplotlib.figure import Figure

    suffix = Path(path).suffix.lower().lstrip(".")
    formats = Figure().canvas.get_supported_filetypes()
    if suffix and suffix not in formats:
        raise UsageError(
            f"{option} {path}: .{suffix} is not a picture format; use one of "
            f"{', '.join('.' + f for f in sorted(formats))}"
        )


def check_output_dir(path, option: str, default=None) -> Path:
    """Refuse, before any work, an output folder that cannot be made or written: an
    existing one must be a writable folder; a new one is created, in an existing folder
    (only the default, ``default``, is created with its parents)."""
    _check_not_empty(path, option, "folder")
    path = Path(path)
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            raise UsageError(f"{option} {path}: is a file, not a folder")
        _check_folder(path, f"{option} {path}")
    elif default is None or str(path) != str(default):
        _check_folder(path.parent, f"{option} {path}")
    return path


def check_input_dir(path, option: str) -> Path:
    """Refuse, before any work, a folder to read from that does not exist or is a file."""
    _check_not_empty(path, option, "folder")
    path = Path(path).expanduser()
    _check_folder(path, f"{option} {path}", writable=False)
    return path


def _check_folder(folder: Path, what: str, writable: bool = True) -> None:
    folder = folder if str(folder) else Path(".")
    if not folder.exists():
        raise UsageError(f"{what}: folder {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise UsageError(f"{what}: {str(folder)!r} is a file, not a folder")
    if writable and not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{what}: folder {str(folder)!r} is not writable")


def is_csv(name: str) -> bool:
    """Whether ``--data`` names a CSV file (else a built-in data set)."""
    return name.lower().endswith(".csv") or Path(name).is_file()


def standardizes(args) -> bool:
    """Whether the run standardises its features: ``--standardize``, on by default for a
    CSV file and off for a built-in data set."""
    return is_csv(args.data) if args.standardize is None else bool(args.standardize)


def named_data(name: str, n_samples=None, noise=None):
    """``(X, y)`` of the generated data set ``name`` (``--data moons``), with
    ``--n-samples`` and ``--noise`` where given (iris has neither: its rows are fixed)."""
    from ..data import datasets

    kwargs = {k: v for k, v in (("n_samples", n_samples), ("noise", noise)) if v is not None}
    if name.lower() == "iris" and kwargs:
        raise UsageError("--n-samples and --noise do not apply to iris (its 150 rows are fixed)")
    return datasets.load(name, **kwargs)
