"""`make photos`: how well a trained model reads real photos of hands.

The folder (default ``../shared/data/asl_photos_dev``) holds photos in one folder per
letter and a ``labels.csv`` with ``file, letter, x_min, y_min, x_max, y_max``. We score
top-1 and top-3 accuracy per letter, with the hand's box crop and with a plain centre
crop. The photos are never used for training here.

    python -m helpers.photos --photos ../shared/data/asl_photos_dev [--model path.keras]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.config import LETTERS, REPO_ROOT
from helpers.predict import photo_to_input

DEFAULT_PHOTOS = REPO_ROOT.parent / "shared" / "data" / "asl_photos_dev"


def load_labels(folder: str | Path) -> pd.DataFrame:
    """The photo list with letters and boxes; a clear error when the folder is not as expected."""
    folder = Path(folder)
    labels_path = folder / "labels.csv"
    if not labels_path.is_file():
        raise FileNotFoundError(f"{labels_path} not found: the photo folder needs a labels.csv (file, letter, x_min, y_min, x_max, y_max)")
    labels = pd.read_csv(labels_path)
    needed = {"file", "letter", "x_min", "y_min", "x_max", "y_max"}
    if not needed <= set(labels.columns):
        raise ValueError(f"{labels_path} lacks the columns {sorted(needed - set(labels.columns))}")
    return labels


def photo_inputs(folder: str | Path, labels: pd.DataFrame, use_box: bool) -> np.ndarray:
    """All photos as a (N, 28, 28, 1) batch, box-cropped or centre-cropped."""
    folder = Path(folder)
    boxes = labels[["x_min", "y_min", "x_max", "y_max"]].to_numpy(dtype=float)
    return np.stack([
        photo_to_input(folder / f, tuple(b) if use_box else None) for f, b in zip(labels["file"], boxes)
    ])


def score(model, folder: str | Path, use_box: bool = True) -> tuple[pd.DataFrame, dict]:
    """Per-letter and overall top-1/top-3 accuracy of ``model`` on the photos."""
    labels = load_labels(folder)
    x = photo_inputs(folder, labels, use_box)
    probabilities = model.predict(x, batch_size=256, verbose=0)
    probabilities[:, 9] = 0.0  # J is never a static letter
    truth = labels["letter"].map(LETTERS.index).to_numpy()
    top3 = np.argsort(probabilities, axis=1)[:, ::-1][:, :3]
    frame = pd.DataFrame({
        "letter": labels["letter"], "top1": top3[:, 0] == truth, "top3": (top3 == truth[:, None]).any(axis=1),
        "predicted": [LETTERS[i] for i in top3[:, 0]],
    })
    per_letter = frame.groupby("letter").agg(photos=("top1", "size"), top1=("top1", "mean"), top3=("top3", "mean")).round(3)
    overall = {"photos": len(frame), "top1": round(float(frame["top1"].mean()), 4), "top3": round(float(frame["top3"].mean()), 4)}
    return per_letter, overall


def main(argv: list[str] | None = None) -> None:
    import keras

    from helpers.predict import find_trained_model

    parser = argparse.ArgumentParser(description="Top-1/top-3 of a trained model on real photos.")
    parser.add_argument("--photos", default=str(DEFAULT_PHOTOS))
    parser.add_argument("--model", help="a .keras file (default: the newest trained improved CNN in artifacts/)")
    parser.add_argument("--data", help="ignored; accepted so `make photos DATA=...` works")
    args = parser.parse_args(argv)
    model_path = Path(args.model) if args.model else find_trained_model()
    model = keras.models.load_model(model_path, safe_mode=True)
    print(f"model: {model_path}\nphotos: {args.photos} (never used for training)")
    for use_box in (True, False):
        per_letter, overall = score(model, args.photos, use_box)
        print(f"\n== {'hand box crop' if use_box else 'centre crop'}: top-1 {100 * overall['top1']:.1f}%, "
              f"top-3 {100 * overall['top3']:.1f}% over {overall['photos']} photos (chance: 4.2% / 12.5%)")
        print(per_letter.to_string())


if __name__ == "__main__":
    main()
