"""helpers.live: the classifier exported for the page, the page assembled, and the Colab view's Python side."""

from __future__ import annotations

import base64
import io
import sys
import types

import numpy as np
import pytest
from PIL import Image

from helpers import hands, live
from synthetic_hands import base_hands, jittered


@pytest.fixture(scope="module")
def classifier():
    landmarks, labels = jittered(base_hands(24), per_kind=6, seed=0)
    return hands.train_hand_classifier(landmarks, labels, epochs=2, copies=0)


def test_the_export_holds_the_whole_network(classifier, tmp_path):
    path = live.export_hand_classifier(classifier, tmp_path / "c.json")
    exported = __import__("json").loads(path.read_text())
    assert exported["format"] == live.FORMAT and exported["n_features"] == 336 and len(exported["letters"]) == 25
    assert [np.shape(layer["kernel"]) for layer in exported["layers"]] == [(336, 128), (128, 64), (64, 25)]
    assert [layer["activation"] for layer in exported["layers"]] == ["relu", "relu", "softmax"]
    assert np.allclose(exported["layers"][-1]["bias"], classifier.get_layer("letter").bias.numpy(), atol=1e-7)
    assert exported["calibration"] == {"weight": hands.CALIBRATION_WEIGHT, "steps": hands.CALIBRATION_STEPS,
                                       "c": hands.CALIBRATION_C}


def test_a_model_that_is_not_the_hand_classifier_is_refused(tmp_path):
    import keras

    cnn = keras.Sequential([keras.Input((4,)), keras.layers.Normalization(name="standardise"), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="not a hand classifier"):
        live.classifier_as_json(cnn)


def test_building_without_the_javascript_package_says_how_to_install_it(classifier, tmp_path, monkeypatch):
    monkeypatch.setattr(live, "TASKS_VISION", tmp_path / "nothing")
    assert live.missing_files() == list(live.VENDOR_FILES)
    with pytest.raises(FileNotFoundError, match="npm ci --prefix live"):
        live.build_live_page(tmp_path / "page", classifier)


def data_url(picture: Image.Image) -> str:
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG")
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_the_colab_view_reads_frames_in_the_kernel_and_says_when_there_is_no_hand(classifier, monkeypatch):
    registered, shown = {}, []
    output = types.SimpleNamespace(register_callback=lambda name, function: registered.update({name: function}))
    colab = types.ModuleType("google.colab")
    colab.output = output
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setattr("IPython.display.display", lambda thing: shown.append(thing))
    detector = live.colab_live_view(classifier)
    try:
        assert live.COLAB_CALLBACK in registered and live.COLAB_CALLBACK in shown[0].data  # the page calls it by name
        reply = registered[live.COLAB_CALLBACK](data_url(Image.new("RGB", (320, 240), (210, 200, 190))))
        assert reply.data["letters"] == [] and reply.data["message"].startswith("No hand") and reply.data["hands"] == []
        with pytest.raises(ValueError, match="data:image"):
            live.read_frame("https://example.org/frame.jpg", classifier, detector)
    finally:
        detector.close()


def test_a_frame_with_a_hand_gives_letters_and_keypoints_inside_the_frame(classifier):
    from helpers import hand_landmarks, hand_photo_sets

    folder = hand_photo_sets.photo_folder("dev")
    if folder is None:
        pytest.skip("the Roboflow photos are not on this machine")
    photo = folder / hand_photo_sets.photo_set_labels("dev", folder)["file"].iloc[0]
    with hand_landmarks.HandDetector() as detector:
        seen = live.read_frame(data_url(Image.open(photo).convert("RGB")), classifier, detector)
    assert len(seen["letters"]) == 3 and len(seen["hands"]) == 1
    points = np.asarray(seen["hands"][0])
    assert points.shape == (21, 2) and (points > -0.2).all() and (points < 1.2).all()  # fractions of the frame
