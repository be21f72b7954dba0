"""The ``~`` mark: a printed number whose last digits depend on the CPU's floating-point path.

NumPy picks SIMD kernels for ``tanh`` and ``exp`` by the CPU, and OpenBLAS a matrix-product
kernel that sums in its own order; each rounds correctly but differently in the last bit.
Long runs with a large step (the post's 0.01 on a summed loss) amplify that bit, so a few of
the numbers that glassnet's commands print differ from machine to machine. Those are printed
as ``~0.311448``, and ``PATH_NOTE`` says what the mark means. Which numbers vary was measured
on many paths (tests/_fp_paths.py); the README's "The same numbers on every machine" shows
the spread.
"""

from __future__ import annotations

__all__ = ["PATH_NOTE", "varies"]

PATH_NOTE = (
    "~ the last digits depend on this CPU's floating-point path (its SIMD and BLAS kernels); "
    "see the README, 'The same numbers on every machine'"
)


def varies(value: float, spec: str) -> str:
    """``value`` formatted by ``spec``, marked ``~`` as depending on the floating-point path.

    >>> varies(0.3114477, ".6f")
    '~0.311448'
    """
    return "~" + format(value, spec)
