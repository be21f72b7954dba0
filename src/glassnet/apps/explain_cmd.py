"""``glassnet explain``: one step of the post's network with its numbers (``gn.explain``).

The network, data and settings are the post's: ``mlp([2, 3, 2], "tanh", seed=0)`` on
its 200 moons, the summed cross-entropy, ``l2 = 0.01``; ``--epoch K`` first trains it for
K epochs as the post does (full-batch ``SGD(lr=0.01)``, through ``fit``).
"""

from __future__ import annotations

from .. import tutorial
from ..learn.explain import explain
from ..losses import SoftmaxCrossEntropy
from .tutorial_cmd import L2, LR, post_network

__all__ = ["run", "post_step"]

HIDDEN = 3


def post_step(epoch: int = 0):
    """``gn.explain`` of the post's network after ``epoch`` epochs of the post's training."""
    X, y = tutorial.moons(0)
    net, _ = post_network(X, y, HIDDEN, epochs=epoch)
    return explain(net, SoftmaxCrossEntropy(reduction="sum"), X, y, l2=L2)


def run(rows: int, epoch: int) -> None:
    trained = (
        "as initialised (seed 0)"
        if epoch == 0
        else f"after {epoch} epoch{'s' * (epoch != 1)} of full-batch SGD (lr {LR}, l2 {L2})"
    )
    print(f"The post's 2-3-2 tanh network on its 200 moons, {trained}.")
    print(post_step(epoch).to_text(rows))
