"""Running a learner's code: loading their files, a time limit, their own traceback.

``Learner.call`` runs one of the learner's functions. An error inside it is reported as
the learner's: a ``LearnerFailure`` whose text is the traceback trimmed to the learner's
files (glassnet's frames and NumPy's left out) and the error's last line. A function
that runs past the time limit is stopped: in the main thread by a ``SIGALRM`` timer (the
command line, a notebook, a test), elsewhere by leaving it running in a daemon thread
and reporting it (a thread cannot be stopped from outside); the check never hangs.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import sys
import threading
import time
import traceback
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "Learner",
    "LearnerFailure",
    "learner_folder",
    "load_functions",
    "NOT_WRITTEN",
    "ERROR",
    "TIMEOUT",
]

NOT_WRITTEN, ERROR, TIMEOUT = "not written", "error", "timeout"


class LearnerFailure(Exception):
    """The learner's code raised, ran too long, or is still the stub.

    ``status`` is ``"error"``, ``"timeout"`` or ``"not written"``; ``text`` the trimmed
    traceback (or what happened); ``exception`` the learner's exception, if any.
    """

    def __init__(self, status: str, text: str, exception: BaseException | None = None):
        super().__init__(text)
        self.status, self.text, self.exception = status, text, exception


class _Timeout(BaseException):  # not an Exception: a learner's `except Exception` lets it by
    pass


class Learner:
    """The learner's functions by name, the files they come from, and the time limit.

    ``files`` are the paths whose frames a traceback keeps (the functions' own files are
    added); ``timeout`` is in seconds, per call.
    """

    def __init__(self, functions: dict, timeout: float = 10.0, files=()):
        self.functions = dict(functions)
        self.timeout = float(timeout)
        self.files = {str(f) for f in files}
        for fn in self.functions.values():
            code = getattr(fn, "__code__", None)
            if code is not None:
                self.files.add(code.co_filename)

    def call(self, name: str, *args):
        """``functions[name](*args)``, within the time limit, errors as ``LearnerFailure``."""
        return run_limited(self.functions[name], args, self.timeout, self.files, name)


def run_limited(fn, args, timeout: float, files, name: str):
    """``fn(*args)`` stopped after ``timeout`` seconds; see the module's docstring."""
    try:
        if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
            return _with_alarm(fn, args, timeout)
        return _in_thread(fn, args, timeout)
    except _Timeout:
        raise LearnerFailure(
            TIMEOUT,
            f"{name} ran for more than {timeout:g} s and was stopped: look for a loop that "
            f"never ends (on these small cases a right answer takes milliseconds).",
        ) from None
    except NotImplementedError as exc:
        raise LearnerFailure(NOT_WRITTEN, f"{name} still raises NotImplementedError", exc) from None
    except (Exception, SystemExit) as exc:  # the learner's error, told as theirs
        raise LearnerFailure(ERROR, learner_traceback(exc, files), exc) from None


def _with_alarm(fn, args, timeout: float):
    def ring(signum, frame):
        raise _Timeout

    start = time.monotonic()
    old_handler = signal.signal(signal.SIGALRM, ring)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return fn(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_delay:  # someone else's timer (pytest-timeout, say) goes on
            left = max(old_delay - (time.monotonic() - start), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, old_interval)


def _in_thread(fn, args, timeout: float):
    box: dict = {}

    def target():
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=target, daemon=True, name="glassnet-learner")
    worker.start()
    worker.join(timeout)
    if worker.is_alive():  # left running: a thread cannot be stopped from outside
        raise _Timeout
    if "error" in box:
        raise box["error"]
    return box["value"]


def learner_traceback(exc: BaseException, files) -> str:
    """The traceback of ``exc`` with only the frames of the learner's ``files``, then the
    error's last line (for a syntax error, its line and caret)."""
    files = {os.path.realpath(f) for f in files}
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__) if os.path.realpath(f.filename) in files
    ]
    lines = []
    if frames:
        lines.append("Traceback (your code only):")
        lines += [line.rstrip("\n") for line in traceback.format_list(frames)]
    lines += [line.rstrip("\n") for line in traceback.format_exception_only(type(exc), exc)]
    return "\n".join(lines)


@contextmanager
def learner_folder(folder: Path):
    """The learner's folder first on ``sys.path`` (their files may import each other),
    their files read afresh: a module of the same name imported before (``backward``) is
    set aside for the while, and the learner's modules are forgotten afterwards."""
    folder = Path(folder)
    names = {p.stem for p in folder.glob("*.py")}
    aside = {name: sys.modules.pop(name) for name in names if name in sys.modules}
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        sys.path.remove(str(folder))
        for name in names:
            sys.modules.pop(name, None)
        sys.modules.update(aside)


def load_functions(path: Path, names, timeout: float = 10.0) -> Learner:
    """Import the learner's file ``path`` and take the functions ``names`` from it.

    Raises ``LearnerFailure`` for an error while importing (the module's own code runs
    within the time limit too) and for a missing function.
    """
    path = Path(path)
    files = {str(path)} | {str(p) for p in path.parent.glob("*.py")}
    spec = importlib.util.spec_from_file_location(f"learner_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    run_limited(spec.loader.exec_module, (module,), timeout, files, path.name)
    missing = [n for n in names if not callable(getattr(module, n, None))]
    if missing:
        raise LearnerFailure(ERROR, f"{path} defines no function named {' or '.join(missing)}")
    return Learner({n: getattr(module, n) for n in names}, timeout, files)
