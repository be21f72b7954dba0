"""``resume``: continue a checkpointed run from its file alone.

Kept apart from ``glassnet.train.checkpoint`` (which ``fit`` uses to write and restore
checkpoints) so that the two do not import each other.
"""

from __future__ import annotations

import numpy as np

from .checkpoint import load_checkpoint
from .fit import fit

__all__ = ["resume"]


def resume(path, X, y, epochs: int | None = None, **fit_kwargs):
    """Continue the run checkpointed in ``path`` on the same ``X`` and ``y``.

    Rebuilds the network, loss, optimizer and schedule from the file and calls ``fit``
    with the run's settings and ``resume_from=path``; the run keeps checkpointing to
    ``path`` every ``checkpoint_every`` epochs as before. ``epochs`` (default: the run's
    own) is the epoch to train up to; ``fit_kwargs`` may add callbacks, validation_data,
    verbose or another ``checkpoint``. Returns ``(net, history)``; the history holds the
    epochs before the interruption too.
    """
    ck = load_checkpoint(path)
    net = ck.build_network()
    args = ck.fit_args
    seed = args.pop("seed")
    if seed == "RandomState":
        is_net = ck.meta.get("shuffle_rng", {}).get("is_net_rng")
        seed = net.rng if is_net else np.random.RandomState()
    every = args.pop("checkpoint_every")
    stored_epochs = args.pop("epochs")
    kwargs = {**args, "checkpoint": path, "checkpoint_every": every, **fit_kwargs}
    hist = fit(
        net,
        ck.build_loss(),
        X,
        y,
        optimizer=ck.build_optimizer(),
        schedule=ck.build_schedule(),
        epochs=stored_epochs if epochs is None else epochs,
        seed=seed,
        resume_from=ck,
        **kwargs,
    )
    return net, hist
