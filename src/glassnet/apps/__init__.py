"""Applications built on the library: the command line, the tutorial run, the exercises,
sweeps, the benchmark suite and the playground."""
