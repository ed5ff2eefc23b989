"""Stage one of your own hand: MediaPipe finds the hand and its 21 keypoints (notebook 09).

:class:`HandDetector` runs MediaPipe's Tasks ``HandLandmarker`` (a palm detector and a
landmark regressor, both CNNs) on a photo: IMAGE mode, confidence 0.3; when no hand is
found, it tries again on the photo padded with a border (the palm detector misses hands that
touch the edge or fill the frame), then on smaller copies of it (half and a quarter of its size),
then all of that again with the photo's contrast spread out (a dim or flat photo hides the hand).
:func:`draw_hand` draws the keypoints on a photo. Photo sets and their cached landmarks are
:mod:`helpers.hand_photo_sets`.

The landmarker bundle is found at ``$HAND_LANDMARKER_TASK``, ``../shared/models/hand_landmarker.task``
or ``artifacts/hands/hand_landmarker.task`` (first that exists), else downloaded.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from helpers.config import REPO_ROOT, artifacts_dir
from helpers.predict import load_image
from helpers.quiet import stderr_silenced

#: The official bundle (float16), from Google's MediaPipe model storage (Apache 2.0).
LANDMARKER_URL = (
    "https://storage.googleapis.com/mediapipe-models/hand_landmarker/hand_landmarker/float16/1/hand_landmarker.task"
)
MEDIAPIPE_PIN = "mediapipe==1.2.3"
#: Where an instructor's offline copies of the bundle and the photo sets live (``$COURSE_SHARED_DIR``, else
#: ``../shared`` beside the course); a learner's machine usually has no such folder.
SHARED = Path(os.environ.get("COURSE_SHARED_DIR") or REPO_ROOT.parent / "shared")
CONFIDENCE = 0.3
PAD_FRACTION = 0.25  # the retry adds this fraction of the longer side on every side
MAX_SIDE = 1024  # larger photos are shrunk first (phone photos are 4000 px wide)
RETRY_SCALES = (0.5, 0.25)  # smaller copies tried last: they find hands the full-size photo hides (chosen on
# leave-one-person-out accuracy, `make hands`)
#: The last retries: the photo with its histogram equalised (PIL's ``ImageOps.equalize``), which spreads the grey
#: levels of a dim or washed-out photo over the whole range (found 8 of the 35 hands missed in the dev photos)
RETRY_EQUALIZED = True


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
    """MediaPipe's hand landmarker, IMAGE mode, with retries (padded, smaller, equalised). Use it in a ``with`` block.

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

    def _tries(self, picture: Image.Image, sizes: list[tuple[float, bool]]):
        """(photo, scale, padded) to try in turn; the equalised copy is made only if every plain try missed."""
        for equalised in (False, True) if self.retry_padded and RETRY_EQUALIZED else (False,):
            look = ImageOps.equalize(picture) if equalised else picture
            for scale, padded in sizes:
                yield look, scale, padded

    def detect(self, image) -> Detection:
        """Every hand in one photo (path, bytes, PIL image or RGB array), EXIF orientation applied.

        Tries the photo as it is; if no hand is found, the photo padded with a border; then (if
        ``retry_padded``) the photo at half and at a quarter of its size, each as it is and padded; then
        all of these again on the photo with its histogram equalised. The landmarks are always in pixels
        of the (at most ``MAX_SIDE``) photo.
        """
        start = time.perf_counter()
        picture = open_photo(image)
        if max(picture.size) > MAX_SIDE:
            picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        sizes = [(1.0, False)] + ([(1.0, True)] + [(s, pad) for s in RETRY_SCALES for pad in (False, True)]
                                  if self.retry_padded else [])
        for look, scale, padded in self._tries(picture, sizes):
            landmarks, handedness, world = self.detect_framed(look, scale, padded)
            if len(landmarks):
                break
        padded = padded or scale != 1.0 or look is not picture  # found only on a retry
        return Detection(landmarks, handedness, picture.size, padded, time.perf_counter() - start, world)

    def detect_framed(self, picture: Image.Image, scale: float = 1.0, padded: bool = False):
        """One try of :meth:`detect`: the landmarker on ``picture`` resized by ``scale`` and, if ``padded``, with a
        border; returns ``(landmarks, handedness, world)``, the landmarks in pixels of ``picture``."""
        width, height = picture.size
        shown = picture if scale == 1.0 else picture.resize(
            (max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.LANCZOS)
        array = np.asarray(shown)
        pad = int(round(PAD_FRACTION * max(array.shape[:2]))) if padded else 0
        result = self._run(np.pad(array, ((pad, pad), (pad, pad), (0, 0))) if pad else array)
        full_w, full_h = array.shape[1] + 2 * pad, array.shape[0] + 2 * pad
        hands = [  # back to pixels of the photo: undo the padding, then the scale
            [((p.x * full_w - pad) / scale, (p.y * full_h - pad) / scale, p.z * full_w / scale) for p in hand]
            for hand in result.hand_landmarks
        ]
        landmarks = np.asarray(hands, dtype=np.float32).reshape(-1, 21, 3)
        handedness = [h[0].category_name for h in result.handedness]
        world = np.asarray([[(p.x, p.y, p.z) for p in hand] for hand in getattr(result, "hand_world_landmarks", [])],
                           dtype=np.float32).reshape(-1, 21, 3)
        return landmarks, handedness, world


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
