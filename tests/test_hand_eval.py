"""Evaluation by person (helpers.hand_eval): a missed hand counts as wrong, folds never split a
signer, and a classifier trained by fold scores every synthetic kind of hand."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import hand_eval
from helpers.config import LETTERS, VALID_LABELS
from synthetic_hands import base_hands, jittered

# --------------------------------------------------------------------------- scoring and folds
def test_missed_hands_count_as_wrong():
    letters = ["A", "B", "C", "D"]
    probabilities = np.zeros((4, 25))
    probabilities[[0, 1, 2], [0, 1, 0]] = 1.0  # A right, B right, C wrong, D: no hand (all zeros)
    found = np.array([True, True, True, False])
    overall, _, predicted = hand_eval.scores(letters, probabilities, found)
    assert overall["top1"] == 0.5 and overall["detection_rate"] == 0.75
    assert predicted[3] == hand_eval.MISSED
    assert hand_eval.confusions(letters, predicted)["predicted"].tolist().count("no hand") == 1


@pytest.mark.parametrize("n_splits", [None, 3])
def test_signer_folds_never_split_a_signer(n_splits):
    signers = np.repeat([f"user_{k}" for k in (3, 4, 5, 6, 7, 9, 10)], 24)
    folds = hand_eval.signer_folds(signers, n_splits)
    assert len(folds) == (7 if n_splits is None else 3)
    tested = np.concatenate([test for _, test in folds])
    assert sorted(tested) == list(range(len(signers))), "every photo is tested exactly once"
    for train_idx, test_idx in folds:
        assert not set(signers[train_idx]) & set(signers[test_idx])


def test_leave_one_signer_out_scores_hands_it_never_saw():
    """Each "signer" holds a few copies of every kind; a classifier that never saw them still reads them."""
    landmarks, labels = jittered(base_hands(len(VALID_LABELS)), per_kind=8, seed=4)
    signers = np.tile(np.repeat(["s1", "s2", "s3", "s4"], 2), len(VALID_LABELS))
    arrays = {"landmarks": landmarks, "letter": np.array([LETTERS[k] for k in labels]), "signer": signers,
              "found": np.ones(len(labels), bool)}
    probabilities = hand_eval.leave_one_signer_out(arrays, kind="logistic")
    overall, per_letter, _ = hand_eval.scores(arrays["letter"], probabilities, arrays["found"])
    assert overall["top1"] > 0.9 and len(per_letter) == len(VALID_LABELS)


def test_calibration_by_person_scores_each_person_on_photos_it_did_not_calibrate_on():
    """Person s4 signs every letter their own way: before calibration the classifier misreads them, after three
    examples per letter it reads the rest; the excluded group gets no curve."""
    kinds = base_hands(len(VALID_LABELS))
    landmarks, labels = jittered(kinds, per_kind=12, seed=4)
    signers = np.tile(np.repeat(["s1", "s2", "s3"], 4), len(VALID_LABELS))
    strange, strange_labels = jittered(base_hands(len(VALID_LABELS), seed=42), per_kind=8, seed=5)
    arrays = {"landmarks": np.concatenate([landmarks, strange]),
              "letter": np.array([LETTERS[k] for k in np.concatenate([labels, strange_labels])]),
              "signer": np.concatenate([signers, np.full(len(strange), "s4")]),
              "found": np.ones(len(labels) + len(strange), bool)}
    probabilities, curve = hand_eval.calibration_by_person(arrays, ks=(0, 3), draws=1, epochs=30, exclude=("s1",))
    assert probabilities.shape == (len(arrays["found"]), 25)
    assert sorted(curve.index) == ["s2", "s3", "s4"] and list(curve.columns) == ["k=0", "k=3"]
    assert curve.loc["s4", "k=0"] < 0.5 and curve.loc["s4", "k=3"] > 0.9
