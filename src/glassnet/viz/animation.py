"""Training animations: the decision boundary recorded every few epochs, written as a
GIF (Pillow) or an MP4 (where ffmpeg is installed), with the epoch and loss on each frame."""

from __future__ import annotations

import os
import shutil
from numbers import Real
from pathlib import Path

import numpy as np

from .._checks import Interval, check_param
from ..train.callbacks import Callback
from ..train.fit import fit
from .regions import check_points, grid, plot_data, predict_function, region_image

__all__ = [
    "animate_training",
    "BoundaryRecorder",
    "check_animation_path",
    "make_recorder",
    "write_animation",
]

MAX_FRAMES = 300


class BoundaryRecorder(Callback):
    """A callback that stores the model's class probabilities on a grid of points every
    ``every`` epochs (and at the last epoch), with the epoch's loss."""

    def __init__(self, G, every: int, last_epoch: int):
        self.G, self.every, self.last_epoch = G, every, last_epoch
        self.frames: list[tuple[int, float, np.ndarray]] = []

    def on_epoch_end(self, epoch, logs):
        if epoch % self.every == 0 or epoch == self.last_epoch:
            out = predict_function(self.net)(self.G)
            self.frames.append((epoch, logs["loss"], np.asarray(out, dtype=np.float32)))


def check_animation_path(path, X, y=None) -> Path:
    """Check where an animation can go and that the data can be drawn; returns the path."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path ending in .gif or .mp4, got {path!r}")
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".gif", ".mp4"):
        raise ValueError(f"the animation path must end in .gif or .mp4, got {str(path)!r}")
    if suffix == ".mp4" and shutil.which("ffmpeg") is None:
        raise ValueError("writing an MP4 needs ffmpeg on the PATH; write a .gif instead")
    check_points(X, y, "an animation")
    return path


def make_recorder(X, every: int, epochs: int, resolution: int = 100, first_epoch: int = 0):
    """A ``BoundaryRecorder`` on a grid over ``X``, recording at most ``MAX_FRAMES`` frames."""
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ValueError(f"every must be a positive integer, got {every!r}")
    every = max(every, -(-(epochs - first_epoch) // MAX_FRAMES))
    _, _, G, extent = grid(np.asarray(X, dtype=float), resolution, 0.1)
    rec = BoundaryRecorder(G, every, epochs - 1)
    rec.extent, rec.resolution = extent, resolution
    return rec


def write_animation(rec, X, y, path, fps: int = 12, n_classes: int | None = None) -> int:
    """Render the frames of a ``BoundaryRecorder`` to ``path``; returns the frame count."""
    import matplotlib.pyplot as plt
    from matplotlib import animation

    path = Path(path)
    y = np.asarray(y)
    y = y if y.ndim == 1 else np.argmax(y, axis=1)
    labels = np.arange(n_classes) if n_classes else np.unique(y)
    res, extent = rec.resolution, rec.extent
    fig, ax = plt.subplots(figsize=(6, 5))
    img0, _ = region_image(rec.frames[0][2], labels)
    im = ax.imshow(
        img0.reshape(res, res, 3),
        origin="lower",
        extent=extent,
        aspect="auto",
        interpolation="bilinear",
    )
    plot_data(np.asarray(X, dtype=float), y, ax=ax)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    title = ax.set_title("")

    def draw(i):
        epoch, value, out = rec.frames[i]
        img, _ = region_image(out, labels)
        im.set_data(img.reshape(res, res, 3))
        title.set_text(f"epoch {epoch + 1}   loss {value:.5f}")
        return im, title

    anim = animation.FuncAnimation(fig, draw, frames=len(rec.frames), blit=False)
    writer = (
        animation.PillowWriter(fps=fps)
        if path.suffix.lower() == ".gif"
        else animation.FFMpegWriter(fps=fps)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    anim.save(str(path), writer=writer, dpi=80)
    plt.close(fig)
    return len(rec.frames)


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
    path = check_animation_path(path, X, y)
    fps = check_param("fps", fps, Interval(Real, 0, None, closed="neither"))
    rec = make_recorder(X, every, epochs, resolution, fit_kwargs.get("initial_epoch", 0))
    hist = fit(net, loss, X, y, epochs=epochs, callbacks=[rec, *(callbacks or [])], **fit_kwargs)
    n_classes = net.n_outputs if net.n_outputs > 1 else 2
    hist.n_frames = write_animation(rec, X, y, path, fps=fps, n_classes=n_classes)
    return hist
