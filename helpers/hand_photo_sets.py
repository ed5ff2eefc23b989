"""Photo sets of hands and their landmarks, detected once and cached, or shipped with the course (notebook 09).

A photo set is a folder with a ``labels.csv`` (``file``, ``letter``, and ``signer`` or ``person``).
:func:`detect_photo_set` runs :class:`helpers.hand_landmarks.HandDetector` over it once and caches the
landmarks; :func:`landmarks_of` gives them from the photos where they are here, else from the copy that
ships with the course (``data/hand_landmarks``, numbers only).

The photo sets are found at ``$ASL_PHOTOS_SIGNERS`` / ``$ASL_PHOTOS_DEV`` / ``$ASL_PHOTOS_WEBCAM``, else
``../shared/data/...`` beside the course.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.config import LETTERS, REPO_ROOT, VALID_LABELS, artifacts_dir
from helpers.hand_landmarks import (CONFIDENCE, LANDMARKER_URL, MAX_SIDE, MEDIAPIPE_PIN, PAD_FRACTION, RETRY_EQUALIZED,
                                    RETRY_SCALES, SHARED, HandDetector, landmarker_path, open_photo)

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
    "webcam": {
        "env": "ASL_PHOTOS_WEBCAM",
        "default": SHARED / "data" / "asl_photos_webcam",
        "origin": "two people's webcam photos: github.com/kennethowen26/SignLanguageAlphabet (commit 5a23465f, "
                  "data/; 960 full frames) and github.com/Muneeb-Ahmed-Khan/sign-language-recognition (commit "
                  "0d1a1d6d, dataset/; 640 crops, 16 letters)",
        "licence": "no licence stated by either repository",
    },
}
#: The photo sets notebook 09 uses (``make hands`` uses every set it finds).
NOTEBOOK_SETS = ("signers", "dev")
#: The landmarks of every photo set, shipped with the course (numbers only, see its SOURCE.md): without the
#: photos, notebook 09 trains and measures on these. ``make hands SHIP=1`` writes them from the photos.
SHIPPED = REPO_ROOT / "data" / "hand_landmarks"
SHIPPED_KEYS = ("photo", "letter", "signer", "landmarks", "found", "n_hands", "padded", "seconds", "grey")
CACHE_VERSION = 3



def photo_folder(name: str, folder: str | Path | None = None) -> Path | None:
    """A photo set's folder: ``folder``, its environment variable, or the shared copy; None if absent.

    A ``folder`` given but without ``labels.csv`` is an error, never a silent switch to another set.
    """
    spec = PHOTO_SETS[name]
    if folder is not None and not (Path(folder) / "labels.csv").is_file():
        raise FileNotFoundError(f"{folder}: no labels.csv there. Point to the unpacked {name} photo folder "
                                f"(it has labels.csv), or leave it out to use ${spec['env']} or the shared copy.")
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
        for name in NOTEBOOK_SETS:
            spec = PHOTO_SETS[name]
            if photo_folder(name) is None:
                return f"the {name} photo set is missing (set {spec['env']} to a folder with labels.csv)"
    return None


# --------------------------------------------------------------------------- photo sets and the cache
def load_photo_set(folder: str | Path) -> pd.DataFrame:
    """``labels.csv`` of a photo folder: ``file``, ``letter`` and ``signer`` (its ``person`` column, else ``"unknown"``)."""
    folder = Path(folder)
    path = folder / "labels.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: a photo folder needs a labels.csv with file and letter columns")
    labels = pd.read_csv(path)
    missing = {"file", "letter"} - set(labels.columns)
    if missing:
        raise ValueError(f"{path} lacks the columns {sorted(missing)}")
    if "signer" not in labels.columns:
        labels["signer"] = labels["person"] if "person" in labels.columns else "unknown"
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


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_key(folder: Path, files: list[str], task: Path) -> str:
    """Changes when the photos (names, sizes, times), the bundle or the detection recipe change."""
    digest = hashlib.sha256(
        f"v{CACHE_VERSION} conf={CONFIDENCE} pad={PAD_FRACTION} max={MAX_SIDE} scales={RETRY_SCALES}"
        f"{' equalized' if RETRY_EQUALIZED else ''}".encode())
    digest.update(file_sha256(task).encode())
    for name in files:
        stat = (folder / name).stat()
        digest.update(f"{name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
    return digest.hexdigest()[:16]


def detect_photo_set(folder: str | Path, labels: pd.DataFrame | None = None, task: str | Path | None = None,
                     cache_dir: str | Path | None = None, verbose: bool = True) -> dict[str, np.ndarray]:
    """Landmarks of every photo in a set, cached in an ``.npz`` (detection runs once per set and bundle).

    Returns arrays, one row per photo: ``photo`` (its file), ``letter``, ``signer``, ``landmarks``
    (N, 21, 3; NaN where no hand was found), ``world`` (the same hands' world landmarks), ``found``, ``n_hands``, ``padded`` and
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
    world = np.full((len(files), 21, 3), np.nan, dtype=np.float32)
    n_hands = np.zeros(len(files), dtype=np.int64)
    padded = np.zeros(len(files), dtype=bool)
    seconds = np.zeros(len(files), dtype=np.float64)
    with HandDetector(task) as detector:
        for i, name in enumerate(files):
            detection = detector.detect(folder / name)
            n_hands[i], padded[i], seconds[i] = detection.n_hands, detection.padded, detection.seconds
            if detection.n_hands:
                landmarks[i] = detection.largest()
                if len(detection.world) == detection.n_hands:
                    world[i] = detection.world[detection.largest_index()]
    arrays = {
        "photo": np.asarray(files), "letter": labels["letter"].to_numpy(dtype=str),
        "signer": labels["signer"].astype(str).to_numpy(dtype=str), "landmarks": landmarks, "world": world,
        "found": n_hands > 0, "n_hands": n_hands, "padded": padded, "seconds": seconds,
    }
    save_npz_atomic(cache, **arrays)
    if verbose:
        print(f"Detected hands in {arrays['found'].sum()} of {len(files)} photos "
              f"({1000 * seconds.mean():.0f} ms per photo); cached in {cache.name}")
    return arrays


def shipped_landmarks(name: str) -> dict[str, np.ndarray]:
    """The course's own copy of a photo set's landmarks (``data/hand_landmarks/<name>.npz``): the arrays of
    :func:`landmarks_of` (``seconds``: the detection time per photo on the machine that made the copy)."""
    from helpers.data import load_npz

    path = SHIPPED / f"{name}.npz"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: it ships with the course (git checkout data/hand_landmarks), "
                                "or `make hands SHIP=1` writes it from the photos")
    return load_npz(path)


def landmarks_of(name: str, folder: str | Path | None = None, labels: pd.DataFrame | None = None,
                 task: str | Path | None = None, shipped: bool = False) -> dict[str, np.ndarray]:
    """A photo set's landmarks: detected from its photos where they are here (cached), else the shipped copy
    (always the shipped copy with ``shipped=True``).

    ``labels`` (a subset of the set's rows, e.g. a few per letter) keeps only those photos, in both cases.
    Besides :func:`detect_photo_set`'s arrays, ``grey`` says which photos are grey-scale pictures.
    """
    where = None if shipped else photo_folder(name, folder)
    if where is not None:
        arrays = detect_photo_set(where, labels, task)
        return {**arrays, "grey": np.array([is_grey_photo(where / f) for f in arrays["photo"]], dtype=bool)}
    arrays = shipped_landmarks(name)
    if labels is not None:
        row = {photo: i for i, photo in enumerate(arrays["photo"])}
        missing = [f for f in labels["file"] if f not in row]
        if missing:
            raise ValueError(f"{len(missing)} photos of these labels are not in the shipped {name} landmarks, "
                             f"e.g. {missing[0]}")
        index = np.array([row[f] for f in labels["file"]], dtype=np.int64)
        arrays = {key: value[index] for key, value in arrays.items()}
    return arrays


def join_sets(*marks: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Several photo sets' landmark arrays as one (the keys they all have), e.g. every person besides the signers."""
    keys = [key for key in marks[0] if all(key in m for m in marks[1:])]
    return {key: np.concatenate([m[key] for m in marks]) for key in keys}


def photo_set_labels(name: str, folder: str | Path | None = None, shipped: bool = False) -> pd.DataFrame:
    """``file``, ``letter`` and ``signer`` of a photo set: its ``labels.csv`` if the photos are here, else (or with
    ``shipped=True``) the shipped rows."""
    where = None if shipped else photo_folder(name, folder)
    if where is not None:
        return load_photo_set(where)
    arrays = shipped_landmarks(name)
    return pd.DataFrame({"file": arrays["photo"], "letter": arrays["letter"], "signer": arrays["signer"]})


def ship_landmarks(name: str, folder: str | Path, arrays: dict[str, np.ndarray], out: str | Path | None = None) -> Path:
    """Write a photo set's landmarks as the course ships them (numbers only; ``make hands SHIP=1``)."""
    from helpers.data import save_npz_atomic

    grey = np.array([is_grey_photo(Path(folder) / f) for f in arrays["photo"]], dtype=bool)
    path = Path(out or SHIPPED) / f"{name}.npz"
    return save_npz_atomic(path, **{**{key: arrays[key] for key in SHIPPED_KEYS if key != "grey"}, "grey": grey})
