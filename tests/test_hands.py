"""Hand landmarks + classifier (helpers.hands): invariances, train → save → load → predict,
the "no hand" and "several hands" paths, signer folds, EXIF orientation.

Tests that run MediaPipe itself are skipped, with the reason, where mediapipe or the
landmarker bundle (``$HAND_LANDMARKER_TASK`` or ../shared/models) is missing.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from helpers import hands
from helpers.config import LETTERS, VALID_LABELS

NEEDS_MEDIAPIPE = pytest.mark.skipif(hands.unavailable_reason() is not None,
                                     reason=f"MediaPipe pipeline unavailable: {hands.unavailable_reason()}")


def rotation_z(degrees: float) -> np.ndarray:
    t = np.deg2rad(degrees)
    return np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]], dtype=np.float32)


def base_hands(n_kinds: int, seed: int = 0) -> np.ndarray:
    """``n_kinds`` distinct synthetic hands (21 points each): a palm and five random finger directions."""
    rng = np.random.default_rng(seed)
    kinds = np.zeros((n_kinds, 21, 3), dtype=np.float32)
    knuckles = np.array([[-0.2, -0.6, 0], [0.2, -0.9, 0], [0.0, -1.0, 0], [-0.2, -0.95, 0], [-0.4, -0.85, 0]])
    for k in range(n_kinds):
        for finger in range(5):
            start = 1 + 4 * finger
            kinds[k, start] = knuckles[finger]
            direction = rng.normal(size=3) * [1, 1, 0.3]
            direction /= np.linalg.norm(direction)
            for joint in range(1, 4):
                kinds[k, start + joint] = kinds[k, start + joint - 1] + 0.3 * direction
    return kinds


def jittered(kinds: np.ndarray, per_kind: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Copies of each kind: noise, random position and size, and half of them mirrored (left hands)."""
    rng = np.random.default_rng(seed)
    landmarks, labels = [], []
    for k, hand in enumerate(kinds):
        for _ in range(per_kind):
            copy = hand + rng.normal(scale=0.02, size=hand.shape)
            copy = copy * rng.uniform(50, 300) + np.array([rng.uniform(0, 600), rng.uniform(0, 400), 0])
            landmarks.append(hands.mirror(copy) if rng.random() < 0.5 else copy)
            labels.append(VALID_LABELS[k])
    return np.asarray(landmarks, dtype=np.float32), np.asarray(labels)


# --------------------------------------------------------------------------- features
def test_features_ignore_position_and_size():
    hand = base_hands(1)[0] * 100 + 7
    reference = hands.hand_features(hand)
    assert reference.shape == (270,)
    moved = hand + np.array([123.0, -45.0, 3.0], dtype=np.float32)
    np.testing.assert_allclose(hands.hand_features(moved), reference, atol=1e-4)
    np.testing.assert_allclose(hands.hand_features(hand * 3.7), reference, atol=1e-4)


def test_mirroring_flips_x_features_and_the_prediction_ignores_it(trained):
    hand = base_hands(1)[0] * 100
    plain, mirrored = hands.hand_features(hand), hands.hand_features(hands.mirror(hand))
    np.testing.assert_allclose(mirrored[60:], plain[60:], atol=1e-5)  # distances: identical
    np.testing.assert_allclose(mirrored[:60:3], -plain[:60:3], atol=1e-5)  # x: negated
    np.testing.assert_allclose(mirrored[1:60:3], plain[1:60:3], atol=1e-5)  # y kept
    model, landmarks, _ = trained
    np.testing.assert_allclose(hands.predict_proba(model, hands.mirror(landmarks[:20])),
                               hands.predict_proba(model, landmarks[:20]), atol=1e-5)


def test_features_do_see_rotation():
    """Rotation is kept on purpose: H and U (and G, P, Q) differ only by it."""
    hand = base_hands(1)[0] * 100
    for degrees in (30, 90, 180):
        rotated = hand @ rotation_z(degrees).T
        assert np.abs(hands.hand_features(rotated) - hands.hand_features(hand)).max() > 0.1
        # distances alone would not see it
        np.testing.assert_allclose(hands.hand_features(rotated)[60:], hands.hand_features(hand)[60:], atol=1e-4)


# --------------------------------------------------------------------------- train, save, load, predict
@pytest.fixture(scope="module")
def trained():
    kinds = base_hands(len(VALID_LABELS))
    landmarks, labels = jittered(kinds, per_kind=12, seed=1)
    model = hands.train_hand_classifier(landmarks, labels, epochs=40, seed=0)
    return model, landmarks, kinds


def test_every_kind_survives_train_save_load_predict(trained, tmp_path):
    model, _, kinds = trained
    path = hands.save_classifier(model, tmp_path / "hand_classifier.keras")
    loaded = hands.load_classifier(path)
    test_landmarks, test_labels = jittered(kinds, per_kind=3, seed=2)
    before = hands.predict_proba(model, test_landmarks)
    after = hands.predict_proba(loaded, test_landmarks)
    np.testing.assert_allclose(after, before, atol=1e-5)
    assert (after.argmax(axis=1) == test_labels).mean() == 1.0, "each synthetic kind is recognised"
    overall, per_letter, predicted = hands.scores([LETTERS[k] for k in test_labels], after,
                                                  np.ones(len(test_labels), bool))
    assert overall["top1"] == 1.0 and len(per_letter) == len(VALID_LABELS)


def test_baseline_has_the_same_interface(trained):
    _, landmarks, kinds = trained
    labels = np.repeat(VALID_LABELS, 12)
    baseline = hands.LogisticBaseline().fit(landmarks, labels)
    test_landmarks, test_labels = jittered(kinds, per_kind=2, seed=3)
    probabilities = hands.predict_proba(baseline, test_landmarks)
    assert probabilities.shape == (len(test_labels), 25)
    assert (probabilities.argmax(axis=1) == test_labels).mean() > 0.9


def test_missing_classifier_says_what_to_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="notebook 09"):
        hands.load_classifier(tmp_path / "nothing.keras")


# --------------------------------------------------------------------------- scoring and folds
def test_missed_hands_count_as_wrong():
    letters = ["A", "B", "C", "D"]
    probabilities = np.zeros((4, 25))
    probabilities[[0, 1, 2], [0, 1, 0]] = 1.0  # A right, B right, C wrong, D: no hand (all zeros)
    found = np.array([True, True, True, False])
    overall, _, predicted = hands.scores(letters, probabilities, found)
    assert overall["top1"] == 0.5 and overall["detection_rate"] == 0.75
    assert predicted[3] == hands.MISSED
    assert hands.confusions(letters, predicted)["predicted"].tolist().count("no hand") == 1


@pytest.mark.parametrize("n_splits", [None, 3])
def test_signer_folds_never_split_a_signer(n_splits):
    signers = np.repeat([f"user_{k}" for k in (3, 4, 5, 6, 7, 9, 10)], 24)
    folds = hands.signer_folds(signers, n_splits)
    assert len(folds) == (7 if n_splits is None else 3)
    tested = np.concatenate([test for _, test in folds])
    assert sorted(tested) == list(range(len(signers))), "every photo is tested exactly once"
    for train_idx, test_idx in folds:
        assert not set(signers[train_idx]) & set(signers[test_idx])


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
            upright = hands.open_photo(source)
            assert upright.size == (40, 60), f"{type(source).__name__}: EXIF rotation not applied"
            assert np.asarray(upright)[0, :, 0].mean() > 200, "the white band is on top after rotating"


def test_unreadable_inputs_raise_clear_errors(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a photo")
    with pytest.raises(ValueError, match="cannot read"):
        hands.open_photo(text)
    with pytest.raises(ValueError, match="cannot read"):
        hands.open_photo(b"\x00\x01 not an image")
    with pytest.raises(ValueError, match="empty"):
        hands.open_photo(b"")
    with pytest.raises(FileNotFoundError):
        hands.open_photo(tmp_path / "missing.jpg")
    with pytest.raises(TypeError):
        hands.open_photo(42)


class FakeDetector:
    def __init__(self, landmarks):
        self.landmarks = np.asarray(landmarks, dtype=np.float32).reshape(-1, 21, 3)

    def detect(self, image):
        return hands.Detection(self.landmarks, ["Right"] * len(self.landmarks), hands.open_photo(image).size)


def test_no_hand_and_several_hands_give_no_letter(trained):
    model, landmarks, _ = trained
    blank = Image.new("RGB", (64, 48), "white")
    nothing = hands.predict_letter_from_photo(blank, model, detector=FakeDetector(np.zeros((0, 21, 3))))
    assert nothing.letters == [] and "No hand found" in nothing.message
    two = hands.predict_letter_from_photo(blank, model, detector=FakeDetector(landmarks[:2]))
    assert two.letters == [] and "2 hands" in two.message
    largest = hands.predict_letter_from_photo(blank, model, detector=FakeDetector(landmarks[:2]), use_largest=True)
    assert len(largest.letters) == 3 and largest.letters[0][0] in LETTERS
    one = hands.predict_letter_from_photo(blank, model, detector=FakeDetector(landmarks[:1]))
    assert one.letters[0][0] == LETTERS[VALID_LABELS[0]]


@NEEDS_MEDIAPIPE
def test_blank_photo_really_has_no_hand(trained):
    model, _, _ = trained
    blank = np.full((240, 320, 3), 255, dtype=np.uint8)
    result = hands.predict_letter_from_photo(blank, model)
    assert result.letters == [] and "No hand found" in result.message


@NEEDS_MEDIAPIPE
@pytest.mark.skipif(hands.photo_folder("signers") is None, reason="signer photos not available (ASL_PHOTOS_SIGNERS)")
def test_exif_rotated_real_photo_gives_the_same_hand(tmp_path):
    """A real photo stored sideways with an EXIF "rotate" tag is read upright: same landmarks."""
    folder = hands.photo_folder("signers")
    upright = Image.open(folder / hands.load_photo_set(folder)["file"][0]).convert("RGB")
    sideways = upright.transpose(Image.Transpose.ROTATE_90)  # stored rotated 90° counter-clockwise
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    buffer = io.BytesIO()
    sideways.save(buffer, format="JPEG", quality=95, exif=exif)
    with hands.HandDetector() as detector:
        reference = detector.detect(upright)
        rotated = detector.detect(buffer.getvalue())
    assert reference.n_hands == 1 and rotated.n_hands == 1 and rotated.size == upright.size
    palm = np.linalg.norm(reference.landmarks[0, 9, :2] - reference.landmarks[0, 0, :2])
    assert np.abs(rotated.landmarks[0, :, :2] - reference.landmarks[0, :, :2]).max() < 0.25 * palm


def test_grey_scale_photos_are_told_from_colour_ones(tmp_path):
    colour, grey = tmp_path / "colour.jpg", tmp_path / "grey.jpg"
    picture = Image.new("RGB", (40, 30), (200, 120, 90))
    picture.save(colour)
    picture.convert("L").convert("RGB").save(grey)
    assert not hands.is_grey_photo(colour) and hands.is_grey_photo(grey)
