"""`make calibration-study`: the refit-last-layer calibration it compares with the course's prototypes behaves as a
calibration must (it learns a person's own way of signing; letters without examples keep the base answer), and the
comparison scores both methods on the same draws."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import hands
from helpers.config import VALID_LABELS
from synthetic_hands import base_hands, jittered
from tools import calibration_study as study


@pytest.fixture(scope="module")
def trained():
    kinds = base_hands(len(VALID_LABELS))
    landmarks, labels = jittered(kinds, per_kind=12, seed=1)
    return hands.train_hand_classifier(landmarks, labels, epochs=40, seed=0), kinds


@pytest.mark.parametrize("refit", [study.LastLayerRefit, study.LastLayerRefitSteps])
def test_refit_last_layer_learns_a_persons_own_letters_and_leaves_the_others_alone(trained, refit):
    model, kinds = trained
    person = kinds.copy()
    person[:2] = base_hands(2, seed=99)  # their A and B: shapes the classifier never saw
    examples, example_labels = jittered(person, per_kind=3, seed=5)
    later, later_labels = jittered(person[:2], per_kind=10, seed=6)
    before = hands.predict_proba(model, later).argmax(axis=1)
    after = hands.predict_proba(refit(model, examples, example_labels), later).argmax(axis=1)
    assert (before == later_labels).mean() < 0.5 and (after == later_labels).mean() == 1.0
    some = np.isin(example_labels, VALID_LABELS[:12])
    partial = refit(model, examples[some], example_labels[some])
    others, _ = jittered(kinds, per_kind=2, seed=7)
    base, adapted = hands.predict_proba(model, others), hands.predict_proba(partial, others)
    untouched = [c for c in range(25) if c not in VALID_LABELS[:12]]
    np.testing.assert_allclose(adapted[:, untouched], base[:, untouched], atol=1e-6)
    np.testing.assert_allclose(adapted.sum(axis=1), base.sum(axis=1), atol=1e-6)


def test_comparison_scores_every_method_for_every_person_and_k(trained, monkeypatch):
    model, kinds = trained
    monkeypatch.setattr(study, "train_hand_classifier", lambda *args, **kwargs: model)  # no training per fold
    marks = []
    for person in range(3):
        landmarks, labels = jittered(kinds[:4], per_kind=6, seed=10 + person)
        marks.append((landmarks, labels, np.full(len(labels), f"p{person}")))
    landmarks = np.concatenate([m[0] for m in marks])
    letters = np.array([hands.LETTERS[i] for i in np.concatenate([m[1] for m in marks])])
    arrays = {"landmarks": landmarks, "letter": letters, "signer": np.concatenate([m[2] for m in marks]),
              "found": np.ones(len(letters), dtype=bool)}
    result = study.compare(arrays, exclude=("p2",))
    assert sorted(result["per_person"]) == ["p0", "p1"]  # p2 left out, as the dev photos are
    for method in study.METHODS:
        assert set(result["mean"][method]) == {f"k={k}" for k in study.KS}
        assert all(0.0 <= v <= 1.0 for v in result["mean"][method].values())
    assert "| last-layer refit |" in study.markdown({"title": "t", "date": "d", "command": "c", "seconds": 1,
                                                      "how": "h", **result})


def test_the_plain_steps_find_scikit_learns_softmax_regression():
    """The portable solver (what JavaScript could run) reaches the answer scikit-learn's LogisticRegression gives."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    centres = rng.normal(0, 2, (5, 8))
    y = rng.integers(0, 5, 200)
    x = np.maximum(centres[y] + rng.normal(0, 1, (200, 8)), 0)  # ReLU-like values, as the hidden layer gives
    weights, biases = study.fit_softmax_regression(x, y, np.arange(5), steps=500)
    ours = study._Fitted(weights, biases, np.arange(5)).predict_proba(x)
    theirs = LogisticRegression(max_iter=5000, tol=1e-10).fit(x, y).predict_proba(x)
    assert np.abs(ours - theirs).max() < 0.02 and (ours.argmax(1) == theirs.argmax(1)).all()
    few_steps = study._Fitted(*study.fit_softmax_regression(x, y, np.arange(5), steps=2), np.arange(5))
    assert np.abs(few_steps.predict_proba(x) - theirs).max() > 0.1  # the check can fail: two steps are not enough
