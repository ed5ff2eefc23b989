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
