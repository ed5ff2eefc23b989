"""Your own hand, for real: hand landmarks (MediaPipe) + a small classifier on them.

Stage one, :class:`HandDetector`: MediaPipe's Tasks ``HandLandmarker`` (a palm detector
and a landmark regressor, both CNNs) turns a photo into 21 keypoints per hand. IMAGE
mode, confidence 0.3; when no hand is found, we try once more on the photo padded with
a border (the palm detector misses hands that touch the edge or fill the frame).

Stage two: :func:`hand_features` makes the keypoints independent of where the hand is
(wrist-centred) and how big it is (divided by the palm size), and adds the 210 pairwise
distances. Left and right hands are handled by showing the classifier each hand *and its
mirror image* in training and averaging both at prediction (:func:`predict_proba`), so
the prediction does not care which hand you use. Rotation is deliberately *not* removed:
H and U differ only by rotation, and so do G, P and Q.

Evaluation is by signer: leave-one-signer-out over the 7 signers of Sign Language MNIST's
source photos, and cross-set (train on the signers, test on other people's photos, and
the other way round). Photos where no hand is found count as wrong.

    python -m helpers.hands [--signers DIR] [--dev DIR] [--task FILE]   # `make hands`

writes ``build/hands.json`` and ``build/hands.md``, and saves the classifier trained on
every photo to ``artifacts/hands/hand_classifier.keras`` for the upload demos.

Where things are found (first that exists): the landmarker bundle ``$HAND_LANDMARKER_TASK``,
``../shared/models/hand_landmarker.task``, ``artifacts/hands/hand_landmarker.task``;
the photo sets ``$ASL_PHOTOS_SIGNERS`` / ``$ASL_PHOTOS_DEV``, else ``../shared/data/...``.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageOps, UnidentifiedImageError

from helpers.config import LETTERS, NUM_CLASSES, REPO_ROOT, VALID_LABELS, artifacts_dir, build_dir
from helpers.predict import load_image
from helpers.quiet import stderr_silenced

#: The official bundle (float16), from Google's MediaPipe model storage (Apache 2.0).
LANDMARKER_URL = (
    "https://storage.googleapis.com/mediapipe-models/hand_landmarker/hand_landmarker/float16/1/hand_landmarker.task"
)
MEDIAPIPE_PIN = "mediapipe==1.2.3"
SHARED = REPO_ROOT.parent / "shared"
#: Where each photo set comes from (cite this wherever a learner is pointed to it).
PHOTO_SETS = {
    "signers": {
        "env": "ASL_PHOTOS_SIGNERS",
        "default": SHARED / "data" / "asl_photos_signers",
        "origin": "Dataset.zip of github.com/mon95/Sign-Language-and-Static-gesture-recognition-using-sklearn "
                  "(7 signers, 1,680 webcam photos; the source photos of Sign Language MNIST's training set)",
        "licence": "no licence stated by the repository",
    },
    "dev": {
        "env": "ASL_PHOTOS_DEV",
        "default": SHARED / "data" / "asl_photos_dev",
        "origin": "Roboflow 'American Sign Language Letters' v1 (public.roboflow.com/object-detection/"
                  "american-sign-language-letters), train split, one version per source photo",
        "licence": "Public Domain per its Roboflow page (another copy says CC BY 4.0)",
    },
}
CONFIDENCE = 0.3
PAD_FRACTION = 0.25  # the retry adds this fraction of the longer side on every side
MAX_SIDE = 1024  # larger photos are shrunk first (phone photos are 4000 px wide)
WRIST, PALM_POINTS = 0, (5, 9, 13, 17)  # the four knuckles (MCP joints) around the palm
CACHE_VERSION = 1
MISSED = -1  # label of "no hand found" in predictions


# --------------------------------------------------------------------------- paths
def landmarker_path(path: str | Path | None = None) -> Path:
    """The hand landmarker bundle: ``path``, ``$HAND_LANDMARKER_TASK``, the shared copy, or a download."""
    candidates = [path, os.environ.get("HAND_LANDMARKER_TASK"), SHARED / "models" / "hand_landmarker.task",
                  artifacts_dir() / "hands" / "hand_landmarker.task"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    if path or os.environ.get("HAND_LANDMARKER_TASK"):
        raise FileNotFoundError(f"hand landmarker bundle not found: {path or os.environ['HAND_LANDMARKER_TASK']}")
    target = artifacts_dir() / "hands" / "hand_landmarker.task"
    target.parent.mkdir(parents=True, exist_ok=True)
    import urllib.request

    tmp = target.with_suffix(".part")
    try:
        urllib.request.urlretrieve(LANDMARKER_URL, tmp)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise FileNotFoundError(
            f"no hand landmarker bundle here and the download failed ({error}). Download {LANDMARKER_URL} "
            "and set HAND_LANDMARKER_TASK to its path."
        ) from None
    os.replace(tmp, target)
    return target


def photo_folder(name: str, folder: str | Path | None = None) -> Path | None:
    """A photo set's folder: ``folder``, its environment variable, or the shared copy; None if absent."""
    spec = PHOTO_SETS[name]
    for candidate in (folder, os.environ.get(spec["env"]), spec["default"]):
        if candidate and (Path(candidate) / "labels.csv").is_file():
            return Path(candidate)
    return None


def unavailable_reason(need_photos: bool = False) -> str | None:
    """Why the landmark pipeline cannot run here (mediapipe, the bundle or, if ``need_photos``, a photo set
    missing), else None. Notebook 09's test skips with this reason outside CI."""
    try:
        import mediapipe  # noqa: F401
    except ImportError:
        return f"mediapipe is not installed (pip install {MEDIAPIPE_PIN})"
    env = os.environ.get("HAND_LANDMARKER_TASK")
    local = [Path(env)] if env else [SHARED / "models" / "hand_landmarker.task", artifacts_dir() / "hands" / "hand_landmarker.task"]
    if not any(p.is_file() for p in local):
        return f"no hand landmarker bundle (set HAND_LANDMARKER_TASK, or download {LANDMARKER_URL})"
    if need_photos:
        for name, spec in PHOTO_SETS.items():
            if photo_folder(name) is None:
                return f"the {name} photo set is missing (set {spec['env']} to a folder with labels.csv)"
    return None


# --------------------------------------------------------------------------- images
def open_photo(image) -> Image.Image:
    """An RGB PIL image, upright: EXIF orientation applied for a path, bytes or a PIL image.

    Phones store a photo sideways and write "rotate me" in its EXIF tags; every viewer
    applies it, so must we (a sideways hand is another letter). NumPy arrays (H×W×3
    uint8, or H×W grey) are taken as they are.
    """
    if isinstance(image, (bytes, bytearray, memoryview)) and not bytes(image):
        raise ValueError("the uploaded file is empty")
    return load_image(image).convert("RGB")  # the course's one loader: path, bytes, file, PIL or array


# --------------------------------------------------------------------------- stage one: landmarks
@dataclass
class Detection:
    """Hands found in one photo: ``landmarks`` (hands, 21, 3) in pixels of ``size`` (z on x's scale)."""

    landmarks: np.ndarray
    handedness: list[str]
    size: tuple[int, int]
    padded: bool = False
    seconds: float = 0.0

    @property
    def n_hands(self) -> int:
        return len(self.landmarks)

    def largest(self) -> np.ndarray | None:
        """The landmarks of the hand with the largest box (the signer's, usually), or None."""
        if not self.n_hands:
            return None
        spans = np.ptp(self.landmarks[:, :, :2], axis=1).prod(axis=1)
        return self.landmarks[int(np.argmax(spans))]


class HandDetector:
    """MediaPipe's hand landmarker, IMAGE mode, with one padded retry. Use it in a ``with`` block.

    ``with HandDetector() as detector: detection = detector.detect("photo.jpg")``. The
    landmarker holds native resources: closing it (the ``with`` block does) avoids a
    ``TypeError`` from its ``__del__`` at interpreter exit.
    """

    def __init__(self, task: str | Path | None = None, confidence: float = CONFIDENCE, max_hands: int = 2,
                 retry_padded: bool = True):
        self.task = landmarker_path(task)
        self.retry_padded = retry_padded
        with stderr_silenced():  # importing mediapipe and creating the landmarker log C++ notices
            from mediapipe.tasks.python import BaseOptions, vision
        options = vision.HandLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.task)),
            running_mode=vision.RunningMode.IMAGE, num_hands=max_hands,
            min_hand_detection_confidence=confidence, min_hand_presence_confidence=confidence,
            min_tracking_confidence=confidence,
        )
        with stderr_silenced():
            self._landmarker = vision.HandLandmarker.create_from_options(options)

    def __enter__(self) -> HandDetector:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._landmarker is not None:
            with stderr_silenced():
                self._landmarker.close()
            self._landmarker = None

    def _run(self, array: np.ndarray):
        import mediapipe as mp

        if self._landmarker is None:
            raise RuntimeError("this HandDetector is closed: create a new one")
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(array))
        with stderr_silenced():
            return self._landmarker.detect(image)

    def detect(self, image) -> Detection:
        """Every hand in one photo (path, bytes, PIL image or RGB array), EXIF orientation applied."""
        start = time.perf_counter()
        picture = open_photo(image)
        if max(picture.size) > MAX_SIDE:
            picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        array = np.asarray(picture)
        height, width = array.shape[:2]
        result, padded, pad = self._run(array), False, 0
        if not result.hand_landmarks and self.retry_padded:
            pad = int(round(PAD_FRACTION * max(height, width)))
            result, padded = self._run(np.pad(array, ((pad, pad), (pad, pad), (0, 0)))), True
        full_w, full_h = width + 2 * pad, height + 2 * pad
        hands = [
            [(p.x * full_w - pad, p.y * full_h - pad, p.z * full_w) for p in hand] for hand in result.hand_landmarks
        ]
        landmarks = np.asarray(hands, dtype=np.float32).reshape(-1, 21, 3)
        handedness = [h[0].category_name for h in result.handedness]
        return Detection(landmarks, handedness, (width, height), padded, time.perf_counter() - start)


# --------------------------------------------------------------------------- photo sets and the cache
def load_photo_set(folder: str | Path) -> pd.DataFrame:
    """``labels.csv`` of a photo folder: ``file``, ``letter`` and ``signer`` (``"unknown"`` if not given)."""
    folder = Path(folder)
    path = folder / "labels.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: a photo folder needs a labels.csv with file and letter columns")
    labels = pd.read_csv(path)
    missing = {"file", "letter"} - set(labels.columns)
    if missing:
        raise ValueError(f"{path} lacks the columns {sorted(missing)}")
    if "signer" not in labels.columns:
        labels["signer"] = "unknown"
    unknown = set(labels["letter"]) - {LETTERS[k] for k in VALID_LABELS}
    if unknown:
        raise ValueError(f"{path}: letters {sorted(unknown)} are not static letters A–Y without J")
    return labels.reset_index(drop=True)


def write_signer_labels(folder: str | Path) -> Path:
    """Write ``labels.csv`` for the 7-signer photos as unpacked from their public ``Dataset.zip``.

    The zip holds ``user_<N>/<letter><k>.jpg`` (e.g. ``user_3/A0.jpg``): the letter is the
    first character of the file name, the signer the folder. Returns the CSV's path.
    """
    folder = Path(folder)
    rows = [
        {"file": path.relative_to(folder).as_posix(), "letter": path.name[0].upper(), "signer": path.parent.name}
        for path in sorted(folder.glob("user_*/*.jpg"))
        if path.name[0].upper() in {LETTERS[k] for k in VALID_LABELS}
    ]
    if not rows:
        raise FileNotFoundError(f"no user_*/<letter><k>.jpg photos in {folder}: point to the unpacked Dataset folder")
    path = folder / "labels.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def is_grey_photo(path: str | Path) -> bool:
    """True for a photo whose three colour channels are (nearly) equal: a grey-scale picture."""
    pixels = np.asarray(open_photo(path), dtype=np.int16)
    return bool(np.abs(pixels - pixels.mean(axis=2, keepdims=True)).max() < 12)


def few_per_letter(labels: pd.DataFrame, n: int, seed: int = 0) -> pd.DataFrame:
    """At most ``n`` photos per letter and signer (fast mode), in a seeded random choice."""
    shuffled = labels.sample(frac=1.0, random_state=seed)
    keep = shuffled.groupby(["signer", "letter"]).cumcount() < n
    return shuffled[keep].sort_index().reset_index(drop=True)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_key(folder: Path, files: list[str], task: Path) -> str:
    """Changes when the photos (names, sizes, times), the bundle or the detection recipe change."""
    digest = hashlib.sha256(f"v{CACHE_VERSION} conf={CONFIDENCE} pad={PAD_FRACTION} max={MAX_SIDE}".encode())
    digest.update(_file_sha256(task).encode())
    for name in files:
        stat = (folder / name).stat()
        digest.update(f"{name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
    return digest.hexdigest()[:16]


def detect_photo_set(folder: str | Path, labels: pd.DataFrame | None = None, task: str | Path | None = None,
                     cache_dir: str | Path | None = None, verbose: bool = True) -> dict[str, np.ndarray]:
    """Landmarks of every photo in a set, cached in an ``.npz`` (detection runs once per set and bundle).

    Returns arrays, one row per photo: ``photo`` (its file), ``letter``, ``signer``, ``landmarks``
    (N, 21, 3; NaN where no hand was found), ``found``, ``n_hands``, ``padded`` and
    ``seconds`` (detection time per photo, reading the file included).
    """
    from helpers.data import load_npz, save_npz_atomic

    folder = Path(folder)
    labels = load_photo_set(folder) if labels is None else labels.reset_index(drop=True)
    task = landmarker_path(task)
    files = labels["file"].astype(str).tolist()
    cache = Path(cache_dir or artifacts_dir() / "hands") / f"landmarks_{folder.name}_{cache_key(folder, files, task)}.npz"
    if cache.is_file():
        if verbose:
            print(f"Landmarks of {len(files)} photos loaded from the cache {cache.name}")
        return load_npz(cache)
    landmarks = np.full((len(files), 21, 3), np.nan, dtype=np.float32)
    n_hands = np.zeros(len(files), dtype=np.int64)
    padded = np.zeros(len(files), dtype=bool)
    seconds = np.zeros(len(files), dtype=np.float64)
    with HandDetector(task) as detector:
        for i, name in enumerate(files):
            detection = detector.detect(folder / name)
            n_hands[i], padded[i], seconds[i] = detection.n_hands, detection.padded, detection.seconds
            if detection.n_hands:
                landmarks[i] = detection.largest()
    arrays = {
        "photo": np.asarray(files), "letter": labels["letter"].to_numpy(dtype=str),
        "signer": labels["signer"].astype(str).to_numpy(dtype=str), "landmarks": landmarks,
        "found": n_hands > 0, "n_hands": n_hands, "padded": padded, "seconds": seconds,
    }
    save_npz_atomic(cache, **arrays)
    if verbose:
        print(f"Detected hands in {arrays['found'].sum()} of {len(files)} photos "
              f"({1000 * seconds.mean():.0f} ms per photo); cached in {cache.name}")
    return arrays


# --------------------------------------------------------------------------- stage two: features
def mirror(landmarks: np.ndarray) -> np.ndarray:
    """The same hand seen in a mirror: x → −x (a left hand becomes a right hand)."""
    return np.asarray(landmarks, dtype=np.float32) * np.array([-1.0, 1.0, 1.0], dtype=np.float32)


def hand_features(landmarks: np.ndarray) -> np.ndarray:
    """21 keypoints (…, 21, 3) → 270 numbers that ignore where the hand is and how big it is.

    Wrist-centred x, y, z of the 20 other points divided by the palm size (mean wrist-to-
    knuckle distance), then the 210 distances between every pair of the 21 points, on the
    same scale. Rotation is kept: it tells H from U and G from P and Q.
    """
    points = np.asarray(landmarks, dtype=np.float32)
    centred = points - points[..., :1, :]
    palm = np.linalg.norm(centred[..., [5, 9, 13, 17], :], axis=-1).mean(axis=-1)
    scaled = centred / np.maximum(palm, 1e-6)[..., None, None]
    coordinates = scaled[..., 1:, :].reshape(*points.shape[:-2], 60)
    i, j = np.triu_indices(21, k=1)
    distances = np.linalg.norm(scaled[..., i, :] - scaled[..., j, :], axis=-1)
    return np.concatenate([coordinates, distances], axis=-1)


def rotate(landmarks: np.ndarray, degrees: float) -> np.ndarray:
    """The hand turned by ``degrees`` in the image plane (counter-clockwise on screen), around its wrist."""
    points = np.asarray(landmarks, dtype=np.float32)
    t = np.deg2rad(degrees)
    turn = np.array([[np.cos(t), np.sin(t), 0], [-np.sin(t), np.cos(t), 0], [0, 0, 1]], dtype=np.float32)
    wrist = points[..., :1, :]
    return (points - wrist) @ turn.T + wrist


def training_set(landmarks: np.ndarray, labels: np.ndarray, rotations: tuple[float, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
    """Features of every hand and of its mirror image (and of turned copies, if ``rotations``), with their labels."""
    variants = [np.asarray(landmarks, dtype=np.float32)] + [rotate(landmarks, d) for d in rotations]
    variants += [mirror(v) for v in variants]
    features = np.concatenate([hand_features(v) for v in variants])
    return features, np.concatenate([labels] * len(variants))


# --------------------------------------------------------------------------- the classifiers
def build_hand_classifier(train_features: np.ndarray, hidden: tuple[int, ...] = (128, 64), dropout: float = 0.3,
                          learning_rate: float = 1e-3):
    """A small dense network: standardise (statistics of the training features), 2 hidden layers, 25 letters."""
    import keras

    normalise = keras.layers.Normalization(name="standardise")
    normalise.adapt(np.asarray(train_features, dtype=np.float32))
    inputs = keras.Input(shape=(train_features.shape[1],), name="hand_features")
    x = normalise(inputs)
    for units in hidden:
        x = keras.layers.Dense(units, activation="relu")(x)
        x = keras.layers.Dropout(dropout)(x)
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax", name="letter")(x)
    model = keras.Model(inputs, outputs, name="hand_classifier")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def train_hand_classifier(landmarks: np.ndarray, labels: np.ndarray, epochs: int = 60, batch_size: int = 256,
                          seed: int = 0, rotations: tuple[float, ...] = (), **build_options):
    """Train the Keras classifier on hands and their mirror images; labels are 0..24 (A..Y)."""
    import keras

    keras.utils.set_random_seed(seed)
    x, y = training_set(landmarks, labels, rotations)
    model = build_hand_classifier(x, **build_options)
    with stderr_silenced():  # TensorFlow's C++ data pipeline logs notices that are not errors
        model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0)
    return model


def predict_proba(model, landmarks: np.ndarray) -> np.ndarray:
    """Letter probabilities (N, 25): the mean of the model's answers for each hand and its mirror image."""
    landmarks = np.asarray(landmarks, dtype=np.float32).reshape(-1, 21, 3)
    both = np.concatenate([hand_features(landmarks), hand_features(mirror(landmarks))])
    probabilities = np.asarray(model(both, training=False))
    return (probabilities[: len(landmarks)] + probabilities[len(landmarks):]) / 2


class LogisticBaseline:
    """scikit-learn baseline with the same interface: standardise + logistic regression, mirrors included."""

    def __init__(self, C: float = 1.0):
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        self.pipeline = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=3000))

    def fit(self, landmarks: np.ndarray, labels: np.ndarray) -> LogisticBaseline:
        self.pipeline.fit(*training_set(landmarks, labels))
        return self

    def __call__(self, features: np.ndarray, training: bool = False) -> np.ndarray:
        probabilities = np.zeros((len(features), NUM_CLASSES))
        probabilities[:, self.pipeline.classes_] = self.pipeline.predict_proba(features)
        return probabilities


def default_classifier_path() -> Path:
    return artifacts_dir() / "hands" / "hand_classifier.keras"


def save_classifier(model, path: str | Path | None = None) -> Path:
    """Save the Keras classifier (a ``.keras`` file, written atomically)."""
    path = Path(path or default_classifier_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.keras")
    model.save(tmp)
    os.replace(tmp, path)
    return path


def load_classifier(path: str | Path | None = None):
    """Load a saved classifier with ``safe_mode=True`` (no arbitrary code from the file)."""
    import keras

    path = Path(path or default_classifier_path())
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no trained hand classifier. Run notebook 09 or `make hands` first.")
    return keras.models.load_model(path, safe_mode=True)


# --------------------------------------------------------------------------- evaluation
def letter_indices(letters) -> np.ndarray:
    return np.array([LETTERS.index(str(letter)) for letter in letters], dtype=np.int64)


def signer_folds(signers, n_splits: int | None = None):
    """Train/test index pairs where each signer is entirely in train or entirely in test.

    ``LeaveOneGroupOut`` (one signer per fold), or ``GroupKFold(n_splits)`` when given.
    """
    from sklearn.model_selection import GroupKFold, LeaveOneGroupOut

    signers = np.asarray(signers)
    splitter = LeaveOneGroupOut() if n_splits is None else GroupKFold(n_splits=n_splits)
    return list(splitter.split(np.zeros(len(signers)), groups=signers))


def scores(letters, probabilities: np.ndarray, found: np.ndarray) -> tuple[dict, pd.DataFrame, np.ndarray]:
    """Top-1/top-3 over ALL photos (a missed hand counts as wrong), detection rate, per letter.

    Returns ``(overall, per_letter, predicted)`` with ``predicted`` = -1 where no hand was found.
    """
    truth = letter_indices(letters)
    found = np.asarray(found, dtype=bool)
    probabilities = np.asarray(probabilities, dtype=np.float64).copy()
    probabilities[:, [k for k in range(NUM_CLASSES) if k not in VALID_LABELS]] = -1.0
    top3 = np.argsort(-probabilities, axis=1)[:, :3]
    top1_ok = found & (top3[:, 0] == truth)
    top3_ok = found & (top3 == truth[:, None]).any(axis=1)
    predicted = np.where(found, top3[:, 0], MISSED)
    frame = pd.DataFrame({"letter": np.asarray(letters), "found": found, "top1": top1_ok, "top3": top3_ok})
    per_letter = frame.groupby("letter").agg(photos=("top1", "size"), detected=("found", "mean"),
                                             top1=("top1", "mean"), top3=("top3", "mean")).round(3)
    overall = {
        "photos": int(len(frame)), "detection_rate": round(float(found.mean()), 4),
        "top1": round(float(top1_ok.mean()), 4), "top3": round(float(top3_ok.mean()), 4),
        "top1_of_detected": round(float(top1_ok[found].mean()), 4) if found.any() else 0.0,
    }
    return overall, per_letter, predicted


def fit_and_predict(kind: str, train: dict, test: dict, seed: int = 0, epochs: int = 60, **options) -> np.ndarray:
    """Train ``kind`` ("keras" or "logistic") on the found hands of ``train``; probabilities for ``test``.

    ``train``/``test`` are :func:`detect_photo_set` arrays (or index subsets of one).
    Rows of ``test`` without a hand get all-zero probabilities (scored as wrong).
    """
    found = train["found"]
    x, y = train["landmarks"][found], letter_indices(train["letter"][found])
    if kind == "keras":
        model = train_hand_classifier(x, y, epochs=epochs, seed=seed, **options)
    elif kind == "logistic":
        model = LogisticBaseline().fit(x, y)
    else:
        raise ValueError(f"unknown classifier {kind!r}: use 'keras' or 'logistic'")
    probabilities = np.zeros((len(test["found"]), NUM_CLASSES))
    if test["found"].any():
        probabilities[test["found"]] = predict_proba(model, test["landmarks"][test["found"]])
    return probabilities


def take(arrays: dict, index) -> dict:
    """Rows ``index`` of every per-photo array."""
    return {key: value[index] for key, value in arrays.items()}


def leave_one_signer_out(arrays: dict, kind: str = "keras", seed: int = 0, epochs: int = 60, **options) -> np.ndarray:
    """Probabilities for every photo from a classifier that never saw its signer (misses: zeros)."""
    probabilities = np.zeros((len(arrays["found"]), NUM_CLASSES))
    for train_idx, test_idx in signer_folds(arrays["signer"]):
        probabilities[test_idx] = fit_and_predict(kind, take(arrays, train_idx), take(arrays, test_idx), seed, epochs,
                                                  **options)
    return probabilities


def confusions(letters, predicted: np.ndarray, n: int = 10) -> pd.DataFrame:
    """The most frequent (true letter → predicted letter) mistakes; a missed hand reads "no hand"."""
    names = np.array(["no hand" if p == MISSED else LETTERS[p] for p in predicted])
    frame = pd.DataFrame({"true": np.asarray(letters), "predicted": names})
    wrong = frame[frame["true"] != frame["predicted"]]
    return wrong.value_counts().head(n).rename("photos").reset_index()


# --------------------------------------------------------------------------- your own photo
@dataclass
class HandPrediction:
    """What :func:`predict_letter_from_photo` found: ``letters`` is empty when it cannot tell."""

    letters: list[tuple[str, float]]
    message: str
    image: Image.Image | None = None
    landmarks: np.ndarray | None = None  # (21, 3) pixels of ``image``, the hand that was read
    all_landmarks: np.ndarray = field(default_factory=lambda: np.zeros((0, 21, 3), np.float32))

    def __str__(self) -> str:
        return self.message


ADVICE = ("Tips: palm towards the camera, the whole hand in the picture filling about a third of the frame, "
          "plain background, good light, one hand only.")


def predict_letter_from_photo(image, model=None, detector: HandDetector | None = None, k: int = 3,
                              use_largest: bool = False) -> HandPrediction:
    """Top-``k`` letters for one photo (path, bytes, PIL image or RGB array), EXIF orientation honoured.

    No hand found: the result says so and holds no letter (never a silent guess). Several
    hands: no letter either, unless ``use_largest=True``. An unreadable file raises
    ``ValueError``. ``model`` defaults to the saved classifier (notebook 09 / `make hands`).
    """
    picture = open_photo(image)  # raises for unreadable input, before any model is loaded
    model = load_classifier() if model is None else model
    if detector is None:
        with HandDetector() as own:
            detection = own.detect(picture)
    else:
        detection = detector.detect(picture)
    if max(picture.size) > MAX_SIDE:
        picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    if detection.n_hands == 0:
        return HandPrediction([], "No hand found in this photo, so no letter. " + ADVICE, picture)
    if detection.n_hands > 1 and not use_largest:
        return HandPrediction([], f"{detection.n_hands} hands found: photograph one hand (or pass use_largest=True). "
                              + ADVICE, picture, None, detection.landmarks)
    hand = detection.largest()
    probabilities = predict_proba(model, hand)[0]
    probabilities[[c for c in range(NUM_CLASSES) if c not in VALID_LABELS]] = 0.0
    order = np.argsort(-probabilities)[:k]
    letters = [(LETTERS[c], float(probabilities[c])) for c in order]
    text = ", ".join(f"{letter} {100 * p:.0f}%" for letter, p in letters)
    advice = "" if letters[0][1] >= 0.5 else " The classifier is unsure. " + ADVICE
    return HandPrediction(letters, f"Top-{k}: {text}.{advice}", picture, hand, detection.landmarks)


# --------------------------------------------------------------------------- drawing
def draw_hand(ax, landmarks: np.ndarray | None, color: str = "lime") -> None:
    """Draw 21 keypoints and the bones between them on a matplotlib axis showing the photo."""
    if landmarks is None or np.isnan(landmarks).any():
        return
    for a, b in HAND_CONNECTIONS:
        ax.plot(landmarks[[a, b], 0], landmarks[[a, b], 1], color=color, linewidth=1.5)
    ax.scatter(landmarks[:, 0], landmarks[:, 1], s=8, color="red", zorder=3)


#: The bones: (from, to) landmark indices (wrist 0; thumb 1–4; index 5–8; middle 9–12; ring 13–16; pinky 17–20).
HAND_CONNECTIONS = ((0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (5, 9), (9, 10), (10, 11),
                    (11, 12), (9, 13), (13, 14), (14, 15), (15, 16), (13, 17), (0, 17), (17, 18), (18, 19), (19, 20))


# --------------------------------------------------------------------------- make hands
def markdown(report: dict) -> str:
    """The results as a Markdown table (README)."""
    lines = ["| evaluation | classifier | photos | hands detected | top-1 | top-3 |", "|---|---|---:|---:|---:|---:|"]
    for name, row in report["evaluations"].items():
        for kind, figures in row["classifiers"].items():
            rows = [(name, figures)]
            if "colour_photos_only" in figures:
                rows.append((f"{name}, colour photos only", figures["colour_photos_only"]))
            for title, row in rows:
                lines.append(f"| {title} | {kind} | {row['photos']} | {100 * row['detection_rate']:.1f}% | "
                             f"{100 * row['top1']:.1f}% | {100 * row['top3']:.1f}% |")
    lines.append("")
    lines.append(f"Missed hands count as wrong. Detection: {report['detection_ms_per_photo']} ms per photo "
                 f"(mean, {report['machine']}); bundle {report['bundle']}.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="Hand landmarks + a small classifier, evaluated by signer.")
    parser.add_argument("--signers", help="the 7-signer photo folder (default: $ASL_PHOTOS_SIGNERS or ../shared)")
    parser.add_argument("--dev", help="the other people's photo folder (default: $ASL_PHOTOS_DEV or ../shared)")
    parser.add_argument("--task", help="hand_landmarker.task (default: $HAND_LANDMARKER_TASK or ../shared)")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=256, help="the Keras classifier's batch size")
    parser.add_argument("--out", default=str(build_dir() / "hands.json"))
    args = parser.parse_args(argv)

    import platform

    from helpers.quiet import quiet_tensorflow

    quiet_tensorflow()
    signers_dir, dev_dir = photo_folder("signers", args.signers), photo_folder("dev", args.dev)
    if signers_dir is None:
        raise SystemExit("the signer photos were not found: pass --signers or set ASL_PHOTOS_SIGNERS")
    task = landmarker_path(args.task)
    sets = {"signers": detect_photo_set(signers_dir, task=task)}
    if dev_dir is not None:
        sets["dev"] = detect_photo_set(dev_dir, task=task)
    report: dict = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "command": " ".join(["python -m helpers.hands", *(argv if argv is not None else sys.argv[1:])]),
        "bundle": f"{task.name} sha256 {_file_sha256(task)[:12]}", "confidence": CONFIDENCE,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs", "epochs": args.epochs,
        "batch_size": args.batch_size, "seed": args.seed,
        "photo_sets": {}, "evaluations": {},
    }
    all_seconds = np.concatenate([s["seconds"] for s in sets.values()])
    report["detection_ms_per_photo"] = round(1000 * float(all_seconds.mean()), 1)
    grey = {name: np.array([is_grey_photo((signers_dir if name == "signers" else dev_dir) / f) for f in arrays["photo"]])
            for name, arrays in sets.items()}
    for name, arrays in sets.items():
        report["photo_sets"][name] = {
            "grey_scale_photos": int(grey[name].sum()),
            "detection_rate_colour_photos": round(float(arrays["found"][~grey[name]].mean()), 4) if (~grey[name]).any() else None,
            "folder": str(signers_dir if name == "signers" else dev_dir), "photos": int(len(arrays["found"])),
            "detection_rate": round(float(arrays["found"].mean()), 4),
            "found_only_on_padded_retry": int((arrays["found"] & arrays["padded"]).sum()),
            "several_hands": int((arrays["n_hands"] > 1).sum()),
            "ms_per_photo": round(1000 * float(arrays["seconds"].mean()), 1),
            "origin": PHOTO_SETS[name]["origin"], "licence": PHOTO_SETS[name]["licence"],
        }
    plans = {"leave one signer out (7 signers)": ("signers", None)}
    if "dev" in sets:
        plans["train 7 signers -> test dev photos"] = ("signers", "dev")
        plans["train dev photos -> test 7 signers"] = ("dev", "signers")
    options = {"keras": {"batch_size": args.batch_size}, "logistic": {}}
    for title, (train_name, test_name) in plans.items():
        entry: dict = {"classifiers": {}, "per_letter": {}, "top_confusions": {}}
        for kind in ("keras", "logistic"):
            start = time.perf_counter()
            if test_name is None:
                probabilities = leave_one_signer_out(sets[train_name], kind, args.seed, args.epochs,
                                                     **options[kind])
                tested = sets[train_name]
            else:
                tested = sets[test_name]
                probabilities = fit_and_predict(kind, sets[train_name], tested, args.seed, args.epochs, **options[kind])
            overall, per_letter, predicted = scores(tested["letter"], probabilities, tested["found"])
            overall["seconds"] = round(time.perf_counter() - start, 1)
            colour = ~grey[test_name or train_name]
            if not colour.all():  # the same photos without the export's grey-scale copies (a breakdown, not a choice)
                overall["colour_photos_only"] = scores(tested["letter"][colour], probabilities[colour], tested["found"][colour])[0]
            entry["classifiers"][kind] = overall
            entry["per_letter"][kind] = per_letter.to_dict(orient="index")
            entry["top_confusions"][kind] = confusions(tested["letter"], predicted).to_dict(orient="records")
            print(f"{title:40s} {kind:8s} top-1 {100 * overall['top1']:5.1f}%  top-3 {100 * overall['top3']:5.1f}%  "
                  f"detected {100 * overall['detection_rate']:5.1f}%  ({overall['seconds']} s)")
        report["evaluations"][title] = entry
    every = {key: np.concatenate([s[key] for s in sets.values()]) for key in sets["signers"]}
    found = every["found"]
    final = train_hand_classifier(every["landmarks"][found], letter_indices(every["letter"][found]),
                                  epochs=args.epochs, batch_size=args.batch_size, seed=args.seed)
    report["saved_classifier"] = str(save_classifier(final))
    report["saved_classifier_trained_on"] = sorted(sets)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    out.with_suffix(".md").write_text(markdown(report))
    print(f"\nwrote {out} and {out.with_suffix('.md')}; classifier (trained on {', '.join(sorted(sets))}) saved to "
          f"{report['saved_classifier']}")
    print(markdown(report))
    return report


if __name__ == "__main__":
    main()
