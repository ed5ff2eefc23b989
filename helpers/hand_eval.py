"""How well the hand classifier reads people it never saw: evaluation by person (notebook 09, `make hands`).

Every score here keeps each person's photos entirely in training or entirely in testing
(:func:`signer_folds`), and a photo where no hand was found counts as wrong (:func:`scores`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.config import LETTERS, NUM_CLASSES, VALID_LABELS
from helpers.hands import CalibratedClassifier, LogisticBaseline, letter_indices, predict_proba, train_hand_classifier

MISSED = -1  # label of "no hand found" in predictions


def signer_folds(signers, n_splits: int | None = None):
    """Train/test index pairs where each signer is entirely in train or entirely in test.

    ``LeaveOneGroupOut`` (one signer per fold), or ``GroupKFold(n_splits)`` when given.
    """
    from sklearn.model_selection import GroupKFold, LeaveOneGroupOut

    signers = np.asarray(signers)
    splitter = LeaveOneGroupOut() if n_splits is None else GroupKFold(n_splits=n_splits)
    return list(splitter.split(np.zeros(len(signers)), groups=signers))


def scores(letters, probabilities: np.ndarray, found: np.ndarray) -> tuple[dict, pd.DataFrame, np.ndarray]:
    """Top-1/top-3 over ALL photos (a missed hand counts as wrong), detection rate, per letter.

    Returns ``(overall, per_letter, predicted)`` with ``predicted`` = -1 where no hand was found.
    """
    truth = letter_indices(letters)
    found = np.asarray(found, dtype=bool)
    probabilities = np.asarray(probabilities, dtype=np.float64).copy()
    probabilities[:, [k for k in range(NUM_CLASSES) if k not in VALID_LABELS]] = -1.0
    top3 = np.argsort(-probabilities, axis=1)[:, :3]
    top1_ok = found & (top3[:, 0] == truth)
    top3_ok = found & (top3 == truth[:, None]).any(axis=1)
    predicted = np.where(found, top3[:, 0], MISSED)
    frame = pd.DataFrame({"letter": np.asarray(letters), "found": found, "top1": top1_ok, "top3": top3_ok})
    per_letter = frame.groupby("letter").agg(photos=("top1", "size"), detected=("found", "mean"),
                                             top1=("top1", "mean"), top3=("top3", "mean")).round(3)
    overall = {
        "photos": int(len(frame)), "detection_rate": round(float(found.mean()), 4),
        "top1": round(float(top1_ok.mean()), 4), "top3": round(float(top3_ok.mean()), 4),
        "top1_of_detected": round(float(top1_ok[found].mean()), 4) if found.any() else 0.0,
    }
    return overall, per_letter, predicted


def fit_and_predict(kind: str, train: dict, test: dict, seed: int = 0, epochs: int = 60, **options) -> np.ndarray:
    """Train ``kind`` ("keras" or "logistic") on the found hands of ``train``; probabilities for ``test``.

    ``train``/``test`` are :func:`detect_photo_set` arrays (or index subsets of one).
    Rows of ``test`` without a hand get all-zero probabilities (scored as wrong).
    """
    found = train["found"]
    x, y = train["landmarks"][found], letter_indices(train["letter"][found])
    if kind == "keras":
        model = train_hand_classifier(x, y, epochs=epochs, seed=seed, **options)
    elif kind == "logistic":
        model = LogisticBaseline().fit(x, y, **{k: v for k, v in options.items() if k == "features"})
    else:
        raise ValueError(f"unknown classifier {kind!r}: use 'keras' or 'logistic'")
    probabilities = np.zeros((len(test["found"]), NUM_CLASSES))
    if test["found"].any():
        probabilities[test["found"]] = predict_proba(model, test["landmarks"][test["found"]])
    return probabilities


def take(arrays: dict, index) -> dict:
    """Rows ``index`` of every per-photo array."""
    return {key: value[index] for key, value in arrays.items()}


def leave_one_signer_out(arrays: dict, kind: str = "keras", seed: int = 0, epochs: int = 60, **options) -> np.ndarray:
    """Probabilities for every photo from a classifier that never saw its signer (misses: zeros)."""
    probabilities = np.zeros((len(arrays["found"]), NUM_CLASSES))
    for train_idx, test_idx in signer_folds(arrays["signer"]):
        probabilities[test_idx] = fit_and_predict(kind, take(arrays, train_idx), take(arrays, test_idx), seed, epochs,
                                                  **options)
    return probabilities


def confusions(letters, predicted: np.ndarray, n: int = 10) -> pd.DataFrame:
    """The most frequent (true letter → predicted letter) mistakes; a missed hand reads "no hand"."""
    names = np.array(["no hand" if p == MISSED else LETTERS[p] for p in predicted])
    frame = pd.DataFrame({"true": np.asarray(letters), "predicted": names})
    wrong = frame[frame["true"] != frame["predicted"]]
    return wrong.value_counts().head(n).rename("photos").reset_index()


def per_person(letters, probabilities: np.ndarray, found: np.ndarray, people) -> pd.DataFrame:
    """Top-1, top-3 and detection rate of each person (a missed hand counts as wrong), worst first."""
    people = np.asarray(people)
    rows = {}
    for person in np.unique(people):
        mine = people == person
        rows[person] = scores(np.asarray(letters)[mine], probabilities[mine], np.asarray(found)[mine])[0]
    return pd.DataFrame(rows).T[["photos", "detection_rate", "top1", "top3"]].sort_values("top1")


def spread_over_people(table: pd.DataFrame) -> dict:
    """Mean, median and worst top-1 over people (each person counts once, whatever their number of photos)."""
    return {"people": int(len(table)), "mean_top1": round(float(table["top1"].mean()), 4),
            "median_top1": round(float(table["top1"].median()), 4), "worst_top1": round(float(table["top1"].min()), 4),
            "worst_person": str(table["top1"].idxmin())}


def calibration_draw(truth: np.ndarray, found: np.ndarray, k: int, seed: int, draw: int) -> tuple[np.ndarray, np.ndarray]:
    """One random draw of ``k`` photos per letter (hands found only) for calibration, and the photos left to score."""
    rng = np.random.default_rng([seed, draw])
    chosen = np.array([i for c in np.unique(truth) for i in rng.permutation(np.flatnonzero((truth == c) & found))[:k]],
                      dtype=np.int64)
    return chosen, np.setdiff1d(np.arange(len(truth)), chosen)


def calibration_by_person(arrays: dict, ks=(0, 1, 3, 5), draws: int = 3, seed: int = 0, epochs: int = 60,
                          exclude=(), **options) -> tuple[np.ndarray, pd.DataFrame]:
    """Leave one person out, then calibrate to that person: the k-curve of :class:`helpers.hands.CalibratedClassifier`.

    For each person (each ``signer`` id not in ``exclude``, e.g. a group whose people are not given): train
    on everyone else; draw ``k`` of the person's photos per letter (hands found only) as calibration, score
    top-1 on the rest of their photos (misses count wrong); ``draws`` random draws per k, averaged.
    Returns the leave-one-person-out probabilities of every photo (no calibration) and a table with one row
    per person and one column per k.
    """
    probabilities = np.zeros((len(arrays["found"]), NUM_CLASSES))
    rows = {}
    for train_idx, test_idx in signer_folds(arrays["signer"]):
        train, test = take(arrays, train_idx), take(arrays, test_idx)
        found = train["found"]
        model = train_hand_classifier(train["landmarks"][found], letter_indices(train["letter"][found]),
                                      epochs=epochs, seed=seed, **options)
        base = np.zeros((len(test_idx), NUM_CLASSES))
        if test["found"].any():
            base[test["found"]] = predict_proba(model, test["landmarks"][test["found"]])
        probabilities[test_idx] = base
        person = str(test["signer"][0])
        if person in exclude:
            continue
        truth, found = letter_indices(test["letter"]), test["found"]
        row = {}
        for k in ks:
            accuracies = []
            for draw in range(draws if k else 1):
                chosen, rest = calibration_draw(truth, found, k, seed, draw)
                if not len(rest):  # every photo went to calibration: nothing left to score
                    continue
                scored = base[rest]
                if k:
                    calibrated = CalibratedClassifier(model, test["landmarks"][chosen], truth[chosen])
                    scored = np.zeros_like(scored)
                    hit = found[rest]
                    scored[hit] = predict_proba(calibrated, test["landmarks"][rest][hit])
                accuracies.append(float(np.mean(found[rest] & (scored.argmax(axis=1) == truth[rest]))))
            row[f"k={k}"] = round(float(np.mean(accuracies)), 4) if accuracies else float("nan")
        rows[person] = row
    return probabilities, pd.DataFrame(rows).T
