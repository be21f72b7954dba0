"""Pictures: decision boundaries, training curves, neurons, sweeps and animations."""
