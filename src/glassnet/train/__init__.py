"""Training: ``fit`` and its epoch loop, callbacks, checkpoints and run diagnostics."""
