"""``glassnet learn``: the graded exercises, where you write the code.

``glassnet learn list`` names the exercises; ``glassnet learn start DIR`` writes one file
per exercise (a signature, a docstring, no solution; an existing file is never
overwritten); ``glassnet learn check DIR [EXERCISE]`` grades the files against glassnet
(``gn.learn.check``) and exits with status 1 unless every exercise checked passes.
``glassnet exercises``, by contrast, runs the post's exercises for you.

This module imports only the standard library at the top: ``glassnet --help`` builds
its options.
"""

from __future__ import annotations

from pathlib import Path

from ._common import NONNEG_INT, POSITIVE, UsageError, add_options

__all__ = ["add_learn_arguments"]

CHECK_OPTIONS = [
    ("dir", dict(metavar="DIR", help="the folder that `glassnet learn start` wrote")),
    (
        "exercise",
        dict(nargs="?", metavar="EXERCISE", help="one exercise (default: every one)"),
    ),
    (
        "--seed",
        dict(
            type=NONNEG_INT,
            default=0,
            help="the seed the random cases are drawn from (default 0): the same seed, "
            "the same cases",
        ),
    ),
    (
        "--timeout",
        dict(
            type=POSITIVE,
            default=10.0,
            metavar="SECONDS",
            help="stop a function that runs longer than this (default 10)",
        ),
    ),
]

ACTIONS = [
    (
        "list",
        "list the exercises",
        "List the exercises: what each asks you to write. (`glassnet exercises` runs the "
        "post's exercises for you; here you write them.)",
        [],
    ),
    (
        "start",
        "write the exercise files into DIR",
        "Write one Python file per exercise into DIR (made if need be): the function's "
        "signature, a docstring saying what to compute and with which shapes, and a body "
        "that raises NotImplementedError. A file that exists is never overwritten.",
        [("dir", dict(metavar="DIR", help="the folder for your exercise files"))],
    ),
    (
        "check",
        "grade your exercise files against glassnet",
        "Run your functions on random cases (the seed is printed) and compare every "
        "quantity with glassnet's, to float64 round-off. Prints pass, or the first wrong "
        "quantity, where it differs and a hint at the usual mistake behind it. Exit "
        "status 1 unless every exercise checked passes.",
        CHECK_OPTIONS,
    ),
]


def add_learn_arguments(p) -> None:
    """The ``list``, ``start`` and ``check`` actions and their arguments."""
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    runs = {"list": run_list, "start": run_start, "check": run_check}
    for name, help_, description, table in ACTIONS:
        q = sub.add_parser(name, help=help_, description=description)
        add_options(q, table)
        q.set_defaults(func=runs[name])


def run_list(args, say=print) -> int:
    from ..learn.exercises import EXERCISES

    say("The exercises of `glassnet learn`: you write the code, glassnet grades it.")
    say("(`glassnet exercises` runs the post's exercises for you instead.)\n")
    width = max(map(len, EXERCISES))
    for ex in EXERCISES.values():
        say(f"  {ex.name:<{width}}  {ex.summary}")
        say(f"  {'':<{width}}  you write: {', '.join(ex.functions)} in {ex.name}.py")
    say("\nglassnet learn start DIR writes the files; glassnet learn check DIR grades them.")
    return 0


def run_start(args, say=print) -> int:
    from ..learn.stubs import start

    folder = Path(args.dir)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}: is a file, not a folder")
    for path, written in start(folder).values():
        if written:
            say(f"wrote {path}")
        else:
            say(f"kept  {path} (it exists: your work is never overwritten)")
    say(f"Write a function, then: glassnet learn check {folder} NAME (e.g. forward)")
    return 0


def run_check(args, say=print) -> int:
    from ..learn.checker import check_folder
    from ..learn.exercises import EXERCISES

    folder = Path(args.dir)
    if not folder.is_dir():
        raise UsageError(
            f"{folder}: no such folder; `glassnet learn start {folder}` writes the exercises"
        )
    if args.exercise is not None and args.exercise not in EXERCISES:
        raise UsageError(
            f"unknown exercise {args.exercise!r}; the exercises: {', '.join(EXERCISES)}"
        )
    names = None if args.exercise is None else [args.exercise]
    results = check_folder(folder, names, seed=args.seed, timeout=args.timeout)
    for i, r in enumerate(results):
        say(("\n" if i else "") + str(r))
        if r.case is not None and not r.passed:
            again = f"glassnet learn check {folder} {r.exercise} --seed {r.seed}"
            say(f"  The same cases again: {again}")
    if len(results) > 1:
        n = sum(r.passed for r in results)
        say(f"\n{n} of {len(results)} exercises pass.")
    return 0 if all(r.passed for r in results) else 1
