"""Stage one of your own hand: MediaPipe finds the hand and its 21 keypoints (notebook 09).

:class:`HandDetector` runs MediaPipe's Tasks ``HandLandmarker`` (a palm detector and a
landmark regressor, both CNNs) on a photo: IMAGE mode, confidence 0.3; when no hand is
found, it tries again on the photo padded with a border (the palm detector misses hands that
touch the edge or fill the frame), then on smaller copies of it (half and a quarter of its size). :func:`detect_photo_set` runs it over a folder of
photos once and caches the landmarks; :func:`draw_hand` draws them on a photo.

Where things are found (first that exists): the landmarker bundle ``$HAND_LANDMARKER_TASK``,
``../shared/models/hand_landmarker.task``, ``artifacts/hands/hand_landmarker.task`` (else it
is downloaded); the photo sets ``$ASL_PHOTOS_SIGNERS`` / ``$ASL_PHOTOS_DEV``, else ``../shared/data/...``.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from helpers.config import LETTERS, REPO_ROOT, VALID_LABELS, artifacts_dir
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
SHIPPED_KEYS = ("photo", "letter", "signer", "landmarks", "found", "n_hands")
CONFIDENCE = 0.3
PAD_FRACTION = 0.25  # the retry adds this fraction of the longer side on every side
MAX_SIDE = 1024  # larger photos are shrunk first (phone photos are 4000 px wide)
RETRY_SCALES = (0.5, 0.25)  # smaller copies tried last: they find hands the full-size photo hides (chosen on
# leave-one-person-out accuracy, `make hands`)
CACHE_VERSION = 3



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
    """Hands found in one photo: ``landmarks`` (hands, 21, 3) in pixels of ``size`` (z on x's scale), and
    ``world`` (hands, 21, 3): MediaPipe's *world* landmarks of the same hands, in metres around the hand's centre."""

    landmarks: np.ndarray
    handedness: list[str]
    size: tuple[int, int]
    padded: bool = False
    seconds: float = 0.0
    world: np.ndarray = field(default_factory=lambda: np.zeros((0, 21, 3), np.float32))

    @property
    def n_hands(self) -> int:
        return len(self.landmarks)

    def largest(self) -> np.ndarray | None:
        """The landmarks of the hand with the largest box (the signer's, usually), or None."""
        return None if not self.n_hands else self.landmarks[self.largest_index()]

    def largest_index(self) -> int:
        spans = np.ptp(self.landmarks[:, :, :2], axis=1).prod(axis=1)
        return int(np.argmax(spans))


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
        """Every hand in one photo (path, bytes, PIL image or RGB array), EXIF orientation applied.

        Tries the photo as it is; if no hand is found, the photo padded with a border; then (if
        ``retry_padded``) the photo at half and at a quarter of its size, each as it is and padded. The
        landmarks are always in pixels of the (at most ``MAX_SIDE``) photo.
        """
        start = time.perf_counter()
        picture = open_photo(image)
        if max(picture.size) > MAX_SIDE:
            picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        width, height = picture.size
        tries = [(1.0, False)] + ([(1.0, True)] + [(s, pad) for s in RETRY_SCALES for pad in (False, True)]
                                  if self.retry_padded else [])
        for scale, padded in tries:
            shown = picture if scale == 1.0 else picture.resize(
                (max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.LANCZOS)
            array = np.asarray(shown)
            pad = int(round(PAD_FRACTION * max(array.shape[:2]))) if padded else 0
            result = self._run(np.pad(array, ((pad, pad), (pad, pad), (0, 0))) if pad else array)
            if result.hand_landmarks:
                break
        full_w, full_h = array.shape[1] + 2 * pad, array.shape[0] + 2 * pad
        hands = [  # back to pixels of the photo: undo the padding, then the scale
            [((p.x * full_w - pad) / scale, (p.y * full_h - pad) / scale, p.z * full_w / scale) for p in hand]
            for hand in result.hand_landmarks
        ]
        landmarks = np.asarray(hands, dtype=np.float32).reshape(-1, 21, 3)
        handedness = [h[0].category_name for h in result.handedness]
        padded = padded or scale != 1.0  # found only on a retry
        world = np.asarray([[(p.x, p.y, p.z) for p in hand] for hand in getattr(result, "hand_world_landmarks", [])],
                           dtype=np.float32).reshape(-1, 21, 3)
        return Detection(landmarks, handedness, (width, height), padded, time.perf_counter() - start, world)


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
        f"v{CACHE_VERSION} conf={CONFIDENCE} pad={PAD_FRACTION} max={MAX_SIDE} scales={RETRY_SCALES}".encode())
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


def shipped_landmarks(name: str) -> dict[str, np.ndarray]:
    """The course's own copy of a photo set's landmarks (``data/hand_landmarks/<name>.npz``): the same arrays as
    :func:`detect_photo_set` gives (``photo``, ``letter``, ``signer``, ``landmarks``, ``found``, ``n_hands``)."""
    from helpers.data import load_npz

    path = SHIPPED / f"{name}.npz"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: it ships with the course (git checkout data/hand_landmarks), "
                                "or `make hands SHIP=1` writes it from the photos")
    return load_npz(path)


def landmarks_of(name: str, folder: str | Path | None = None, labels: pd.DataFrame | None = None,
                 task: str | Path | None = None) -> dict[str, np.ndarray]:
    """A photo set's landmarks: detected from its photos where they are here (cached), else the shipped copy.

    ``labels`` (a subset of the set's rows, e.g. a few per letter) keeps only those photos, in both cases.
    """
    where = photo_folder(name, folder)
    if where is not None:
        return detect_photo_set(where, labels, task)
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


def photo_set_labels(name: str, folder: str | Path | None = None) -> pd.DataFrame:
    """``file``, ``letter`` and ``signer`` of a photo set: its ``labels.csv`` if the photos are here, else the shipped rows."""
    where = photo_folder(name, folder)
    if where is not None:
        return load_photo_set(where)
    arrays = shipped_landmarks(name)
    return pd.DataFrame({"file": arrays["photo"], "letter": arrays["letter"], "signer": arrays["signer"]})


def ship_landmarks(name: str, arrays: dict[str, np.ndarray], out: str | Path | None = None) -> Path:
    """Write a photo set's landmarks as the course ships them (numbers only; ``make hands SHIP=1``)."""
    from helpers.data import save_npz_atomic

    path = Path(out or SHIPPED) / f"{name}.npz"
    return save_npz_atomic(path, **{key: arrays[key] for key in SHIPPED_KEYS})
