"""Which signer made each Sign-MNIST training image: match every training image to the 7 signers' source photos.

The photo set ``asl_photos_signers`` (1,680 webcam photos, 7 signers, each photo with its hand box) holds the
source photos of Sign Language MNIST's training set. A photo cropped to its box, turned grey, resized to 28×28
matches a training image almost pixel for pixel. For each training image this command finds the best-matching
photo (highest Pearson correlation: images standardised as in :func:`helpers.groups.standardize`, then one
matrix product) and writes its signer and the correlation ``r``.

Several ways of cropping and resizing are tried on a sample of training images (PIL resampling filters; the
box's right/bottom edge excluded or included); the one with the highest median correlation makes the table.
It also reports the distribution of the best correlations, how many are below 0.9, how often the best photo
shows another letter than the image's label, and the *margin*: the best correlation minus the best correlation
with any photo of a *different* signer (a small margin means the signer is ambiguous).

The test CSV is matched the same way, for the report only (``test_set`` in the JSON): its images come from
*other photos of the same 7 signers* (median r 0.999; no photo is the best match of both a training and a test
image), so a validation split that holds out whole signers is harder than this test set.

Writes ``data/signers/sign_mnist_train_signers.csv`` (``row``, ``label``, ``signer``, ``r``: numbers and ids
only, no pixels; it ships with the course, see ``data/signers/SOURCE.md``) and ``build/signer_table.json``::

    python -m tools.signer_table --data ../shared/data/sign_mnist [--signers ../shared/data/asl_photos_signers]
"""

from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.config import REPO_ROOT, TEST_CSV, TRAIN_CSV, build_dir
from tools.cli import CommandFailed, run_command

#: where the table ships (helpers.groups.training_signers reads it)
TABLE = REPO_ROOT / "data" / "signers" / "sign_mnist_train_signers.csv"
LOW = 0.9  # a best correlation below this is reported as a weak match
CHOSEN = "lanczos, box edge excluded"  # the crop/resize this command chose on the real data (median r 0.999)
SAMPLE = 2000  # training images used to choose the crop/resize


def crop_choices() -> dict[str, tuple[int, int]]:
    """The crop/resize candidates: name -> (PIL resampling filter, pixels added to the box's right/bottom edge)."""
    from PIL import Image

    filters = {"nearest": Image.NEAREST, "box": Image.BOX, "bilinear": Image.BILINEAR,
               "bicubic": Image.BICUBIC, "lanczos": Image.LANCZOS}
    return {f"{name}, box edge {'included' if extra else 'excluded'}": (resample, extra)
            for name, resample in filters.items() for extra in (0, 1)}


def photo_images(folder: Path, labels: pd.DataFrame, resample: int, extra: int) -> np.ndarray:
    """Every photo grey (PIL ``L``), cropped to its hand box, resized to 28×28: float32 (N, 28, 28)."""
    from PIL import Image

    out = np.empty((len(labels), 28, 28), dtype=np.float32)
    for i, row in enumerate(labels.itertuples(index=False)):
        with Image.open(folder / row.file) as photo:
            grey = photo.convert("L")
            box = (row.x_min, row.y_min, row.x_max + extra, row.y_max + extra)
            out[i] = np.asarray(grey.crop(box).resize((28, 28), resample), dtype=np.float32)
    return out


def match(train_rows: np.ndarray, photo_rows: np.ndarray, photo_signer: np.ndarray, batch: int = 2048) -> dict:
    """For each standardised training row: best photo, its correlation, and the best correlation per signer."""
    signers = np.unique(photo_signer)
    best_photo = np.empty(len(train_rows), dtype=np.int64)
    per_signer = np.empty((len(train_rows), len(signers)), dtype=np.float32)
    for start in range(0, len(train_rows), batch):
        block = train_rows[start:start + batch] @ photo_rows.T
        best_photo[start:start + batch] = block.argmax(axis=1)
        for k, signer in enumerate(signers):
            per_signer[start:start + batch, k] = block[:, photo_signer == signer].max(axis=1)
    best = per_signer.max(axis=1)
    runner_up = np.sort(per_signer, axis=1)[:, -2]  # the best photo of a different signer
    return {"best_photo": best_photo, "r": best, "margin": best - runner_up, "signers": signers}


def nearest_signers(images: np.ndarray, folder: str | Path, choice: str = CHOSEN) -> dict:
    """Match ``images`` (N, 28, 28) to the photos of ``folder``: best photo (index into its labels.csv), signer, r."""
    from helpers.groups import standardize

    labels = pd.read_csv(Path(folder) / "labels.csv")
    photos = standardize(photo_images(Path(folder), labels, *crop_choices()[choice]))
    found = match(standardize(images), photos, labels["signer"].to_numpy().astype(str))
    return {**found, "signer": labels["signer"].to_numpy().astype(str)[found["best_photo"]]}


def summary(r: np.ndarray, margin: np.ndarray, letter_agrees: np.ndarray, signer: np.ndarray) -> dict:
    """The figures the command reports (and writes to build/signer_table.json)."""
    quantiles = [0, 1, 5, 10, 25, 50, 75, 90, 99, 100]
    names, counts = np.unique(signer, return_counts=True)
    return {
        "images": int(len(r)),
        "r_percentiles": {f"p{q}": round(float(np.percentile(r, q)), 4) for q in quantiles},
        "r_mean": round(float(r.mean()), 4),
        "below_0.9": int((r < LOW).sum()), "below_0.95": int((r < 0.95).sum()), "below_0.99": int((r < 0.99).sum()),
        "margin_percentiles": {f"p{q}": round(float(np.percentile(margin, q)), 4) for q in quantiles},
        "margin_below_0.01": int((margin < 0.01).sum()), "margin_below_0.05": int((margin < 0.05).sum()),
        "best_photo_other_letter": int((~letter_agrees).sum()),
        "images_per_signer": {str(n): int(c) for n, c in zip(names, counts)},
    }


def main(argv: list[str] | None = None) -> None:
    from helpers.data import load_csv, locate_dataset
    from helpers.groups import standardize
    from helpers.hand_photo_sets import photo_folder
    from helpers.config import LETTERS
    from tools.course import machine

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="folder of the Sign-MNIST CSVs (default: SIGN_MNIST_DIR or kagglehub)")
    parser.add_argument("--signers", help="the signers' photo folder (default: $ASL_PHOTOS_SIGNERS or ../shared)")
    parser.add_argument("--out", default=str(TABLE), help=f"the table to write (default {TABLE.relative_to(REPO_ROOT)})")
    args = parser.parse_args(argv)

    folder = photo_folder("signers", args.signers)
    if folder is None:
        raise CommandFailed("the signers' photos are not here: pass --signers FOLDER (it holds labels.csv) "
                            "or set ASL_PHOTOS_SIGNERS.")
    labels = pd.read_csv(folder / "labels.csv")
    missing = {"file", "letter", "signer", "x_min", "y_min", "x_max", "y_max"} - set(labels.columns)
    if missing:
        raise CommandFailed(f"{folder / 'labels.csv'} lacks the columns {sorted(missing)} (the hand boxes).")
    images, y = load_csv(locate_dataset(args.data) / TRAIN_CSV)
    train_rows = standardize(images)
    photo_signer = labels["signer"].to_numpy().astype(str)
    print(f"{len(images)} training images, {len(labels)} photos by {len(np.unique(photo_signer))} signers in {folder}")

    sample = np.random.default_rng(0).choice(len(images), size=min(SAMPLE, len(images)), replace=False)
    medians = {}
    for name, (resample, extra) in crop_choices().items():
        photos = standardize(photo_images(folder, labels, resample, extra))
        medians[name] = float(np.median((train_rows[sample] @ photos.T).max(axis=1)))
        print(f"  {name:32s} median best r on {len(sample)} images: {medians[name]:.4f}")
    chosen = max(medians, key=medians.get)
    print(f"chosen: {chosen}")
    photos = standardize(photo_images(folder, labels, *crop_choices()[chosen]))
    found = match(train_rows, photos, photo_signer)
    signer = photo_signer[found["best_photo"]]
    photo_letter = labels["letter"].to_numpy()[found["best_photo"]]
    letter_agrees = photo_letter == np.array([LETTERS[k] for k in y])
    stats = summary(found["r"], found["margin"], letter_agrees, signer)
    # the test set: which photos and signers its images come from (nothing of it is written to data/)
    x_test, y_test = load_csv(locate_dataset(args.data) / TEST_CSV)
    test = match(standardize(x_test), photos, photo_signer)
    test_agrees = labels["letter"].to_numpy()[test["best_photo"]] == np.array([LETTERS[k] for k in y_test])
    stats["test_set"] = {
        **summary(test["r"], test["margin"], test_agrees, photo_signer[test["best_photo"]]),
        "photos_matched_by_test": int(len(np.unique(test["best_photo"]))),
        "photos_matched_by_train": int(len(np.unique(found["best_photo"]))),
        "photos_matched_by_both": int(len(np.intersect1d(test["best_photo"], found["best_photo"]))),
    }

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame({"row": np.arange(len(y)), "label": y, "signer": signer, "r": found["r"].round(3)})
    table.to_csv(out, index=False, float_format="%.3f")
    record = {"title": "Signer of each Sign-MNIST training image", "date": datetime.datetime.now().isoformat(timespec="seconds"),
              "command": "python -m tools.signer_table" + (f" --data {args.data}" if args.data else ""),
              "machine": machine(), "photos": len(labels), "crop_medians": {k: round(v, 5) for k, v in medians.items()},
              "chosen": chosen, **stats}
    json_path = build_dir() / "signer_table.json"
    json_path.write_text(json.dumps(record, indent=2))
    print(json.dumps(stats, indent=2))
    print(f"wrote {out} and {json_path}")


if __name__ == "__main__":
    run_command(main, "python -m tools.signer_table")
