"""`make calibration-study`: the calibrations it compares with the course's (the first method, prototypes, and the
refit solved by scikit-learn) behave as a calibration must (they learn a person's own way of signing; letters
without examples keep the base answer), and the comparison scores every method on the same draws."""

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


@pytest.mark.parametrize("method", [study.Prototypes, study.ScikitLearnRefit])
def test_each_method_learns_a_persons_own_letters_and_leaves_the_others_alone(trained, method):
    model, kinds = trained
    person = kinds.copy()
    person[:2] = base_hands(2, seed=99)  # their A and B: shapes the classifier never saw
    examples, example_labels = jittered(person, per_kind=3, seed=5)
    later, later_labels = jittered(person[:2], per_kind=10, seed=6)
    before = hands.predict_proba(model, later).argmax(axis=1)
    after = hands.predict_proba(method(model, examples, example_labels), later).argmax(axis=1)
    assert (before == later_labels).mean() < 0.5 and (after == later_labels).mean() == 1.0
    some = np.isin(example_labels, VALID_LABELS[:12])
    partial = method(model, examples[some], example_labels[some])
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
    assert "| last-layer refit, scikit-learn |" in study.markdown({"title": "t", "date": "d", "command": "c", "seconds": 1,
                                                      "how": "h", **result})


def test_scikit_learns_refit_of_two_letters_is_its_sigmoid(trained):
    """Two letters: scikit-learn fits one column of scores; the study turns it into two with the same answer."""
    from sklearn.linear_model import LogisticRegression

    model, kinds = trained
    examples, labels = jittered(kinds[:2], per_kind=4, seed=3)
    refit = study.ScikitLearnRefit(model, examples, labels)
    x = np.concatenate([refit.space(hands.classifier_features(examples)),
                        refit.space(hands.classifier_features(hands.mirror(examples)))])
    theirs = LogisticRegression(max_iter=2000).fit(x, np.concatenate([labels, labels])).predict_proba(x)
    np.testing.assert_allclose(hands.softmax(x @ refit.weights + refit.biases), theirs, atol=1e-6)
