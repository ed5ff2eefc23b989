"""How well a trained model reads real photos of hands (notebook 08; `make photos` prints the same).

The photos: the public Roboflow export "American Sign Language Letters v1" (see
:data:`PHOTOS_SOURCE`), one version per source photo, in one folder per letter with a
``labels.csv`` of ``file, letter, x_min, y_min, x_max, y_max`` (the hand's box).
:func:`from_yolo_export` makes that layout from the export as downloaded. The folder is
``$ASL_PHOTOS_DIR`` if set, else ``../shared/data/asl_photos_dev`` beside the course. We
score top-1 and top-3 accuracy per letter:

1. **zero-shot**: the Sign-MNIST model as it is, with the hand's box crop and with a
   plain centre crop (no photo is used for training);
2. **photo head, cross-validated**: a logistic regression trained on the CNN's
   penultimate-layer features of the photos themselves (scikit-learn), scored by 5-fold
   cross-validation, so every photo is predicted by a head that never saw it. The same
   people appear in several folds, so this is optimistic for a stranger's hand.

    python -m tools.photos_report --photos ../shared/data/asl_photos_dev [--model path.keras]   # `make photos`
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.config import LETTERS, MISSING_LABELS, REPO_ROOT
from helpers.predict import head_probabilities, photo_to_input

DEFAULT_PHOTOS = REPO_ROOT.parent / "shared" / "data" / "asl_photos_dev"
#: Where the photos come from and how to get them (shown by the notebook and ``make photos``).
PHOTOS_SOURCE = {
    "name": 'the public Roboflow export "American Sign Language Letters v1" (collected by David Lee): photos '
            "of the letters A–Z with the hand's box; License: Public Domain per its Roboflow page "
            "(another copy says CC BY 4.0)",
    "roboflow": "https://public.roboflow.com/object-detection/american-sign-language-letters/1",
    "github_copy": "https://github.com/dnth/yolov5-deepsparse-blogpost (folder datasets/american_sign_language, "
                   "the export in YOLOv5 format)",
}
#: Letters a photo may show: A–Y without J (J and Z are signed with a motion).
STATIC_LETTERS = tuple(letter for k, letter in enumerate(LETTERS) if k not in MISSING_LABELS)


def photos_dir(folder: str | Path | None = None) -> Path | None:
    """The photo folder: ``folder``, else ``$ASL_PHOTOS_DIR``, else the shared folder beside the course
    if it exists, else None."""
    if folder is not None:
        return Path(folder)
    for name in ("ASL_PHOTOS_DIR", "ASL_PHOTOS_DEV"):  # ASL_PHOTOS_DEV: the name notebook 09 uses too
        if os.environ.get(name):
            return Path(os.environ[name])
    return DEFAULT_PHOTOS if DEFAULT_PHOTOS.is_dir() else None


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
    for row, letter in enumerate(labels["letter"]):
        if letter not in STATIC_LETTERS:
            raise ValueError(
                f"{labels_path}, line {row + 2} (file {labels['file'].iloc[row]}): letter {letter!r} is not one of "
                "the 24 static letters A–Y without J; fix or remove that row"
            )
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


def out_of_fold_probabilities(features: np.ndarray, y: np.ndarray, folds: int = 5, seed: int = 0):
    """Each row's probabilities from a head fitted on the *other* folds only (stratified k-fold).

    Returns ``(probabilities, splits)``; ``splits`` is the list of ``(train_idx, test_idx)``
    actually used, so a caller (or a test) can check that no photo is on both sides.
    """
    from sklearn.model_selection import StratifiedKFold

    probabilities = np.zeros((len(y), len(LETTERS)))
    splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(features, y))
    for train_idx, test_idx in splits:
        head = make_photo_head().fit(features[train_idx], y[train_idx])
        probabilities[test_idx] = head_probabilities(head, features[test_idx])
    return probabilities, splits


def photo_head(model, folder: str | Path, folds: int = 5, seed: int = 0):
    """Train a photo head on the CNN's features of the photos; score it by stratified k-fold.

    Returns ``(per_letter, overall, head, splits)``: the scores come from cross-validation
    (each photo predicted by a head fitted on the other folds only; ``splits`` lists the
    ``(train_idx, test_idx)`` pairs used); ``head`` is then fitted on every photo, for
    predicting new pictures (``predict_letter(..., head=head)``).
    """
    from helpers.interpret import penultimate_features

    labels = load_labels(folder)
    features = penultimate_features(model, photo_inputs(folder, labels, use_box=True))
    y = labels["letter"].map(LETTERS.index).to_numpy()
    probabilities, splits = out_of_fold_probabilities(features, y, folds, seed)
    per_letter, overall = top_accuracy(labels["letter"], probabilities)
    return per_letter, overall, make_photo_head().fit(features, y), splits


def from_yolo_export(split_dir: str | Path, out_dir: str | Path, class_names: list[str] | None = None) -> Path:
    """Lay out one split of the Roboflow export (YOLOv5 format) as this module reads it.

    ``split_dir`` holds ``images/*.jpg`` and ``labels/*.txt`` (one line ``class cx cy w h``,
    relative to the image size). Classes are the letters A–Z in order unless ``class_names``
    says otherwise. Roboflow exports each source photo in up to three augmented versions
    (``A1_jpg.rf.<hash>.jpg``); we keep the first by name, so one person's photo is never
    counted three times. J and Z (motion letters) are dropped. Writes ``<letter>/<photo>``,
    ``labels.csv`` and a ``SOURCE.md`` naming the source in ``out_dir``, and returns it.
    """
    from PIL import Image

    split_dir, out_dir = Path(split_dir), Path(out_dir)
    names = class_names or [chr(ord("A") + k) for k in range(26)]
    images = sorted((split_dir / "images").glob("*.jpg"))
    if not images:
        raise FileNotFoundError(f"no images/*.jpg in {split_dir}: pass the folder of one split (e.g. .../train)")
    rows, seen = [], set()
    for image_path in images:
        source = re.sub(r"\.rf\.[0-9a-f]+$", "", image_path.stem)
        label_path = split_dir / "labels" / f"{image_path.stem}.txt"
        if source in seen or not label_path.is_file():
            continue
        lines = [line.split() for line in label_path.read_text().splitlines() if line.strip()]
        if not lines:
            continue
        klass, cx, cy, w, h = int(lines[0][0]), *map(float, lines[0][1:5])
        letter = names[klass]
        if letter not in STATIC_LETTERS:
            continue
        seen.add(source)
        with Image.open(image_path) as opened:
            width, height = opened.size
        (out_dir / letter).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(image_path, out_dir / letter / image_path.name)
        rows.append({
            "file": f"{letter}/{image_path.name}", "letter": letter,
            "x_min": round((cx - w / 2) * width), "y_min": round((cy - h / 2) * height),
            "x_max": round((cx + w / 2) * width), "y_max": round((cy + h / 2) * height),
            "width": width, "height": height,
        })
    pd.DataFrame(rows).to_csv(out_dir / "labels.csv", index=False)
    (out_dir / "SOURCE.md").write_text(
        f"{len(rows)} photos of {len({r['letter'] for r in rows})} letters from {PHOTOS_SOURCE['name']}, "
        f"{PHOTOS_SOURCE['roboflow']}; laid out by helpers.photos.from_yolo_export from {split_dir} "
        "(one version per source photo, J and Z dropped).\n"
    )
    return out_dir


def describe_source(folder: str | Path) -> str:
    """The first paragraph of the folder's ``SOURCE.md`` (where the photos come from), or a note that it has none."""
    source = Path(folder) / "SOURCE.md"
    if not source.is_file():
        return f"{folder} has no SOURCE.md: say yourself where these photos come from."
    paragraphs = [p for p in source.read_text().split("\n\n") if p.strip() and not p.lstrip().startswith("#")]
    return " ".join(paragraphs[0].split()) if paragraphs else f"{source} is empty."
