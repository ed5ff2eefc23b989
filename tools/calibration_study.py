"""`make calibration-study`: which way of calibrating to one person's hand works best (issue 23).

Three ways of adapting the hand classifier to one person from a few of their examples, on the same folds and the
same draws, so the difference is the method alone:

- ``prototypes``: the course's first method: one *prototype* per letter (the mean of the network's last hidden
  layer over the person's examples, and one of their mirror images); a new hand's probability share of the
  calibrated letters is split by closeness to them (weight 0.8, sharpness 10);
- ``last-layer refit, scikit-learn``: a new last layer, a logistic regression fitted on the person's examples in
  the same space (their mirror images too), which splits the same share (same weight 0.8);
- ``last-layer refit, 500 plain steps (the course's)``: :class:`helpers.hands.CalibratedClassifier`, the same
  regression solved by :func:`helpers.hands.fit_softmax_regression`, steps the live page's JavaScript repeats.

Letters without examples keep the base classifier's probabilities in all three. Leave one person out (the dev
photos, whose people are not given, are left out as in ``make hands``): train the recipe on everyone else, then
for k = 1, 3, 5 photos per letter (3 random draws each, hands found only) calibrate and score top-1 on the rest of
that person's photos (misses count wrong).

    python -m tools.calibration_study   # build/calibration_study.json and .md (about 3 minutes on 2 cores)
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from helpers.config import NUM_CLASSES
from helpers.hand_eval import calibration_draw, signer_folds, take
from helpers.hands import (CALIBRATION_WEIGHT, CalibratedClassifier, feature_space, features_for, letter_indices,
                           mirror, predict_proba, train_hand_classifier)
from tools.cli import run_command, write_record

KS = (1, 3, 5)
DRAWS = 3


class Prototypes:
    """The course's first calibration (until December 2026): the calibrated letters' share is split by how close
    a new hand is to each letter's prototype, the mean of the person's examples in the last hidden layer."""

    def __init__(self, base, landmarks: np.ndarray, labels, weight: float = CALIBRATION_WEIGHT,
                 sharpness: float = 10.0):
        landmarks, labels = np.asarray(landmarks, dtype=np.float32).reshape(-1, 21, 3), np.asarray(labels)
        self.base, self.weight, self.sharpness = base, weight, sharpness
        self.n_features = getattr(base, "n_features", None) or base.input_shape[-1]  # read by features_for
        features, self.space = features_for(base), feature_space(base)
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
        share = probabilities[:, self.letters].sum(axis=1, keepdims=True)
        probabilities[:, self.letters] = ((1 - self.weight) * probabilities[:, self.letters]
                                          + self.weight * closeness * share)
        return probabilities


class ScikitLearnRefit(CalibratedClassifier):
    """:class:`helpers.hands.CalibratedClassifier` with the new last layer fitted by scikit-learn's
    ``LogisticRegression`` (the reference the plain steps are checked against)."""

    def fit(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        from sklearn.linear_model import LogisticRegression

        fitted = LogisticRegression(max_iter=2000).fit(x, y)
        if len(self.letters) == 2:  # two letters: one column of scores z, and softmax([0, z]) is its sigmoid
            return (np.concatenate([np.zeros_like(fitted.coef_.T), fitted.coef_.T], axis=1),
                    np.concatenate([[0.0], fitted.intercept_]))
        return fitted.coef_.T, fitted.intercept_


METHODS = {"prototypes (the course's first)": Prototypes, "last-layer refit, scikit-learn": ScikitLearnRefit,
           "last-layer refit, 500 plain steps (the course's)": CalibratedClassifier}


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
              "command": "python -m tools.calibration_study" + (f" --seed {args.seed}" if args.seed else ""),
              "how": (f"Leave one person out over {len(result['per_person'])} people (the dev photos left out: their "
                      f"people are not given); the recipe trained on everyone else (seed {args.seed}, {args.epochs} "
                      f"epochs); k photos per letter of the held-out person calibrate it, top-1 on the rest of their "
                      f"photos (misses count wrong), {DRAWS} draws averaged, the same draws for every method."),
              **result}
    return write_record("calibration_study", record, markdown, start)


if __name__ == "__main__":
    run_command(main, "python -m tools.calibration_study")
