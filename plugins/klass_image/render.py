"""Pictures: grids of generated images (PNG) and unmasking animations (GIF)."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image
from torch import Tensor

if TYPE_CHECKING:
    from klass_core import StepInfo

MASK_COLOUR = (214, 64, 64)  # how a still-masked cell is drawn in previews
GUTTER_COLOUR = (170, 170, 170)  # between the images of a grid


def upscale(image: Image.Image, min_side: int = 96) -> Image.Image:
    """Enlarge a small image by an integer factor (nearest neighbour) to at least ``min_side``."""
    factor = max(1, math.ceil(min_side / min(image.size)))
    return image.resize((image.width * factor, image.height * factor), Image.Resampling.NEAREST)


def grid(images: Sequence[Image.Image], columns: int | None = None, pad: int = 4) -> Image.Image:
    """Tile equally sized images on a grey background, ``columns`` per row (default: square)."""
    if not images:
        raise ValueError("grid needs at least one image")
    columns = columns or math.ceil(math.sqrt(len(images)))
    rows = math.ceil(len(images) / columns)
    width, height = images[0].size
    size = (pad + columns * (width + pad), pad + rows * (height + pad))
    sheet = Image.new("RGB", size, GUTTER_COLOUR)
    for i, image in enumerate(images):
        row, col = divmod(i, columns)
        sheet.paste(image.convert("RGB"), (pad + col * (width + pad), pad + row * (height + pad)))
    return sheet


def save_png(image: Image.Image, path: str | Path) -> Path:
    """Save ``image`` as PNG (see :func:`check_writable` for the errors)."""
    path = check_writable(path)
    image.save(path, format="PNG")
    return path


def save_gif(frames: Sequence[Image.Image], path: str | Path, ms_per_frame: int = 250) -> Path:
    """Save an animated GIF that loops, holding the last frame a little longer."""
    if not frames:
        raise ValueError("an animation needs at least one frame")
    path = check_writable(path)
    durations = [ms_per_frame] * (len(frames) - 1) + [ms_per_frame * 4]
    first, *rest = [frame.convert("RGB") for frame in frames]
    first.save(path, format="GIF", save_all=True, append_images=rest, duration=durations, loop=0)
    return path


def check_writable(path: str | Path) -> Path:
    """Return ``path`` if a file can be written there, else raise a clear ``OSError``.

    Called before any sampling so a bad ``--out`` fails fast; creates nothing.
    """
    path = Path(path)
    folder = path.parent
    if path.is_dir():
        raise IsADirectoryError(
            f"output path {path} is a folder: give a file name such as {path / 'out.png'}"
        )
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"output path {path}: {folder} is a file, not a folder")
    if not folder.is_dir():
        raise FileNotFoundError(
            f"output folder {folder} does not exist: create it or pick another path"
        )
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise PermissionError(f"output path {path} is not writable: pick a writable path")
    return path


def sheet(images: Sequence[Image.Image], columns: int | None = None) -> Image.Image:
    """Upscaled images tiled in a grid: what the PNG and each GIF frame show."""
    return grid([upscale(image) for image in images], columns)


def unmasking_frames(
    preview: Callable[[Tensor], list[Image.Image]],
    initial: Tensor,
    steps: Sequence[StepInfo],
    columns: int | None = None,
) -> list[Image.Image]:
    """One sheet per forward pass, from the all-mask canvas to the last commit.

    ``preview`` draws partly masked canvases (an adapter's ``preview``); ``steps`` is a
    :class:`klass_core.TraceRecorder`'s ``steps``. Rows that finished keep their last canvas.
    """
    state = initial.clone()
    frames = [sheet(preview(state), columns)]
    for info in steps:
        state[info.rows] = info.canvas.to(state.device)
        frames.append(sheet(preview(state), columns))
    return frames
