#!/bin/sh
# The full suite as the README's table was made: every workload, 5 repetitions, results in
# benchmarks/results/latest.{md,json}. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, set on some
# machines, pin OpenBLAS to an older kernel; both are unset for this command only (the table's
# machine section shows the kernel threadpoolctl then reports). Extra arguments are passed on.
cd "$(dirname "$0")/.." && env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m glassnet.apps.bench --repeat 5 --json benchmarks/results/latest.json --markdown benchmarks/results/latest.md "$@"
