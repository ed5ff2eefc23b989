"""`make photos`: how well a trained model reads real photos of hands.

The folder (default ``../shared/data/asl_photos_dev``) holds photos in one folder per
letter and a ``labels.csv`` with ``file, letter, x_min, y_min, x_max, y_max``. We score
top-1 and top-3 accuracy per letter:

1. **zero-shot**: the Sign-MNIST model as it is, with the hand's box crop and with a
   plain centre crop (no photo is used for training);
2. **photo head, cross-validated**: a logistic regression trained on the CNN's
   penultimate-layer features of the photos themselves (scikit-learn), scored by 5-fold
   cross-validation, so every photo is predicted by a head that never saw it. The same
   people appear in several folds, so this is optimistic for a stranger's hand.

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


def top_accuracy(letters: pd.Series, probabilities: np.ndarray) -> tuple[pd.DataFrame, dict]:
    """Per-letter and overall top-1/top-3 accuracy of 25-column probabilities."""
    probabilities = probabilities.copy()
    probabilities[:, 9] = 0.0  # J is never a static letter
    truth = letters.map(LETTERS.index).to_numpy()
    top3 = np.argsort(probabilities, axis=1)[:, ::-1][:, :3]
    frame = pd.DataFrame({
        "letter": letters.to_numpy(), "top1": top3[:, 0] == truth, "top3": (top3 == truth[:, None]).any(axis=1),
        "predicted": [LETTERS[i] for i in top3[:, 0]],
    })
    per_letter = frame.groupby("letter").agg(photos=("top1", "size"), top1=("top1", "mean"), top3=("top3", "mean")).round(3)
    overall = {"photos": len(frame), "top1": round(float(frame["top1"].mean()), 4), "top3": round(float(frame["top3"].mean()), 4)}
    return per_letter, overall


def score(model, folder: str | Path, use_box: bool = True) -> tuple[pd.DataFrame, dict]:
    """Zero-shot: per-letter and overall top-1/top-3 accuracy of ``model`` on the photos."""
    labels = load_labels(folder)
    probabilities = model.predict(photo_inputs(folder, labels, use_box), batch_size=256, verbose=0)
    return top_accuracy(labels["letter"], probabilities)


def make_photo_head():
    """A linear classifier for CNN features: standardise, then multinomial logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=3000))


def head_probabilities(head, features: np.ndarray) -> np.ndarray:
    """The head's class probabilities spread into the model's 25 columns."""
    probabilities = np.zeros((len(features), len(LETTERS)))
    probabilities[:, head.classes_] = head.predict_proba(features)
    return probabilities


def photo_head(model, folder: str | Path, folds: int = 5, seed: int = 0):
    """Train a photo head on the CNN's features of the photos; score it by stratified k-fold.

    Returns ``(per_letter, overall, head)``: the scores come from cross-validation (each
    photo predicted by a head fitted on the other folds only); ``head`` is then fitted on
    every photo, for predicting new pictures (``predict_letter(..., head=head)``).
    """
    from sklearn.model_selection import StratifiedKFold

    from helpers.interpret import penultimate_features

    labels = load_labels(folder)
    features = penultimate_features(model, photo_inputs(folder, labels, use_box=True))
    y = labels["letter"].map(LETTERS.index).to_numpy()
    probabilities = np.zeros((len(y), len(LETTERS)))
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(features, y):
        head = make_photo_head().fit(features[train_idx], y[train_idx])
        probabilities[test_idx] = head_probabilities(head, features[test_idx])
    per_letter, overall = top_accuracy(labels["letter"], probabilities)
    return per_letter, overall, make_photo_head().fit(features, y)


def main(argv: list[str] | None = None) -> None:
    import keras

    from helpers.predict import find_trained_model

    parser = argparse.ArgumentParser(description="Top-1/top-3 of a trained model on real photos.")
    parser.add_argument("--photos", default=str(DEFAULT_PHOTOS))
    parser.add_argument("--model", help="a .keras file (default: the newest trained improved CNN in artifacts/)")
    args = parser.parse_args(argv)
    model_path = Path(args.model) if args.model else find_trained_model()
    model = keras.models.load_model(model_path, safe_mode=True)
    print(f"model: {model_path}\nphotos: {args.photos} (never used for training)")
    runs = {
        "zero-shot, hand box crop (no photo used for training)": lambda: score(model, args.photos, True),
        "zero-shot, centre crop (no photo used for training)": lambda: score(model, args.photos, False),
        "photo head on CNN features, box crop (TRAINED ON THE PHOTOS, 5-fold cross-validated)":
            lambda: photo_head(model, args.photos)[:2],
    }
    summary = {}
    for title, run in runs.items():
        per_letter, overall = run()
        summary[title] = overall
        print(f"\n== {title}: top-1 {100 * overall['top1']:.1f}%, top-3 {100 * overall['top3']:.1f}% "
              f"over {overall['photos']} photos (chance: 4.2% / 12.5%)")
        print(per_letter.T.to_string())
    print("\n" + pd.DataFrame(summary).T.to_string())


if __name__ == "__main__":
    main()
