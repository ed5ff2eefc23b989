"""A tiny, synthetic stand-in for Sign Language MNIST, for tests and offline demos.

It writes CSVs in exactly the Kaggle format (``label,pixel1..pixel784``), so the real
loading code runs on it. Each of the 24 letters is a distinct drawing (one of six
shapes in one of four places) with random jitter and noise, so a small CNN can learn
it in a couple of epochs. It says nothing about real hands: only the code path is real.

Like the real training CSV, each split is made of *groups* of near-copies: a few base
drawings per letter, each written 2–5 times with a small change of contrast and
brightness and a little fresh noise (correlation with each other above 0.95). Base
drawings of one letter are kept apart (correlation below 0.90), so the groups are
known exactly: ``make_split(..., return_groups=True)`` returns them, and
:func:`helpers.groups.near_duplicate_groups` must find them. (No shifts: a one-pixel
shift of a thin synthetic stroke is no longer a near-copy by correlation.)

Command line::

    python -m tools.fixture OUT_DIR [--train 1200] [--test 240] [--kagglehub-cache DIR]
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.config import FIXTURE_MARKER, IMAGE_SIZE, KAGGLE_HANDLE, NUM_PIXELS, TEST_CSV, TRAIN_CSV, VALID_LABELS
from helpers.groups import SIGNERS_CSV
from tools.cli import run_command

SHAPES = ("hbar", "vbar", "diag", "antidiag", "ring", "square")


def draw_letter(label: int, rng: np.random.Generator) -> np.ndarray:
    """Draw one 28x28 uint8 image for ``label`` (one of the 24 valid labels)."""
    k = VALID_LABELS.index(label)
    shape, quadrant = SHAPES[k % len(SHAPES)], k // len(SHAPES)
    cy = 8 + 12 * (quadrant // 2) + rng.integers(-1, 2)
    cx = 8 + 12 * (quadrant % 2) + rng.integers(-1, 2)
    yy, xx = np.mgrid[0:IMAGE_SIZE, 0:IMAGE_SIZE]
    dy, dx = yy - cy, xx - cx
    masks = {
        "hbar": (abs(dy) <= 1) & (abs(dx) <= 6),
        "vbar": (abs(dx) <= 1) & (abs(dy) <= 6),
        "diag": (abs(dy - dx) <= 1) & (abs(dx) <= 5),
        "antidiag": (abs(dy + dx) <= 1) & (abs(dx) <= 5),
        "ring": abs(np.hypot(dy, dx) - 4.5) <= 1.0,
        "square": (abs(dy) <= 3) & (abs(dx) <= 3),
    }
    background = rng.uniform(40, 90)
    image = np.full((IMAGE_SIZE, IMAGE_SIZE), background)
    image[masks[shape]] = rng.uniform(180, 240)
    image += rng.normal(0, 12, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


FAKE_SIGNERS = ("fake_1", "fake_2", "fake_3", "fake_4")  # signers.csv: group g is signed by FAKE_SIGNERS[g % 4]
GROUP_SIZES = (2, 5)  # each base drawing is written this many times (inclusive range)
BASE_MAX_CORRELATION = 0.90  # two base drawings of one letter correlate less than this


def make_variant(base: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A near-copy of ``base``: contrast ×0.92–1.05, brightness ±8, fresh noise (σ 2.5)."""
    image = base.astype(np.float64) * rng.uniform(0.92, 1.05) + rng.uniform(-8, 8)
    image += rng.normal(0, 2.5, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def _standard_row(image: np.ndarray) -> np.ndarray:
    row = image.reshape(-1).astype(np.float64)
    row -= row.mean()
    return row / np.linalg.norm(row)


def _new_base(label: int, rng: np.random.Generator, others: list[np.ndarray]) -> np.ndarray:
    """A base drawing of ``label`` that is no near-copy of the ``others`` (standardised rows)."""
    for _ in range(200):
        base = draw_letter(label, rng)
        row = _standard_row(base)
        if all(float(row @ other) < BASE_MAX_CORRELATION for other in others):
            others.append(row)
            return base
    raise RuntimeError(f"could not draw a new base image for label {label}")


def make_split(n_rows: int, seed: int, return_groups: bool = False) -> pd.DataFrame | tuple[pd.DataFrame, np.ndarray]:
    """A Kaggle-format frame of ``n_rows`` images, classes balanced and shuffled.

    Images come in groups of near-copies of one base drawing (see the module
    docstring); with ``return_groups=True`` the group id of every row comes too.
    """
    rng = np.random.default_rng(seed)
    labels = np.resize(np.array(VALID_LABELS), n_rows)
    rng.shuffle(labels)
    pixels = np.empty((n_rows, NUM_PIXELS), dtype=np.uint8)
    groups = np.empty(n_rows, dtype=np.int64)
    next_group = 0
    for label in VALID_LABELS:
        rows = np.flatnonzero(labels == label)
        bases: list[np.ndarray] = []
        start = 0
        while start < len(rows):
            members = rows[start:start + int(rng.integers(GROUP_SIZES[0], GROUP_SIZES[1] + 1))]
            base = _new_base(int(label), rng, bases)
            for row in members:
                pixels[row] = make_variant(base, rng).reshape(NUM_PIXELS)
            groups[members] = next_group
            next_group += 1
            start += len(members)
    columns = ["label"] + [f"pixel{i}" for i in range(1, NUM_PIXELS + 1)]
    frame = pd.DataFrame(np.column_stack([labels, pixels]), columns=columns)
    return (frame, groups) if return_groups else frame


def write_fixture(out_dir: str | Path, n_train: int = 1200, n_test: int = 240, seed: int = 0) -> Path:
    """Write ``sign_mnist_train.csv``, ``sign_mnist_test.csv`` and ``signers.csv`` into ``out_dir``.

    ``signers.csv`` (``row, label, signer``) gives each training image one of :data:`FAKE_SIGNERS`,
    whole groups of near-copies at a time, as the real table does (:func:`helpers.groups.training_signers`).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    train, groups = make_split(n_train, seed, return_groups=True)
    train.to_csv(out / TRAIN_CSV, index=False)
    make_split(n_test, seed + 1).to_csv(out / TEST_CSV, index=False)
    signers = np.array(FAKE_SIGNERS)[groups % len(FAKE_SIGNERS)]  # whole groups of near-copies per signer
    pd.DataFrame({"row": np.arange(n_train), "label": train["label"], "signer": signers}).to_csv(
        out / SIGNERS_CSV, index=False)
    (out / FIXTURE_MARKER).write_text("Synthetic shapes made by tools.fixture, not Sign Language MNIST.\n")
    return out


def seed_kagglehub_cache(cache_dir: str | Path, csv_dir: str | Path) -> Path:
    """Lay the CSVs of ``csv_dir`` out as kagglehub's cache of the pinned dataset version.

    With ``KAGGLEHUB_CACHE=cache_dir``, ``kagglehub.dataset_download(KAGGLE_HANDLE)`` then
    returns the cached folder without touching the network: the layout is
    ``datasets/<owner>/<dataset>/versions/<v>/`` plus the marker ``<v>.complete``.
    """
    owner, dataset, _, version = KAGGLE_HANDLE.split("/")
    base = Path(cache_dir) / "datasets" / owner / dataset
    version_dir = base / "versions" / version
    version_dir.mkdir(parents=True, exist_ok=True)
    for name in (TRAIN_CSV, TEST_CSV, FIXTURE_MARKER, SIGNERS_CSV):
        if name != SIGNERS_CSV or (Path(csv_dir) / name).is_file():  # a fixture written before signers.csv has none
            shutil.copyfile(Path(csv_dir) / name, version_dir / name)
    (base / f"{version}.complete").write_text("")
    return version_dir


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--train", type=int, default=1200)
    parser.add_argument("--test", type=int, default=240)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kagglehub-cache", help="also seed a kagglehub cache in this folder")
    args = parser.parse_args(argv)
    out = write_fixture(args.out_dir, args.train, args.test, args.seed)
    print(f"fixture CSVs in {out}")
    if args.kagglehub_cache:
        print(f"kagglehub cache seeded at {seed_kagglehub_cache(args.kagglehub_cache, out)}")


if __name__ == "__main__":
    run_command(main, "python -m tools.fixture")
