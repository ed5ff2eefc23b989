"""Videos for Chromium's fake camera (``--use-file-for-fake-video-capture``): photos held still, one after another.

Chromium reads YUV4MPEG2 (``.y4m``) files: a header line, then per frame ``FRAME`` and the picture in Y'CbCr
4:2:0 (full-resolution luma, then the two chroma planes at half width and height). It loops the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

WIDTH, HEIGHT, FPS = 640, 480, 30


def camera_frame(photo, width: int = WIDTH, height: int = HEIGHT) -> Image.Image:
    """A photo fitted into a camera frame (aspect kept, grey borders), as an RGB picture."""
    picture = Image.open(photo).convert("RGB") if not isinstance(photo, Image.Image) else photo.convert("RGB")
    picture.thumbnail((width, height), Image.Resampling.LANCZOS)
    frame = Image.new("RGB", (width, height), (128, 128, 128))
    frame.paste(picture, ((width - picture.width) // 2, (height - picture.height) // 2))
    return frame


def _yuv420(frame: Image.Image) -> bytes:
    y, cb, cr = (np.asarray(plane, dtype=np.uint8) for plane in frame.convert("YCbCr").split())
    half = (frame.width // 2, frame.height // 2)
    cb = np.asarray(Image.fromarray(cb).resize(half, Image.Resampling.BOX), dtype=np.uint8)
    cr = np.asarray(Image.fromarray(cr).resize(half, Image.Resampling.BOX), dtype=np.uint8)
    return y.tobytes() + cb.tobytes() + cr.tobytes()


def write_y4m(path: Path, frames: list[tuple[Image.Image, float]]) -> Path:
    """``frames``: (picture, seconds to hold it). Writes a 30 fps ``.y4m`` that shows each picture that long."""
    path = Path(path)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for picture, seconds in frames:
            data = _yuv420(picture.resize((WIDTH, HEIGHT)) if picture.size != (WIDTH, HEIGHT) else picture)
            for _ in range(max(1, round(seconds * FPS))):
                out.write(b"FRAME\n" + data)
    return path
