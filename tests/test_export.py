"""TFLite export (helpers.export): the float and int8 files agree with Keras; the converter stays quiet."""

from __future__ import annotations

import numpy as np

from helpers import export


def test_tflite_round_trip_agrees_with_keras(tiny_model, tmp_path, capfd):
    net, inputs = tiny_model
    x = inputs["x_test"][:64]
    keras_probs = net.predict(x, verbose=0)
    capfd.readouterr()
    float_model = export.TFLiteClassifier(export.to_tflite(net, tmp_path / "float.tflite"))
    np.testing.assert_allclose(float_model.predict(x), keras_probs, atol=1e-4)
    int8_path = export.to_tflite(net, tmp_path / "int8.tflite", int8_calibration=inputs["x_train"][:100])
    int8_model = export.TFLiteClassifier(int8_path)
    out, err = capfd.readouterr()
    assert "Assets written" not in out + err and "TensorSpec" not in out + err  # the converter's chatter stays hidden
    agreement = np.mean(int8_model.predict(x).argmax(1) == keras_probs.argmax(1))
    assert agreement >= 0.9
    assert int8_path.stat().st_size < 0.4 * (tmp_path / "float.tflite").stat().st_size
    timing = export.latency_and_throughput(float_model.predict, float_model.predict, x, repeats=5)
    assert timing["latency_ms"] > 0 and timing["throughput_img_per_s"] > 0
