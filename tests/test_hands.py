"""The hand classifier (helpers.hands): features that ignore position and size but see rotation and
mirrors, train → save → load → predict, and the "no hand" and "several hands" paths of a photo.

Tests that run MediaPipe itself are skipped, with the reason, where mediapipe or the
landmarker bundle (``$HAND_LANDMARKER_TASK`` or ../shared/models) is missing.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from helpers import hand_landmarks, hand_photo_sets, hands
from helpers.config import LETTERS, VALID_LABELS
from synthetic_hands import base_hands, jittered, rotation_z

NEEDS_MEDIAPIPE = pytest.mark.skipif(hand_photo_sets.unavailable_reason() is not None,
                                     reason=f"MediaPipe pipeline unavailable: {hand_photo_sets.unavailable_reason()}")


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


def test_palm_frame_keeps_the_shape_whatever_the_turn_and_says_the_turn():
    """Turned in 3-D (about any axis through the wrist), moved and resized: the shape part (60 numbers) stays,
    the palm's axes (6 numbers) turn with the hand."""
    hand = base_hands(1)[0] * 100
    reference = hands.palm_frame(hand)
    assert reference.shape == (66,)
    angles = np.deg2rad(np.array([[25.0, -40.0, 70.0]]))
    turned = hand @ hands._rotations(angles)[0].T * 2.5 + np.array([30.0, -7.0, 4.0], dtype=np.float32)
    moved = hands.palm_frame(turned)
    np.testing.assert_allclose(moved[:60], reference[:60], atol=1e-4)
    assert np.abs(moved[60:] - reference[60:]).max() > 0.1
    assert hands.classifier_features(hand).shape == (336,)


def test_varied_hands_differ_a_little_and_keep_the_wrist():
    hand = base_hands(3)
    varied = hands.vary_hands(hand, np.random.default_rng(0), noise=0.0)
    np.testing.assert_allclose(varied[:, 0], hand[:, 0], atol=1e-5)  # turned and stretched around the wrist
    change = np.abs(varied - hand).max()
    assert 0.01 < change < 0.6 and np.isfinite(varied).all()
    shape_change = np.abs(hands.palm_frame(varied)[:, :60] - hands.palm_frame(hand)[:, :60]).max()
    assert shape_change < 0.5, "finger lengths change the shape a little, turning it not at all"
    turned_only = hands.vary_hands(hand, np.random.default_rng(1), finger_length=0.0, noise=0.0)
    np.testing.assert_allclose(hands.palm_frame(turned_only)[:, :60], hands.palm_frame(hand)[:, :60], atol=1e-4)
    assert np.abs(hands.palm_frame(turned_only)[:, 60:] - hands.palm_frame(hand)[:, 60:]).max() > 0.01, "it does turn"
    still = hands.vary_hands(hand, np.random.default_rng(1), finger_length=0.0, turn_3d=0.0, turn_in_plane=0.0, noise=0.0)
    np.testing.assert_allclose(still, hand, atol=1e-5)


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


class FakeDetector:
    def __init__(self, landmarks):
        self.landmarks = np.asarray(landmarks, dtype=np.float32).reshape(-1, 21, 3)

    def detect(self, image):
        return hand_landmarks.Detection(self.landmarks, ["Right"] * len(self.landmarks), hand_landmarks.open_photo(image).size)


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


# --------------------------------------------------------------------------- calibration to one person
def test_calibration_fixes_a_persons_own_way_of_signing_and_leaves_other_letters_alone(trained):
    """A "person" signs two letters their own way (shapes the classifier never saw) and the rest as usual: three
    of their examples per letter teach it; a letter they gave no example of keeps the base probabilities."""
    model, _, kinds = trained
    person = kinds.copy()
    person[:2] = base_hands(2, seed=99)  # their A and B
    examples, example_labels = jittered(person, per_kind=3, seed=5)
    later, later_labels = jittered(person[:2], per_kind=10, seed=6)
    before = hands.predict_proba(model, later).argmax(axis=1)
    calibrated = hands.CalibratedClassifier(model, examples, example_labels)
    after = hands.predict_proba(calibrated, later).argmax(axis=1)
    assert (before == later_labels).mean() < 0.5 and (after == later_labels).mean() == 1.0
    some = np.isin(example_labels, VALID_LABELS[:12])  # examples of the first 12 letters only
    partial = hands.CalibratedClassifier(model, examples[some], example_labels[some])
    others, _ = jittered(kinds, per_kind=2, seed=7)
    base, adapted = hands.predict_proba(model, others), hands.predict_proba(partial, others)
    untouched = [c for c in range(25) if c not in VALID_LABELS[:12]]
    np.testing.assert_allclose(adapted[:, untouched], base[:, untouched], atol=1e-6)
    np.testing.assert_allclose(adapted.sum(axis=1), base.sum(axis=1), atol=1e-6)


def test_the_new_last_layer_is_scikit_learns_softmax_regression():
    """The plain steps (what the live page's JavaScript repeats) reach the answer scikit-learn's LogisticRegression
    gives; two steps do not (so the check can fail)."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    centres = rng.normal(0, 2, (5, 8))
    y = rng.integers(0, 5, 200)
    x = np.maximum(centres[y] + rng.normal(0, 1, (200, 8)), 0)  # ReLU-like values, as the hidden layer gives
    theirs = LogisticRegression(max_iter=5000, tol=1e-10).fit(x, y).predict_proba(x)
    ours = hands.softmax(x @ (fit := hands.fit_softmax_regression(x, y, np.arange(5)))[0] + fit[1])
    assert np.abs(ours - theirs).max() < 0.02 and (ours.argmax(1) == theirs.argmax(1)).all()
    weights, biases = hands.fit_softmax_regression(x, y, np.arange(5), steps=2)
    assert np.abs(hands.softmax(x @ weights + biases) - theirs).max() > 0.1


def test_calibrate_takes_photos_and_letters_and_gives_a_classifier_predict_accepts(trained):
    model, landmarks, _ = trained
    photo = Image.new("RGB", (64, 48), "white")
    detector = FakeDetector(landmarks[:1])
    calibrated = hands.calibrate([photo, photo], ["a", "A"], model=model, detector=detector)
    assert list(calibrated.letters) == [0]
    result = hands.predict_letter_from_photo(photo, calibrated, detector=detector)
    assert result.letters[0][0] == "A"
    again = hands.calibrate([photo], ["B"], model=calibrated, detector=detector)  # starts from the network again
    assert again.base is model and list(again.letters) == [1]
    with pytest.raises(ValueError, match="one letter per photo"):
        hands.calibrate([photo], ["A", "B"], model=model, detector=detector)
    with pytest.raises(ValueError, match=r"\['J'\] are not static letters"):
        hands.calibrate([photo], ["J"], model=model, detector=detector)
    with pytest.raises(ValueError, match="no hand was found"):
        hands.calibrate([photo], ["A"], model=model, detector=FakeDetector(np.zeros((0, 21, 3))))


class FixedAnswer:
    """A stand-in classifier that gives the same letter probabilities for every hand."""

    n_features = 336

    def __init__(self, **letters):
        self.probabilities = np.zeros(25, dtype=np.float32)
        for letter, p in letters.items():
            self.probabilities[LETTERS.index(letter)] = p

    def __call__(self, features, training=False):
        return np.tile(self.probabilities, (len(features), 1))


def test_a_close_call_between_look_alike_letters_says_what_tells_them_apart(trained):
    _, landmarks, _ = trained
    blank, detector = Image.new("RGB", (64, 48), "white"), FakeDetector(landmarks[:1])
    close = hands.predict_letter_from_photo(blank, FixedAnswer(M=0.45, N=0.4, B=0.15), detector=detector)
    assert "unsure" in close.message and hands.letter_tip("M") in close.message and "thumb" in hands.letter_tip("M")
    not_alike = hands.predict_letter_from_photo(blank, FixedAnswer(M=0.45, B=0.4, N=0.15), detector=detector)
    assert "unsure" in not_alike.message and hands.letter_tip("M") not in not_alike.message
    sure = hands.predict_letter_from_photo(blank, FixedAnswer(B=0.9, D=0.1), detector=detector)
    assert "unsure" not in sure.message and hands.letter_tip("B") == ""
    assert all(hands.letter_tip(letter) for letter in "AEMNSTGHPQKRUVCO")
