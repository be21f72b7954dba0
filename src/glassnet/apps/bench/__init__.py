"""``glassnet bench``: glassnet against the post's code, scikit-learn and PyTorch.

Every system does the same work in the same process run, several times (interleaved,
after one untimed warm-up on a tiny version of the work), and the table shows each
system's best and median time and ``glassnet best / system best`` next to the issue's
target. Workloads (details in each module and in ``benchmarks/README.md``):

* W1 (``small``): the post's training run, 2-3-2 tanh, 20,000 full-batch steps, float64;
* W2 (``small``): the whole tutorial's training (logistic regression, the 3-unit net, the
  sweep of seven hidden sizes) against the post's code run in sequence;
* W3 (``large``): one minibatch SGD epoch, 60,000 x 784 float32, 784-256-10 ReLU, with
  GFLOP/s against the measured float32 GEMM peak and ``fit``'s added peak memory;
* W4 (``estimators``): ``NetClassifier`` against ``MLPClassifier`` on two data sets;
* W5 (``w5``): W3's epoch data-parallel on 2 MPI processes of one BLAS thread each,
  against one process of one and of two threads, with each process's peak memory.

Use from the command line (``glassnet bench``, ``python -m glassnet.apps.bench``) or as
``run_suite(["W1"], repeat=5)``, which returns the results as a dict.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

from ..._atomic import atomic_write
from ..._checks import check_param
from .._common import (
    COUNT,
    OnelineParser,
    UsageError,
    add_options,
    check_distinct_files,
    check_output_file,
)
from .core import format_table, to_markdown
from .machine import cores, machine_info

__all__ = ["add_arguments", "run", "run_suite", "main", "WORKLOADS"]

WORKLOADS = ("W1", "W2", "W3", "W4", "W5")


def _configs(quick: bool, n_jobs: int):
    """Real and warm-up configurations of each workload (``quick``: tiny ones for tests)."""
    from .estimators import W4Config
    from .small import W1Config, W2Config
    from .w3 import W3Config
    from .w5 import W5Config

    tiny = {
        "W1": W1Config(steps=20),
        "W2": W2Config(passes=20, n_jobs=n_jobs),
        "W3": W3Config(n=512, d=64, h=32, batch_size=128, peak_n=128, rss=False),
        "W4": W4Config(n_classification=400, max_iter={"digits": 2, "make_classification": 2}),
        "W5": W5Config(n=512, d=64, h=32, batch_size=128),  # (each W5 process warms itself up)
    }
    if quick:
        real = {
            "W1": W1Config(steps=100),
            "W2": W2Config(passes=50, n_jobs=n_jobs),
            "W3": W3Config(n=2048, d=784, h=256, batch_size=128, peak_n=256, rss=True),
            "W4": W4Config(n_classification=1000, max_iter={"digits": 3, "make_classification": 3}),
            "W5": W5Config(n=2048, d=64, h=32, batch_size=128),
        }
    else:
        real = {
            "W1": W1Config(),
            "W2": W2Config(n_jobs=n_jobs),
            "W3": W3Config(),
            "W4": W4Config(),
            "W5": W5Config(),
        }
    return real, tiny


def _run_workload(name, cfg, warm, repeat, log):
    from .core import time_systems

    if name == "W1":
        from .small import moons_data, w1_systems

        data = moons_data(cfg.n_samples)
        warm_data = moons_data(warm.n_samples)
        return time_systems("W1", w1_systems(data), data, cfg, repeat, (warm_data, warm), log), []
    if name == "W2":
        from .small import moons_data, w2_systems

        data = moons_data()
        return time_systems("W2", w2_systems(data, cfg), data, cfg, repeat, (data, warm), log), []
    if name == "W3":
        from .large import run_w3

        rows, checks, _ = run_w3(cfg, warm, repeat, log)
        from .monitor_cost import monitor_cost  # issue 15: Monitor(every=10) <= 10% slower

        return rows, checks + monitor_cost(cfg, repeat=min(repeat, 3), log=log)
    if name == "W5":
        from .w5 import run_w5

        return run_w5(cfg, warm, repeat, log)
    from .estimators import run_w4

    return run_w4(cfg, warm, repeat, log)


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):
        return "unknown"


def parse_workloads(text: str | list[str]) -> list[str]:
    """``"W1,W3"`` -> ``["W1", "W3"]`` (case-insensitive); ``ValueError`` for unknown names."""
    items = text.split(",") if isinstance(text, str) else list(text)
    out = []
    for item in items:
        w = item.strip().upper()
        if not w:
            continue
        if w not in WORKLOADS:
            raise ValueError(
                f"--workloads: unknown workload {item.strip()!r}; "
                f"choose from {', '.join(WORKLOADS)}"
            )
        if w not in out:
            out.append(w)
    if not out:
        raise ValueError("--workloads: name at least one of " + ", ".join(WORKLOADS))
    return out


def run_suite(
    workloads=WORKLOADS,
    repeat: int = 5,
    quick: bool = False,
    n_jobs: int | None = None,
    log=None,
) -> dict:
    """Run the workloads; returns ``{"machine", "config", "rows", "checks", "seconds"}``.

    ``rows`` and ``checks`` are lists of ``core.Row`` and ``core.Check``. With ``quick``
    the sizes are tiny: every ``met`` is None (no verdict), the times being not
    comparable with the targets.
    """
    repeat = check_param("repeat", repeat, COUNT)
    n_jobs = check_param("n_jobs", n_jobs, [COUNT, None])
    workloads = parse_workloads(workloads)
    n_jobs = cores() if n_jobs is None else n_jobs
    real, tiny = _configs(quick, n_jobs)
    t0 = time.perf_counter()
    load_start = _load()
    rows, checks = [], []
    for w in workloads:
        if log is not None:
            log(f"running {w} ({repeat} repetitions) ...")
        r, c = _run_workload(w, real[w], tiny[w], repeat, log)
        rows += r
        checks += c
    machine = machine_info()
    load = f"{load_start} at the start, {_load()} at the end"
    try:
        if float(load_start) > cores() / 2:
            load += " (other work was running: the times are noisy)"
    except ValueError:
        pass
    machine["load average (1 min)"] = load
    if quick:  # tiny sizes: no time, share or memory ratio says anything about a target
        for item in rows + checks:
            item.met = None
    return {
        "machine": machine,
        "config": {
            "workloads": workloads,
            "repeat": repeat,
            "quick": quick,
            **{w: asdict(real[w]) for w in workloads},
        },
        "rows": rows,
        "checks": checks,
        "seconds": time.perf_counter() - t0,
    }


def to_json(result: dict) -> dict:
    """The result of ``run_suite`` as plain JSON-able data."""
    return {
        "machine": result["machine"],
        "config": result["config"],
        "seconds": result["seconds"],
        "rows": [r.to_dict() for r in result["rows"]],
        "checks": [c.to_dict() for c in result["checks"]],
    }


# the options of ``glassnet bench``, declared as in ``apps._common`` (a ``type`` may be a
# constraint of ``glassnet._checks``, checked at parse time)
OPTIONS = [
    (
        "--workloads",
        dict(
            default=",".join(WORKLOADS),
            metavar="LIST",
            help="comma-separated workloads to run (default: W1,W2,W3,W4,W5)",
        ),
    ),
    (
        "--repeat",
        dict(
            type=COUNT,
            default=5,
            metavar="N",
            help="timed repetitions of each system (default: 5); the table shows best and median",
        ),
    ),
    (
        "--quick",
        dict(
            action="store_true",
            help="tiny sizes and step counts: checks that everything runs, in seconds "
            "(its times are not comparable with the targets: no verdicts)",
        ),
    ),
    (
        "--n-jobs",
        dict(
            type=COUNT,
            default=None,
            metavar="N",
            help="processes for W2's sweep, as 'glassnet tutorial --n-jobs' (default: the cores)",
        ),
    ),
    ("--json", dict(metavar="FILE", help="also write the results as JSON")),
    ("--markdown", dict(metavar="FILE", help="also write the table as Markdown")),
    (
        ("-v", "--verbose"),
        dict(action="store_true", help="print every repetition's time to stderr"),
    ),
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``glassnet bench`` to ``parser``."""
    add_options(parser, OPTIONS)


def _command(args) -> str:
    parts = ["glassnet bench", f"--workloads {','.join(parse_workloads(args.workloads))}"]
    parts.append(f"--repeat {args.repeat}")
    if args.quick:
        parts.append("--quick")
    if args.n_jobs:
        parts.append(f"--n-jobs {args.n_jobs}")
    return " ".join(parts)


def run(args: argparse.Namespace) -> int:
    """Run the suite as ``glassnet bench`` does: print the table, write the files asked for."""
    try:
        workloads = parse_workloads(args.workloads)
        _check_outputs(args)
    except (ValueError, UsageError) as exc:
        print(f"glassnet bench: error: {exc}", file=sys.stderr)
        return 2

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    def log(line: str) -> None:
        if args.verbose or line.startswith("running") or "failed" in line:
            say(line)

    result = run_suite(workloads, args.repeat, args.quick, args.n_jobs, log=log)
    quick = result["config"]["quick"]
    print(format_table(result["rows"], result["checks"], result["machine"], quick))
    print(f"\n{_command(args)}: {result['seconds']:.0f} s")
    if args.json:
        text = json.dumps(to_json(result), indent=2, default=str) + "\n"
        atomic_write(Path(args.json), lambda fh: fh.write(text.encode("utf-8")))
    if args.markdown:
        md = to_markdown(result["rows"], result["checks"], result["machine"], _command(args), quick)
        atomic_write(Path(args.markdown), lambda fh: fh.write(md.encode("utf-8")))
    return 0


def _check_outputs(args) -> None:
    """Before the suite's minutes of timing: each report file can be written, and the two
    are not one file."""
    outputs = [("--json", args.json), ("--markdown", args.markdown)]
    for option, path in outputs:
        if path is not None:  # an empty name is refused, not taken as none
            check_output_file(path, option)
    check_distinct_files([], outputs)


def main(argv=None) -> int:
    parser = OnelineParser(
        prog="python -m glassnet.apps.bench",
        description="Time glassnet against the post's code, scikit-learn and PyTorch.",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))
