"""Training animations: the decision boundary recorded every few epochs, written as a
GIF (Pillow) or an MP4 (where ffmpeg is installed), with the epoch and loss on each frame."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from .callbacks import Callback

__all__ = ["animate_training", "BoundaryRecorder"]

MAX_FRAMES = 300


class BoundaryRecorder(Callback):
    """A callback that stores the model's class probabilities on a grid of points every
    ``every`` epochs (and at the last epoch), with the epoch's loss."""

    def __init__(self, G, every: int, last_epoch: int):
        self.G, self.every, self.last_epoch = G, every, last_epoch
        self.frames: list[tuple[int, float, np.ndarray]] = []

    def on_epoch_end(self, epoch, logs):
        if epoch % self.every == 0 or epoch == self.last_epoch:
            from .plotting import predict_function

            out = predict_function(self.net)(self.G)
            self.frames.append((epoch, logs["loss"], np.asarray(out, dtype=np.float32)))


def animate_training(
    net,
    loss,
    X,
    y,
    path,
    every: int = 10,
    epochs: int = 1000,
    resolution: int = 100,
    fps: int = 12,
    callbacks=None,
    **fit_kwargs,
):
    """Train ``net`` with ``glassnet.fit`` and write an animation of its decision boundary.

    Parameters
    ----------
    net, loss, X, y : as for ``fit`` (``X`` must have 2 features)
    path : str or Path, ending in ``.gif`` or ``.mp4`` (MP4 needs ffmpeg on the PATH)
    every : int, record a frame every ``every`` epochs (raised to keep at most 300 frames)
    epochs : int, as for ``fit``
    resolution, fps : grid points per axis, frames per second
    **fit_kwargs : passed on to ``fit`` (optimizer, l2, batch_size, ...)

    Returns
    -------
    History
        The training history; ``history.n_frames`` is the number of frames written.
    """
    import matplotlib.pyplot as plt
    from matplotlib import animation

    from .plotting import _grid, plot_data, region_image
    from .training import fit

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".gif", ".mp4"):
        raise ValueError(f"path must end in .gif or .mp4, got {str(path)!r}")
    if suffix == ".mp4" and shutil.which("ffmpeg") is None:
        raise ValueError("writing an MP4 needs ffmpeg on the PATH; write a .gif instead")
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ValueError(f"every must be a positive integer, got {every!r}")
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"animate_training needs 2-D data with 2 features, got shape {X.shape}")
    every = max(every, -(-epochs // MAX_FRAMES))
    xx, yy, G, extent = _grid(X, resolution, 0.1)
    start = fit_kwargs.get("initial_epoch", 0)
    rec = BoundaryRecorder(G, every, epochs - 1)
    hist = fit(net, loss, X, y, epochs=epochs, callbacks=[rec, *(callbacks or [])], **fit_kwargs)
    labels = np.unique(np.asarray(y)) if np.asarray(y).ndim == 1 else np.arange(net.n_outputs)
    fig, ax = plt.subplots(figsize=(6, 5))
    img0, _ = region_image(rec.frames[0][2], labels)
    im = ax.imshow(
        img0.reshape(resolution, resolution, 3),
        origin="lower",
        extent=extent,
        aspect="auto",
        interpolation="bilinear",
    )
    plot_data(X, np.asarray(y) if np.asarray(y).ndim == 1 else np.argmax(y, 1), ax=ax)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    title = ax.set_title("")

    def draw(i):
        epoch, value, out = rec.frames[i]
        img, _ = region_image(out, labels)
        im.set_data(img.reshape(resolution, resolution, 3))
        title.set_text(f"epoch {epoch + 1 - start if start else epoch + 1}   loss {value:.5f}")
        return im, title

    anim = animation.FuncAnimation(fig, draw, frames=len(rec.frames), blit=False)
    writer = (
        animation.PillowWriter(fps=fps) if suffix == ".gif" else animation.FFMpegWriter(fps=fps)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    anim.save(str(path), writer=writer, dpi=80)
    plt.close(fig)
    hist.n_frames = len(rec.frames)
    return hist
