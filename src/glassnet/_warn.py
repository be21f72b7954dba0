"""Warnings that point at the user's line, not at glassnet's.

``warnings.warn(..., stacklevel=n)`` needs ``n`` to be the number of frames between the
warning and the user's call, which differs with the door the user came in by (``gn.fit``,
an estimator's ``fit``, a callback, scikit-learn's ``cross_val_score``). ``warn`` counts
them: the warning is attributed to the first frame outside the glassnet package (as
pandas' ``find_stack_level`` does; Python 3.12's ``skip_file_prefixes`` does the same).
"""

from __future__ import annotations

import os
import sys
import warnings

__all__ = ["warn", "user_stacklevel"]

_PACKAGE = os.path.dirname(__file__) + os.sep  # spelled as the modules' co_filename is


def user_stacklevel() -> int:
    """The ``stacklevel`` that, passed by this function's caller to ``warnings.warn``,
    names the first frame outside glassnet (the outermost frame if every one is inside)."""
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn(message, category)`` attributed to the user's line."""
    warnings.warn(message, category, stacklevel=user_stacklevel())
