"""The live page computes what Python computes: the same features, probabilities, calibration; and its speller.

The page's JavaScript (``live/src``) runs here in Node.js on real hands (the webcam people's landmarks the
course ships, ``data/hand_landmarks/webcam.npz``): its features must match ``helpers.hands.classifier_features``
to 1e-5, and the exported classifier's probabilities (with and without calibration) Keras' to 1e-4.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from helpers import hands, live

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "live" / "src"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed (apt-get install nodejs)")


def run_js(script: str, payload: dict, tmp_path: Path):
    """Run an ES-module ``script`` with ``payload`` as the global ``input``; returns what it prints as JSON."""
    (tmp_path / "input.json").write_text(json.dumps(payload))
    imports = "\n".join(f"import * as {name} from {json.dumps((SRC / f'{name}.js').as_uri())};"
                        for name in ("features", "classifier", "speller"))
    code = (f"{imports}\nimport {{ readFileSync }} from 'node:fs';\n"
            f"const input = JSON.parse(readFileSync({json.dumps(str(tmp_path / 'input.json'))}, 'utf8'));\n{script}")
    done = subprocess.run([NODE, "--input-type=module", "-e", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def real_hands():
    shipped = np.load(ROOT / "data" / "hand_landmarks" / "webcam.npz")
    found = shipped["landmarks"][shipped["found"]]
    letters = shipped["letter"][shipped["found"]]
    pick = np.random.default_rng(0).choice(len(found), 60, replace=False)
    return found[pick].astype(np.float32), hands.letter_indices(letters[pick])


@pytest.fixture(scope="module")
def small_classifier(real_hands):
    landmarks, labels = real_hands
    return hands.train_hand_classifier(landmarks, labels, epochs=3, copies=0)


def test_features_in_javascript_are_pythons(real_hands, tmp_path):
    landmarks, _ = real_hands
    out = run_js("console.log(JSON.stringify(input.hands.map(features.classifierFeatures)));",
                 {"hands": landmarks.tolist()}, tmp_path)
    expected = hands.classifier_features(landmarks)
    assert np.asarray(out).shape == expected.shape == (60, 336)
    assert np.allclose(out, expected, atol=1e-5), np.abs(np.asarray(out) - expected).max()
    mirrored = run_js("console.log(JSON.stringify(input.hands.map((h) => features.classifierFeatures(features.mirror(h)))));",
                      {"hands": landmarks[:5].tolist()}, tmp_path)
    assert np.allclose(mirrored, hands.classifier_features(hands.mirror(landmarks[:5])), atol=1e-5)


def test_exported_classifier_gives_keras_probabilities(real_hands, small_classifier, tmp_path):
    landmarks, _ = real_hands
    exported = live.classifier_as_json(small_classifier)
    out = run_js("const model = new classifier.HandClassifier(input.model);\n"
                 "console.log(JSON.stringify(input.hands.map((h) => model.predict(h))));",
                 {"model": exported, "hands": landmarks.tolist()}, tmp_path)
    expected = hands.predict_proba(small_classifier, landmarks)
    assert np.allclose(out, expected, atol=1e-4), np.abs(np.asarray(out) - expected).max()
    assert (np.argmax(out, axis=1) == expected.argmax(axis=1)).all()


def test_calibration_in_javascript_is_pythons(real_hands, small_classifier, tmp_path):
    landmarks, labels = real_hands
    examples, new = slice(0, 30), slice(30, 60)
    calibrated = hands.CalibratedClassifier(small_classifier, landmarks[examples], labels[examples])
    out = run_js("const base = new classifier.HandClassifier(input.model);\n"
                 "const c = input.model.calibration;\n"
                 "const model = new classifier.CalibratedClassifier(base, input.examples, input.labels, c.weight, c.steps, c.c);\n"
                 "console.log(JSON.stringify(input.hands.map((h) => model.predict(h))));",
                 {"model": live.classifier_as_json(small_classifier), "examples": landmarks[examples].tolist(),
                  "labels": labels[examples].tolist(), "hands": landmarks[new].tolist()}, tmp_path)
    expected = hands.predict_proba(calibrated, landmarks[new])
    assert np.allclose(out, expected, atol=1e-4), np.abs(np.asarray(out) - expected).max()
    assert not np.allclose(expected, hands.predict_proba(small_classifier, landmarks[new]), atol=1e-3)  # it did adapt


def test_the_speller_types_a_held_letter_once_and_nothing_without_a_hand(tmp_path):
    letters = list("ABC")
    a, b = [0.9, 0.05, 0.05], [0.05, 0.9, 0.05]
    # 30 fps: A held 1.2 s, no hand 0.3 s, A again 1.2 s, B for 0.5 s (too short), B 1 s more, then noise
    frames = [a] * 36 + [None] * 9 + [a] * 36 + [b] * 15 + [b] * 30 + [[0.34, 0.33, 0.33]] * 40
    out = run_js("const s = new speller.Speller();\n"
                 "const typed = input.frames.map((p, i) => s.update(p, input.letters, i * 1000 / 30).appended);\n"
                 "console.log(JSON.stringify({text: s.text, typed}));",
                 {"frames": frames, "letters": letters}, tmp_path)
    assert out["text"] == "AAB"  # A, then A again after the hand left, then B once; the unsure frames type nothing
    # 0.8 s (24 frames) into each hold; B takes the smoothed lead one frame late (frame 82): smoothing at work
    assert [i for i, t in enumerate(out["typed"]) if t] == [24, 45 + 24, 82 + 24]
    edits = run_js("const s = new speller.Speller(); s.text = 'AB'; s.space(); s.backspace(); s.backspace();\n"
                   "const after = s.text; s.clear(); console.log(JSON.stringify([after, s.text]));", {}, tmp_path)
    assert edits == ["A", ""]
