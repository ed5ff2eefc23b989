"""Synthetic "photos" for the photo tests: a letter drawn by the fixture, enlarged to RGB, with its labels.csv."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PIL import Image

from helpers import data
from tools.fixture import draw_letter


def rgb_photo(label: int, size=(240, 180), variant: int = 0) -> Image.Image:
    """A synthetic "photo" of ``label``; each ``variant`` is a different drawing (jitter, noise)."""
    small = Image.fromarray(draw_letter(label, np.random.default_rng([label, variant])))
    return small.resize(size, Image.Resampling.BILINEAR).convert("RGB")


def photo_folder(folder, letters=(0, 1, 2, 10), per_letter=3, size=(200, 200)):
    """A folder of distinct synthetic photos (no two alike) with its labels.csv."""
    rows = []
    for label in letters:
        letter = data.letter(label)
        (folder / letter).mkdir(parents=True)
        for i in range(per_letter):
            name = f"{letter}/{i}.jpg"
            rgb_photo(label, size, variant=i).save(folder / name)
            rows.append({"file": name, "letter": letter, "x_min": 0, "y_min": 0, "x_max": size[0] - 1,
                         "y_max": size[1] - 1})
    pd.DataFrame(rows).to_csv(folder / "labels.csv", index=False)
    return folder
