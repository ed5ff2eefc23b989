"""Stage one (helpers.hand_landmarks): every input path opens upright (EXIF orientation), unreadable
input gives a clear error, a real photo stored sideways gives the same hand, grey photos are told apart.

The test that runs MediaPipe is skipped, with the reason, where mediapipe, the landmarker bundle or
the signer photos are missing.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from helpers import hand_landmarks, hand_photo_sets

NEEDS_MEDIAPIPE = pytest.mark.skipif(hand_photo_sets.unavailable_reason() is not None,
                                     reason=f"MediaPipe pipeline unavailable: {hand_photo_sets.unavailable_reason()}")


# --------------------------------------------------------------------------- images, EXIF, the "no hand" path
def exif_rotated_jpeg() -> bytes:
    """A 60×40 landscape JPEG whose EXIF says "rotate 90° clockwise to show" (orientation 6)."""
    picture = Image.new("RGB", (60, 40), "black")
    picture.paste((255, 255, 255), (0, 0, 10, 40))  # a white band on the stored image's left
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_exif_orientation_is_applied_on_every_input_path(tmp_path):
    data = exif_rotated_jpeg()
    path = tmp_path / "rotated.jpg"
    path.write_bytes(data)
    with Image.open(io.BytesIO(data)) as pil:
        pil.load()
        for source in (path, str(path), data, memoryview(data), pil):
            upright = hand_landmarks.open_photo(source)
            assert upright.size == (40, 60), f"{type(source).__name__}: EXIF rotation not applied"
            assert np.asarray(upright)[0, :, 0].mean() > 200, "the white band is on top after rotating"


def test_unreadable_inputs_raise_clear_errors(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a photo")
    with pytest.raises(ValueError, match="cannot read"):
        hand_landmarks.open_photo(text)
    with pytest.raises(ValueError, match="cannot read"):
        hand_landmarks.open_photo(b"\x00\x01 not an image")
    with pytest.raises(ValueError, match="empty"):
        hand_landmarks.open_photo(b"")
    with pytest.raises(FileNotFoundError):
        hand_landmarks.open_photo(tmp_path / "missing.jpg")
    with pytest.raises(TypeError):
        hand_landmarks.open_photo(42)


@NEEDS_MEDIAPIPE
@pytest.mark.skipif(hand_photo_sets.photo_folder("signers") is None, reason="signer photos not available (ASL_PHOTOS_SIGNERS)")
def test_exif_rotated_real_photo_gives_the_same_hand(tmp_path):
    """A real photo stored sideways with an EXIF "rotate" tag is read upright: same landmarks."""
    folder = hand_photo_sets.photo_folder("signers")
    upright = Image.open(folder / hand_photo_sets.load_photo_set(folder)["file"][0]).convert("RGB")
    sideways = upright.transpose(Image.Transpose.ROTATE_90)  # stored rotated 90° counter-clockwise
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    buffer = io.BytesIO()
    sideways.save(buffer, format="JPEG", quality=95, exif=exif)
    with hand_landmarks.HandDetector() as detector:
        reference = detector.detect(upright)
        rotated = detector.detect(buffer.getvalue())
    assert reference.n_hands == 1 and rotated.n_hands == 1 and rotated.size == upright.size
    palm = np.linalg.norm(reference.landmarks[0, 9, :2] - reference.landmarks[0, 0, :2])
    assert np.abs(rotated.landmarks[0, :, :2] - reference.landmarks[0, :, :2]).max() < 0.25 * palm


class _Point:
    def __init__(self, x, y, z=0.0):
        self.x, self.y, self.z = x, y, z


class _Result:
    def __init__(self, hands):
        self.hand_landmarks = hands
        self.handedness = [[type("Category", (), {"category_name": "Right"})()] for _ in hands]


def test_retries_go_padded_then_smaller_and_give_pixels_of_the_photo(monkeypatch):
    """A landmarker that sees the hand only in the quarter-size padded copy: the landmarks still land on the
    photo's own pixels (the hand's centre), and the detection says it took a retry."""
    seen = []

    def run(array):
        seen.append(array.shape[:2])
        if array.shape[:2] != (30 + 2 * 10, 40 + 2 * 10):  # quarter of 120×160, padded by 25% of 40
            return _Result([])
        return _Result([[_Point(0.5, 0.5)] * 21])  # the centre of the padded copy

    detector = object.__new__(hand_landmarks.HandDetector)
    detector.retry_padded, detector._landmarker = True, object()
    monkeypatch.setattr(detector, "_run", run)
    detection = detector.detect(Image.new("RGB", (160, 120), "white"))
    assert seen == [(120, 160), (200, 240), (60, 80), (100, 120), (30, 40), (50, 60)]
    assert detection.n_hands == 1 and detection.padded and detection.size == (160, 120)
    np.testing.assert_allclose(detection.landmarks[0, 0, :2], [80, 60], atol=1e-4)
    detector.retry_padded = False
    seen.clear()
    assert detector.detect(Image.new("RGB", (160, 120), "white")).n_hands == 0 and len(seen) == 1


def test_detector_retries_a_dim_photo_with_its_histogram_equalised(monkeypatch):
    """A hand in a dim, flat photo is found on the equalised copy, after every retry of the photo as it is."""
    seen = []

    def run(array):  # a stand-in landmarker that sees a hand only where the photo has bright pixels
        seen.append(int(array.max()))
        return _Result([[_Point(0.25, 0.5)] * 21] if array.max() > 200 else [])

    dim = np.tile(np.linspace(10, 30, 160, dtype=np.uint8), (120, 1))  # grey levels 10–30 only
    detector = object.__new__(hand_landmarks.HandDetector)
    detector.retry_padded, detector._landmarker = True, object()
    monkeypatch.setattr(detector, "_run", run)
    detection = detector.detect(Image.fromarray(dim).convert("RGB"))
    assert len(seen) == 7 and max(seen[:6]) <= 30  # six tries of the photo as it is, then the equalised one
    assert detection.n_hands == 1 and detection.padded  # "found only on a retry"
    np.testing.assert_allclose(detection.landmarks[0, 0, :2], [40, 60], atol=1e-4)  # same pixels as the photo
    seen.clear()
    detector.retry_padded = False  # camera frames: one try only
    assert detector.detect(Image.fromarray(dim).convert("RGB")).n_hands == 0 and len(seen) == 1
    equalised = []
    monkeypatch.setattr(hand_landmarks.ImageOps, "equalize", lambda picture: equalised.append(1) or picture)
    detector.retry_padded = True
    assert detector.detect(Image.new("RGB", (160, 120), "white")).n_hands == 1 and not equalised  # found at once
