"""Stage two of your own hand: a small classifier reads the letter from the 21 keypoints (notebook 09).

:func:`hand_features` makes the keypoints independent of where the hand is (wrist-centred)
and how big it is (divided by the palm size), and adds the 210 pairwise distances. Left and
right hands are handled by showing the classifier each hand *and its mirror image* in
training and averaging both at prediction (:func:`predict_proba`), so the prediction does
not care which hand you use. Rotation is deliberately *not* removed: H and U differ only by
rotation, and so do G, P and Q. :func:`predict_letter_from_photo` runs both stages on one
photo (stage one is :mod:`helpers.hand_landmarks`); :func:`calibrate` adapts the classifier to one
person from a few of their photos; :mod:`helpers.hand_eval` measures the classifier by person.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from helpers.config import LETTERS, NUM_CLASSES, VALID_LABELS, artifacts_dir
from helpers.hand_landmarks import MAX_SIDE, HandDetector, open_photo
from helpers.quiet import stderr_silenced


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


#: The palm frame: y from the wrist to the middle finger's knuckle, x across the knuckles (index to little finger).
MIDDLE_KNUCKLE, INDEX_KNUCKLE, LITTLE_KNUCKLE = 9, 5, 17
FINGERS = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))  # thumb … little finger


def palm_frame(landmarks: np.ndarray) -> np.ndarray:
    """21 keypoints (…, 21, 3) → 66 numbers: the hand's shape seen from its own palm, and which way the palm faces.

    The palm frame's y axis runs from the wrist to the middle finger's knuckle, its z axis sticks out of the
    palm, its x axis runs across the knuckles. The 20 points written in that frame (60 numbers, on the palm's
    scale) stay the same however the whole hand is turned in 3-D: they describe the hand's shape alone. The
    frame's y and z axes in the picture (6 numbers) say how it is turned: H and U, or G and Q, share a shape
    and differ there.
    """
    points = np.asarray(landmarks, dtype=np.float32)
    centred = points - points[..., :1, :]
    palm = np.linalg.norm(centred[..., [5, 9, 13, 17], :], axis=-1).mean(axis=-1)
    scaled = centred / np.maximum(palm, 1e-6)[..., None, None]
    y = _unit(scaled[..., MIDDLE_KNUCKLE, :])
    z = _unit(np.cross(scaled[..., INDEX_KNUCKLE, :] - scaled[..., LITTLE_KNUCKLE, :], y))
    x = np.cross(y, z)
    frame = np.stack([x, y, z], axis=-2)  # rows: the frame's axes in picture coordinates
    shape = np.einsum("...pj,...aj->...pa", scaled[..., 1:, :], frame)  # each point's x, y, z in the palm frame
    # the middle knuckle lies on the frame's y axis by construction: its x and z are 0 (left to float rounding, they
    # would be noise of about 1e-8 that the classifier's standardisation, dividing by their spread, blows up)
    shape[..., MIDDLE_KNUCKLE - 1, 0] = 0.0
    shape[..., MIDDLE_KNUCKLE - 1, 2] = 0.0
    return np.concatenate([shape.reshape(*points.shape[:-2], 60), y, z], axis=-1).astype(np.float32)


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-6)


def classifier_features(landmarks: np.ndarray) -> np.ndarray:
    """What the classifier reads: :func:`hand_features` (270) and :func:`palm_frame` (66), 336 numbers per hand."""
    return np.concatenate([hand_features(landmarks), palm_frame(landmarks)], axis=-1)


#: The feature function a classifier reads, told apart by its number of inputs.
FEATURES = {270: hand_features, 336: classifier_features}


def features_for(model):
    """The feature function ``model`` was trained on (:data:`FEATURES`, by the width of its input)."""
    width = getattr(model, "n_features", None) or model.input_shape[-1]
    if width not in FEATURES:
        raise ValueError(f"a classifier with {width} inputs: expected one of {sorted(FEATURES)} (hand features)")
    return FEATURES[width]


def vary_hands(landmarks: np.ndarray, rng: np.random.Generator, finger_length: float = 0.1,
               turn_3d: float = 20.0, turn_in_plane: float = 10.0, noise: float = 0.03) -> np.ndarray:
    """New hands made from real ones the way people and detectors differ, for training (data augmentation).

    Each finger's bones are stretched by its own random factor (±``finger_length``), the whole hand is turned
    around its wrist by up to ``turn_3d`` degrees towards and away from the camera and ``turn_in_plane``
    degrees in the picture (small enough to keep H apart from U), and every point moves by detector-like noise
    (``noise`` × the palm's size).
    """
    points = np.asarray(landmarks, dtype=np.float32).reshape(-1, 21, 3)
    n = len(points)
    wrist = points[:, :1, :]
    centred = points - wrist
    palm = np.linalg.norm(centred[:, [5, 9, 13, 17]], axis=-1).mean(axis=-1)[:, None, None]
    for finger in FINGERS:
        base = centred[:, finger[0]:finger[0] + 1]
        stretch = rng.uniform(1 - finger_length, 1 + finger_length, size=(n, 1, 1)).astype(np.float32)
        centred[:, finger[1:]] = base + (centred[:, finger[1:]] - base) * stretch
    angles = np.deg2rad(rng.uniform(-1, 1, size=(n, 3)) * [turn_3d, turn_3d, turn_in_plane])
    turned = np.einsum("nij,npj->npi", _rotations(angles), centred)
    return (turned + rng.normal(scale=noise, size=turned.shape) * palm + wrist).astype(np.float32)


def _rotations(angles: np.ndarray) -> np.ndarray:
    """Rotation matrices (n, 3, 3) about x, then y, then z (angles in radians, shape (n, 3))."""
    (cx, cy, cz), (sx, sy, sz) = np.cos(angles.T), np.sin(angles.T)
    one, zero = np.ones_like(cx), np.zeros_like(cx)
    about_x = np.stack([one, zero, zero, zero, cx, -sx, zero, sx, cx], -1).reshape(-1, 3, 3)
    about_y = np.stack([cy, zero, sy, zero, one, zero, -sy, zero, cy], -1).reshape(-1, 3, 3)
    about_z = np.stack([cz, -sz, zero, sz, cz, zero, zero, zero, one], -1).reshape(-1, 3, 3)
    return about_z @ about_y @ about_x


AUGMENT_COPIES = 2  # varied copies of each training hand (chosen by leave-one-person-out, `make hands`)


def training_set(landmarks: np.ndarray, labels: np.ndarray, rotations: tuple[float, ...] = (), copies: int = 0,
                 seed: int = 0, features=classifier_features) -> tuple[np.ndarray, np.ndarray]:
    """Features of every hand and of its mirror image, with their labels.

    Also of turned copies (``rotations``, degrees in the picture) and of ``copies`` varied copies of each hand
    (:func:`vary_hands`, seeded by ``seed``), each with its mirror image too.
    """
    rng = np.random.default_rng(seed)
    variants = [np.asarray(landmarks, dtype=np.float32)] + [rotate(landmarks, d) for d in rotations]
    variants += [vary_hands(landmarks, rng) for _ in range(copies)]
    variants += [mirror(v) for v in variants]
    x = np.concatenate([features(v) for v in variants])
    return x, np.concatenate([labels] * len(variants))


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
                          seed: int = 0, rotations: tuple[float, ...] = (), copies: int = AUGMENT_COPIES,
                          features=classifier_features, **build_options):
    """Train the Keras classifier on hands, varied copies and their mirror images; labels are 0..24 (A..Y)."""
    import keras

    keras.utils.set_random_seed(seed)
    x, y = training_set(landmarks, labels, rotations, copies, seed, features)
    model = build_hand_classifier(x, **build_options)
    with stderr_silenced():  # TensorFlow's C++ data pipeline logs notices that are not errors
        model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0)
    return model


def predict_proba(model, landmarks: np.ndarray) -> np.ndarray:
    """Letter probabilities (N, 25): the mean of the model's answers for each hand and its mirror image."""
    landmarks = np.asarray(landmarks, dtype=np.float32).reshape(-1, 21, 3)
    features = features_for(model)  # the features it was trained on (hand_features + palm_frame: 336)
    both = np.concatenate([features(landmarks), features(mirror(landmarks))])
    probabilities = np.asarray(model(both, training=False))
    return (probabilities[: len(landmarks)] + probabilities[len(landmarks):]) / 2


class LogisticBaseline:
    """scikit-learn baseline with the same interface: standardise + logistic regression, mirrors included."""

    def __init__(self, C: float = 1.0):
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        self.pipeline = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=3000))

    def fit(self, landmarks: np.ndarray, labels: np.ndarray, features=classifier_features) -> LogisticBaseline:
        x, y = training_set(landmarks, labels, features=features)
        self.n_features = x.shape[1]
        self.pipeline.fit(x, y)
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


def letter_indices(letters) -> np.ndarray:
    return np.array([LETTERS.index(str(letter)) for letter in letters], dtype=np.int64)



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

#: Letters that stay hard for people the classifier never saw (``make hands``: per letter and top confusions,
#: leave one person out), in families that share a hand shape, with what tells them apart.
HARD_LETTERS = {
    "AEMNST": "A, E, M, N, S and T are all a fist; only the thumb differs (beside the index finger for A, "
              "under the curled fingertips for E, under three fingers for M, under two for N, across the front "
              "for S, between index and middle finger for T). Turn the fist so the camera sees the thumb.",
    "GHPQ": "G and H point sideways, P and Q point down: the same shapes as other letters (G and Q share one, "
            "H is U turned, P is K turned). Point clearly: fully sideways or fully down.",
    "KRUV": "K, R, U and V all raise the index and middle fingers: together for U, crossed for R, spread for V, "
            "spread with the thumb between them for K. Make the gap, the cross or the thumb easy to see.",
    "CO": "C and O differ in how far the curve closes: leave a clear gap for C, touch the fingertips to the "
          "thumb for O.",
}


def letter_tip(letter: str) -> str:
    """What tells ``letter`` apart from the letters it is confused with ("" for a letter that is seldom confused)."""
    return next((tip for family, tip in HARD_LETTERS.items() if letter in family), "")


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
    close_call = len(letters) > 1 and letter_tip(letters[1][0]) == letter_tip(letters[0][0]) != ""
    advice = "" if letters[0][1] >= 0.5 else " The classifier is unsure. " + ADVICE
    if close_call and letters[1][1] >= 0.2:  # a look-alike letter is close behind: say what tells them apart
        advice += " " + letter_tip(letters[0][0])
    return HandPrediction(letters, f"Top-{k}: {text}.{advice}", picture, hand, detection.landmarks)


# --------------------------------------------------------------------------- calibration to one person
# Chosen by leave-one-person-out measurement (9 people, k = 1, 3, 5 photos per letter; `make calibration-study`):
CALIBRATION_WEIGHT = 0.8  # how much the person's own examples count against the network
CALIBRATION_STEPS = 500  # gradient steps that fit the person's new last layer
CALIBRATION_C = 1.0  # how closely it may fit them (scikit-learn's C: larger, less regularised)


def feature_space(model):
    """Where calibration works: the network's last hidden layer (what its output layer reads), else (a model
    without one, such as :class:`LogisticBaseline`) the standardised features."""
    try:
        import keras

        hidden = keras.Model(model.input, model.get_layer("letter").input)
        return lambda features: np.asarray(hidden(np.asarray(features, dtype=np.float32), training=False))
    except (AttributeError, ValueError):
        scaler = getattr(getattr(model, "pipeline", None), "steps", [[None, None]])[0][1]
        if scaler is not None:
            return lambda features: scaler.transform(np.asarray(features, dtype=np.float32))
        return lambda features: np.asarray(features, dtype=np.float32)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Each row of scores → probabilities that sum to 1."""
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def fit_softmax_regression(x: np.ndarray, y: np.ndarray, classes: np.ndarray, c: float = CALIBRATION_C,
                           steps: int = CALIBRATION_STEPS) -> tuple[np.ndarray, np.ndarray]:
    """Weights (features × classes) and biases of a softmax regression (a one-layer network) fitted to ``x``, ``y``.

    Gradient descent with momentum and a safe fixed step, so there is no learning rate to tune. It minimises
    ½‖W‖² + c · Σ cross-entropy (the bias not penalised), as scikit-learn's ``LogisticRegression(C=c)`` does, by
    Nesterov's accelerated gradient descent from zero with a fixed step 1 / L, L = c · λ / 2 + 1 (a bound on the
    curvature; λ: the largest eigenvalue of [x 1]ᵀ[x 1], found by 30 steps of power iteration). Plain arithmetic
    in a fixed order, so that the live page's JavaScript (``live/src/classifier.js``) runs the same steps and gets
    the same answer. 500 steps come within 0.02 in probability of scikit-learn's solution on the test's data
    (tests/test_hands.py).
    """
    x = np.asarray(x, dtype=np.float64)
    target = (np.asarray(y)[:, None] == np.asarray(classes)[None, :]).astype(np.float64)
    with_ones = np.concatenate([x, np.ones((len(x), 1))], axis=1)
    vector = np.ones(with_ones.shape[1]) / np.sqrt(with_ones.shape[1])
    for _ in range(30):  # power iteration: vector → the top eigenvector of with_onesᵀ with_ones
        vector = with_ones.T @ (with_ones @ vector)
        vector /= np.linalg.norm(vector)
    step = 1.0 / (c * float(np.linalg.norm(with_ones @ vector) ** 2) / 2 + 1.0)
    weights, biases = np.zeros((x.shape[1], len(classes))), np.zeros(len(classes))
    previous = (weights, biases)
    for t in range(1, steps + 1):
        momentum = (t - 1) / (t + 2)
        w_ahead = weights + momentum * (weights - previous[0])  # look ahead along the last move
        b_ahead = biases + momentum * (biases - previous[1])
        error = c * (softmax(x @ w_ahead + b_ahead) - target)  # the cross-entropy's gradient in the scores
        previous = (weights, biases)
        weights = w_ahead - step * (x.T @ error + w_ahead)  # + w_ahead: the gradient of the penalty ½‖W‖²
        biases = b_ahead - step * error.sum(axis=0)
    return weights, biases


class CalibratedClassifier:
    """A hand classifier adapted to one person: a new last layer, fitted on their own examples, for their letters.

    The person's examples (and their mirror images) go through the network up to its last hidden layer (what its
    letter layer reads); a softmax regression fitted there (:func:`fit_softmax_regression`) learns their way of
    signing the letters they gave. A new hand's probability share of those letters is split again, partly
    (``weight``) as that new layer says, partly as the base classifier said. Letters without examples keep the
    base classifier's probabilities exactly. Call it like the Keras model: ``calibrated(features)`` gives letter
    probabilities; :func:`predict_letter_from_photo` accepts it.
    """

    def __init__(self, base, landmarks: np.ndarray, labels, weight: float = CALIBRATION_WEIGHT):
        landmarks = np.asarray(landmarks, dtype=np.float32).reshape(-1, 21, 3)
        labels = np.asarray(labels)
        if len(landmarks) != len(labels) or not len(labels):
            raise ValueError(f"calibration needs one label per hand: got {len(landmarks)} hands, {len(labels)} labels")
        self.base, self.weight = base, float(weight)
        self.n_features = getattr(base, "n_features", None) or base.input_shape[-1]  # read by features_for
        features = features_for(base)
        self.space = feature_space(base)
        self.letters = np.unique(labels)
        x = np.concatenate([self.space(features(landmarks)), self.space(features(mirror(landmarks)))])
        y = np.concatenate([labels, labels])
        # one letter calibrated: nothing to split, the base answer stands
        self.weights, self.biases = self.fit(x, y) if len(self.letters) > 1 else (None, None)

    def fit(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The new last layer's weights and biases for the calibrated letters (columns in ``self.letters``' order)."""
        return fit_softmax_regression(x, y, self.letters)

    def __call__(self, features: np.ndarray, training: bool = False) -> np.ndarray:
        probabilities = np.array(self.base(features, training=False), dtype=np.float64)
        if self.weights is None:
            return probabilities
        split = softmax(np.asarray(self.space(features), dtype=np.float64) @ self.weights + self.biases)
        share = probabilities[:, self.letters].sum(axis=1, keepdims=True)  # what the base gives these letters
        probabilities[:, self.letters] = ((1 - self.weight) * probabilities[:, self.letters]
                                          + self.weight * split * share)
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
    if isinstance(base, CalibratedClassifier):  # calibrating again starts from the network, not from the last calibration
        base = base.base
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
