import importlib

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")


@pytest.fixture
def rng():
    """A seeded generator: every test that draws numbers is reproducible."""
    return np.random.default_rng(12345)


def png_is_not_blank(path, min_size=(200, 150)):
    """Open a PNG, check its size, and check that it has real content (many colours,
    not one flat colour). Returns the image array."""
    import matplotlib.image as mpimg

    img = mpimg.imread(str(path))
    assert img.ndim == 3, f"{path}: not an RGB(A) image"
    h, w = img.shape[:2]
    assert w >= min_size[0] and h >= min_size[1], f"{path}: image too small ({w}x{h})"
    rgb = img[..., :3].reshape(-1, 3)
    assert rgb.std(axis=0).max() > 0.05, f"{path}: image is (nearly) one flat colour"
    assert len(np.unique((rgb * 255).astype(np.uint8), axis=0)) > 50, f"{path}: too few colours"
    return img


def resolve_dotted(path: str):
    """The object named by a dotted path: the longest importable module, then attributes."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(path)


def console_script(name: str) -> str:
    """The path of an installed command (``glassnet``, ``lint-imports``) of the Python that
    runs the tests: beside ``sys.executable`` in a virtual environment that nobody
    activated (the README's commands call ``.venv/bin/python`` directly), else on PATH."""
    import shutil
    import sys
    from pathlib import Path

    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    assert found is not None, f"the command {name!r} is not installed for {sys.executable}"
    return found
