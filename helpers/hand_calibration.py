"""Calibration to one person's hand: a few of their photos per letter adapt the hand classifier (notebook 09).

:func:`calibrate` takes photos and their letters; :class:`CalibratedClassifier` keeps, for each letter, the
mean of the network's last hidden layer over the person's examples, and re-splits the probability the network
gives those letters by how close a new hand is to them. :func:`helpers.hand_eval.calibration_by_person`
measures it on people the network never saw (``make hands``).
"""

from __future__ import annotations

import numpy as np

from helpers.config import LETTERS, VALID_LABELS
from helpers.hand_landmarks import HandDetector, open_photo
from helpers.hands import ADVICE, features_for, load_classifier, mirror

# Chosen by leave-one-person-out measurement (9 people, k = 1, 3, 5 photos per letter; see `make hands`):
CALIBRATION_WEIGHT = 0.8  # how much the person's own examples count against the network
CALIBRATION_SHARPNESS = 10.0  # how sharply the closest prototype wins (distances relative to the median distance)


def feature_space(model):
    """Where calibration measures distances: the network's last hidden layer (what its output layer reads),
    else (a model without one, such as :class:`LogisticBaseline`) the standardised features."""
    try:
        import keras

        hidden = keras.Model(model.input, model.get_layer("letter").input)
        return lambda features: np.asarray(hidden(np.asarray(features, dtype=np.float32), training=False))
    except (AttributeError, ValueError):
        scaler = getattr(getattr(model, "pipeline", None), "steps", [[None, None]])[0][1]
        if scaler is not None:
            return lambda features: scaler.transform(np.asarray(features, dtype=np.float32))
        return lambda features: np.asarray(features, dtype=np.float32)


class CalibratedClassifier:
    """A hand classifier adapted to one person: their own examples of some letters sharpen its answers.

    For each calibrated letter we keep the mean of the network's last hidden layer over the person's examples
    (a *prototype*, and one of their mirror images). A new hand's probability share of the calibrated letters is split again, partly
    (``weight``) by how close the hand is to each prototype, partly as the base classifier said. Letters
    without examples keep the base classifier's probabilities exactly. Call it like the Keras model:
    ``calibrated(features)`` gives letter probabilities; :func:`predict_letter_from_photo` accepts it.
    """

    def __init__(self, base, landmarks: np.ndarray, labels, weight: float = CALIBRATION_WEIGHT,
                 sharpness: float = CALIBRATION_SHARPNESS):
        landmarks = np.asarray(landmarks, dtype=np.float32).reshape(-1, 21, 3)
        labels = np.asarray(labels)
        if len(landmarks) != len(labels) or not len(labels):
            raise ValueError(f"calibration needs one label per hand: got {len(landmarks)} hands, {len(labels)} labels")
        self.base, self.weight, self.sharpness = base, float(weight), float(sharpness)
        self.n_features = getattr(base, "n_features", None) or base.input_shape[-1]  # read by features_for
        features = features_for(base)
        self.space = feature_space(base)
        self.letters = np.unique(labels)
        plain, mirrored = self.space(features(landmarks)), self.space(features(mirror(landmarks)))
        self.prototypes = np.stack([plain[labels == c].mean(axis=0) for c in self.letters])
        self.mirrored_prototypes = np.stack([mirrored[labels == c].mean(axis=0) for c in self.letters])

    def __call__(self, features: np.ndarray, training: bool = False) -> np.ndarray:
        probabilities = np.array(self.base(features, training=False), dtype=np.float64)
        points = self.space(features)
        distance = np.minimum(  # to each letter's prototype, whichever hand (left or right) is closer
            np.linalg.norm(points[:, None, :] - self.prototypes[None], axis=-1),
            np.linalg.norm(points[:, None, :] - self.mirrored_prototypes[None], axis=-1))
        logits = -self.sharpness * distance / (np.median(distance, axis=1, keepdims=True) + 1e-6)
        closeness = np.exp(logits - logits.max(axis=1, keepdims=True))
        closeness /= closeness.sum(axis=1, keepdims=True)
        share = probabilities[:, self.letters].sum(axis=1, keepdims=True)  # what the base gives these letters
        probabilities[:, self.letters] = ((1 - self.weight) * probabilities[:, self.letters]
                                          + self.weight * closeness * share)
        return probabilities


def calibrate(photos, letters, model=None, detector: HandDetector | None = None) -> CalibratedClassifier:
    """Adapt the hand classifier to your hand from a few photos of each letter you choose.

    ``photos``: paths, bytes, PIL images or arrays (as :func:`predict_letter_from_photo` takes them);
    ``letters``: one letter per photo ("A" … "Y"). Photos where no hand is found are left out (a
    :class:`ValueError` if none is left). Returns a classifier that ``predict_letter_from_photo(photo,
    model=...)`` accepts; letters without photos keep the base classifier's answer.
    """
    photos, letters = list(photos), [str(letter).upper() for letter in letters]
    if len(photos) != len(letters):
        raise ValueError(f"calibrate needs one letter per photo: got {len(photos)} photos and {len(letters)} letters")
    valid = {LETTERS[k] for k in VALID_LABELS}
    unknown = sorted(set(letters) - valid)
    if unknown:
        raise ValueError(f"letters {unknown} are not static letters A–Y without J")
    base = load_classifier() if model is None else model
    own = HandDetector() if detector is None else None
    hands_found, labels = [], []
    try:
        for photo, letter in zip(photos, letters):
            hand = (detector or own).detect(open_photo(photo)).largest()
            if hand is not None:
                hands_found.append(hand)
                labels.append(LETTERS.index(letter))
    finally:
        if own is not None:
            own.close()
    if not hands_found:
        raise ValueError("no hand was found in any calibration photo: " + ADVICE)
    return CalibratedClassifier(base, np.stack(hands_found), np.array(labels))
