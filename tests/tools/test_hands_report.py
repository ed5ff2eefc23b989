"""`make hands` (tools.hands_report): person ids stay unique across photo sets, and the report shows every
ablation row, the spread over people, the weakest letters and the calibration curve."""

from __future__ import annotations

import numpy as np

from tools import hands_report


def test_people_are_unique_across_sets_and_the_dev_photos_are_one_group():
    signers = hands_report.people("signers", {"signer": np.array(["user_3", "user_4"])})
    webcam = hands_report.people("webcam", {"signer": np.array(["kenneth", "user_3"])})
    dev = hands_report.people("dev", {"signer": np.array(["unknown", "unknown"])})
    assert list(signers) == ["signers:user_3", "signers:user_4"] and list(webcam) == ["webcam:kenneth", "webcam:user_3"]
    assert set(dev) == {hands_report.NO_PERSON_IDS}


def test_the_people_section_shows_each_row_the_spread_and_the_calibration_curve():
    row = {"people": 3, "mean_top1": 0.9, "median_top1": 0.92, "worst_top1": 0.7, "worst_person": "dev",
           "top1_all_photos": 0.88, "per_person": {"dev": {"top1": 0.7}, "a": {"top1": 0.92}, "b": {"top1": 0.98}}}
    people = {"note": "held out in turn", "recipe": "the recipe",
              "ablation": {"first": {**row, "mean_top1": 0.8}, "the recipe": row},
              "per_letter": {"P": {"top1": 0.5}, "A": {"top1": 1.0}},
              "calibration": {"ks": [0, 3], "note": "k photos", "mean": {"k=0": 0.9, "k=3": 0.97},
                              "worst": {"k=0": 0.8, "k=3": 0.92}}}
    text = "\n".join(hands_report.people_markdown(people))
    assert "| first | 3 | 80.0% | 92.0% | 70.0% (dev) | 88.0% |" in text
    assert "| the recipe | 3 | 90.0% |" in text and "Per person (the recipe): dev 70.0%, a 92.0%, b 98.0%." in text
    assert "Weakest letters (the recipe, all held-out photos): P 50%, A 100%." in text
    assert "| top-1, mean over people | 90.0% | 97.0% |" in text and "| worst person | 80.0% | 92.0% |" in text


def test_a_tried_row_with_no_change_is_the_recipe_and_each_change_changes_the_answers():
    """variant_probabilities (the "tried, not kept" rows) differs from the recipe only by the one change it names."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from synthetic_hands import base_hands, jittered

    from helpers.config import LETTERS, VALID_LABELS
    from helpers.hand_eval import leave_one_signer_out

    landmarks, labels = jittered(base_hands(len(VALID_LABELS)), per_kind=4, seed=4)
    found = np.ones(len(labels), bool)
    found[5] = False  # a missed hand gets no answer
    arrays = {"landmarks": landmarks, "letter": np.array([LETTERS[k] for k in labels]), "found": found,
              "signer": np.tile(["s1", "s2", "s2", "s3"], len(VALID_LABELS))}  # s2: twice the photos
    from helpers.hands import vary_hands  # MediaPipe's world landmarks: the same hands, a little different, in metres

    arrays["world"] = vary_hands(landmarks, np.random.default_rng(1)) / 1000
    recipe = leave_one_signer_out(arrays, "keras", seed=0, epochs=3, batch_size=64)
    same = hands_report.variant_probabilities(arrays, seed=0, epochs=3, batch_size=64)
    np.testing.assert_allclose(same, recipe, atol=1e-5)
    assert not same[5].any()
    for options in hands_report.TRIED.values():
        changed = hands_report.variant_probabilities(arrays, seed=0, epochs=3, batch_size=64, **options)
        assert changed.shape == recipe.shape and not changed[5].any()
        assert np.abs(changed - recipe).max() > 1e-4
        np.testing.assert_allclose(changed[found].sum(axis=1), 1.0, atol=1e-4)


def test_person_weights_make_every_person_weigh_the_same():
    weights = hands_report.person_weights(np.array(["a", "b", "b", "b", "c", "c"]))
    totals = {p: weights[np.array(list("abbbcc")) == p].sum() for p in "abc"}
    assert np.allclose(list(totals.values()), 2.0) and np.isclose(weights.mean(), 1.0)
