"""`make calibration-study`: which way of calibrating to one person's hand works best (issue 23).

The course calibrates with :class:`helpers.hands.CalibratedClassifier`: the person's examples give one *prototype*
per letter (the mean of the network's last hidden layer), and a new hand's probability share of the calibrated
letters is split by closeness to them. The issue names another way, a refit of the last layer; this compares them
on the same folds and the same draws, so the difference is the method alone:

- ``prototypes``: the course's method (weight 0.8, sharpness 10);
- ``last-layer refit``: a logistic regression fitted on the person's examples (their last-hidden-layer values, and
  their mirror images'), which splits the same share (same weight 0.8; letters without examples keep the base
  classifier's probabilities in both);
- ``last-layer refit, 500 plain steps``: the same regression solved by :func:`fit_softmax_regression` (Nesterov's
  accelerated gradient, fixed steps) instead of scikit-learn: the version the live page's JavaScript could run.

Leave one person out (the dev photos, whose people are not given, are left out as in ``make hands``): train the
recipe on everyone else, then for k = 1, 3, 5 photos per letter (3 random draws each, hands found only) calibrate
and score top-1 on the rest of that person's photos (misses count wrong).

    python -m tools.calibration_study   # build/calibration_study.json and .md (about 3 minutes on 2 cores)
"""

from __future__ import annotations

import argparse
import datetime
import json
import time

import numpy as np

from helpers.config import NUM_CLASSES, build_dir
from helpers.hand_eval import calibration_draw, signer_folds, take
from helpers.hands import (CALIBRATION_WEIGHT, CalibratedClassifier, features_for, letter_indices,
                           mirror, predict_proba, train_hand_classifier)
from tools.cli import run_command

KS = (1, 3, 5)
DRAWS = 3


class LastLayerRefit(CalibratedClassifier):
    """Like :class:`CalibratedClassifier`, but the calibrated letters' share is split by a logistic regression
    fitted on the person's examples in the same feature space (a new last layer for those letters)."""

    def __init__(self, base, landmarks: np.ndarray, labels, weight: float = CALIBRATION_WEIGHT):
        super().__init__(base, landmarks, labels, weight)
        landmarks, labels = np.asarray(landmarks, dtype=np.float32).reshape(-1, 21, 3), np.asarray(labels)
        features = features_for(base)
        x = np.concatenate([self.space(features(landmarks)), self.space(features(mirror(landmarks)))])
        self.refit = self.fit(x, np.concatenate([labels, labels])) if len(self.letters) > 1 else None

    def fit(self, x: np.ndarray, y: np.ndarray):
        """The regression, with scikit-learn's ``classes_`` and ``predict_proba``."""
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(max_iter=2000).fit(x, y)

    def __call__(self, features: np.ndarray, training: bool = False) -> np.ndarray:
        probabilities = np.array(self.base(features, training=False), dtype=np.float64)
        if self.refit is None:  # one letter calibrated: nothing to split
            return probabilities
        split = self.refit.predict_proba(self.space(features))  # columns in the order of self.refit.classes_
        share = probabilities[:, self.refit.classes_].sum(axis=1, keepdims=True)
        probabilities[:, self.refit.classes_] = ((1 - self.weight) * probabilities[:, self.refit.classes_]
                                                 + self.weight * split * share)
        return probabilities


def fit_softmax_regression(x: np.ndarray, y: np.ndarray, classes: np.ndarray, c: float = 1.0,
                           steps: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """Weights (features × classes) and biases of the L2-regularised softmax regression that scikit-learn's
    ``LogisticRegression(C=c)`` fits (objective ½‖W‖² + c · Σ cross-entropy, bias not penalised), by Nesterov's
    accelerated gradient descent from zero with step 1 / L, L = c · λ / 2 + 1 (a bound on the curvature; λ: the
    largest eigenvalue of [x 1]ᵀ[x 1], by 30 steps of power iteration).

    Plain arithmetic in a fixed order, so that JavaScript could run the same steps (the live page) and get the
    same answer. The objective is convex, so more steps come closer to scikit-learn's solution; 500 steps agree
    with it to 0.02 in probability on the test's data (tests/tools/test_calibration_study.py)."""
    x = np.asarray(x, dtype=np.float64)
    target = (np.asarray(y)[:, None] == np.asarray(classes)[None, :]).astype(np.float64)
    weights, biases = np.zeros((x.shape[1], len(classes))), np.zeros(len(classes))
    ones = np.concatenate([x, np.ones((len(x), 1))], axis=1)
    vector = np.ones(ones.shape[1]) / np.sqrt(ones.shape[1])
    for _ in range(30):  # power iteration: vector → the top eigenvector of onesᵀ ones
        vector = ones.T @ (ones @ vector)
        vector /= np.linalg.norm(vector)
    step = 1.0 / (c * float(np.linalg.norm(ones @ vector) ** 2) / 2 + 1.0)
    previous = (weights, biases)
    for t in range(1, steps + 1):
        momentum = (t - 1) / (t + 2)
        w_look = weights + momentum * (weights - previous[0])
        b_look = biases + momentum * (biases - previous[1])
        logits = x @ w_look + b_look
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        error = c * (p - target)
        previous = (weights, biases)
        weights = w_look - step * (x.T @ error + w_look)
        biases = b_look - step * error.sum(axis=0)
    return weights, biases


class LastLayerRefitSteps(LastLayerRefit):
    """:class:`LastLayerRefit` with :func:`fit_softmax_regression` in place of scikit-learn: the version that could
    be written line for line in the live page's JavaScript."""

    def fit(self, x: np.ndarray, y: np.ndarray):
        return _Fitted(*fit_softmax_regression(x, y, self.letters), self.letters)


class _Fitted:
    """A fitted softmax regression with scikit-learn's ``classes_`` and ``predict_proba``."""

    def __init__(self, weights: np.ndarray, biases: np.ndarray, classes: np.ndarray):
        self.weights, self.biases, self.classes_ = weights, biases, classes

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        logits = np.asarray(x, dtype=np.float64) @ self.weights + self.biases
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        return p / p.sum(axis=1, keepdims=True)


METHODS = {"prototypes (the course's)": CalibratedClassifier, "last-layer refit": LastLayerRefit,
           "last-layer refit, 500 plain steps": LastLayerRefitSteps}


def compare(arrays: dict, seed: int = 0, epochs: int = 60, exclude=()) -> dict:
    """Per person, per method, per k: top-1 on the person's photos left after calibration (mean over draws)."""
    rows: dict = {}
    for train_idx, test_idx in signer_folds(arrays["signer"]):
        train, test = take(arrays, train_idx), take(arrays, test_idx)
        person = str(test["signer"][0])
        if person in exclude:
            continue
        found = train["found"]
        model = train_hand_classifier(train["landmarks"][found], letter_indices(train["letter"][found]),
                                      epochs=epochs, seed=seed)
        truth, found = letter_indices(test["letter"]), test["found"]
        row = {method: {} for method in METHODS}
        for k in KS:
            scores = {method: [] for method in METHODS}
            for draw in range(DRAWS):  # the same draws as helpers.hand_eval.calibration_by_person makes
                chosen, rest = calibration_draw(truth, found, k, seed, draw)
                hit = found[rest]
                for method, kind in METHODS.items():
                    calibrated = kind(model, test["landmarks"][chosen], truth[chosen])
                    scored = np.zeros((len(rest), NUM_CLASSES))
                    scored[hit] = predict_proba(calibrated, test["landmarks"][rest][hit])
                    scores[method].append(float(np.mean(hit & (scored.argmax(axis=1) == truth[rest]))))
            for method in METHODS:
                row[method][f"k={k}"] = round(float(np.mean(scores[method])), 4)
        rows[person] = row
        print(person, {m: r for m, r in row.items()}, flush=True)
    means = {method: {f"k={k}": round(float(np.mean([rows[p][method][f"k={k}"] for p in rows])), 4) for k in KS}
             for method in METHODS}
    worst = {method: {f"k={k}": round(float(np.min([rows[p][method][f"k={k}"] for p in rows])), 4) for k in KS}
             for method in METHODS}
    return {"per_person": rows, "mean": means, "worst": worst}


def markdown(record: dict) -> str:
    lines = [f"# {record['title']}", "", f"Run of {record['date']}: `{record['command']}` ({record['seconds']} s).",
             "", record["how"], "", "| method | " + " | ".join(f"k = {k}: mean over people" for k in KS)
             + " | " + " | ".join(f"k = {k}: worst person" for k in KS) + " |", "|---" * (1 + 2 * len(KS)) + "|"]
    for method in METHODS:
        lines.append(f"| {method} | " + " | ".join(f"{100 * record['mean'][method][f'k={k}']:.1f}%" for k in KS)
                     + " | " + " | ".join(f"{100 * record['worst'][method][f'k={k}']:.1f}%" for k in KS) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict:
    from helpers.hand_photo_sets import join_sets, landmarks_of
    from helpers.quiet import quiet_tensorflow
    from tools.hands_report import NO_PERSON_IDS, people

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=60)
    args = parser.parse_args(argv)
    quiet_tensorflow()
    start = time.perf_counter()
    sets = {}
    for name in ("signers", "dev", "webcam"):
        arrays = landmarks_of(name)
        sets[name] = {**arrays, "signer": people(name, arrays)}
    everyone = join_sets(*sets.values())
    result = compare(everyone, args.seed, args.epochs, exclude=(NO_PERSON_IDS,))
    record = {"title": "Calibration to one person: prototypes or a refit last layer (issue 23)",
              "date": datetime.datetime.now().isoformat(timespec="seconds"),
              "command": "python -m tools.calibration_study" + (f" --seed {args.seed}" if args.seed else ""),
              "how": (f"Leave one person out over {len(result['per_person'])} people (the dev photos left out: their "
                      f"people are not given); the recipe trained on everyone else (seed {args.seed}, {args.epochs} "
                      f"epochs); k photos per letter of the held-out person calibrate it, top-1 on the rest of their "
                      f"photos (misses count wrong), {DRAWS} draws averaged, the same draws for both methods."),
              **result, "seconds": round(time.perf_counter() - start, 1)}
    out = build_dir() / "calibration_study.json"
    out.write_text(json.dumps(record, indent=2, ensure_ascii=False))
    text = markdown(record)
    out.with_suffix(".md").write_text(text)
    print(text)
    return record


if __name__ == "__main__":
    run_command(main, "python -m tools.calibration_study")
