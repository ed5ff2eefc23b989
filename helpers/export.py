"""Export a trained Keras model to TensorFlow Lite (float32 and full-integer int8) and run it.

The converter is TensorFlow's ``tf.lite.TFLiteConverter``; the runtime is the LiteRT
interpreter (``ai-edge-litert``), or ``tf.lite.Interpreter`` where LiteRT is missing.
"""

from __future__ import annotations

import contextlib
import io
import logging
import time
import warnings
from pathlib import Path

import numpy as np

from helpers.quiet import stderr_silenced


def convert_quietly(converter) -> bytes:
    """``converter.convert()`` without its progress output (the saved graph's signature, "Assets written to",
    C++ notices)."""
    tf_logger = logging.getLogger("tensorflow")
    level = tf_logger.level
    tf_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()), stderr_silenced():
            # int8 inputs get their range from the representative dataset; TF warns about it anyway
            warnings.filterwarnings("ignore", message="Statistics for quantized inputs were expected")
            return converter.convert()
    finally:
        tf_logger.setLevel(level)


def write_atomic(content: bytes, path: str | Path) -> Path:
    """Write ``content`` to ``path`` through a temporary file, so an interrupted write leaves no half file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(content)
    tmp.replace(path)
    return path


def to_tflite(model, path, int8_calibration=None):
    """Convert ``model`` to a ``.tflite`` file; float32, or full-integer int8 when calibration images are given.

    Full-integer quantization needs a *representative dataset*: a few hundred training
    images that show the converter the range of every activation. Inputs and outputs
    become int8 too (:class:`TFLiteClassifier` quantizes and dequantizes them).
    """
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if int8_calibration is not None:
        calibration = np.asarray(int8_calibration, dtype=np.float32)

        def representative_dataset():
            for image in calibration:
                yield [image[np.newaxis]]  # one image at a time, with a batch axis

        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative_dataset
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]  # integer kernels only
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    return write_atomic(convert_quietly(converter), path)


def _interpreter_class():
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # LiteRT not installed: TensorFlow's own (deprecated) interpreter
        import tensorflow as tf

        Interpreter = tf.lite.Interpreter
    return Interpreter


class TFLiteClassifier:
    """Run a ``.tflite`` classifier on float images in [0, 1]; returns float probabilities."""

    def __init__(self, path: str | Path, num_threads: int | None = None):
        self.path = Path(path)
        with stderr_silenced():  # the runtime's "Created TensorFlow Lite XNNPACK delegate" notice
            self.interpreter = _interpreter_class()(model_path=str(self.path), num_threads=num_threads)
            self.interpreter.allocate_tensors()
        self._batch = 1

    def _resize(self, batch: int) -> None:
        if batch != self._batch:
            index = self.interpreter.get_input_details()[0]["index"]
            self.interpreter.resize_tensor_input(index, [batch, 28, 28, 1])
            self.interpreter.allocate_tensors()
            self._batch = batch

    def _run(self, images: np.ndarray) -> np.ndarray:
        self._resize(len(images))
        inp = self.interpreter.get_input_details()[0]
        out = self.interpreter.get_output_details()[0]
        x = images.astype(np.float32)
        if inp["dtype"] == np.int8:  # quantize: q = x / scale + zero_point
            scale, zero = inp["quantization"]
            x = np.clip(np.round(x / scale + zero), -128, 127).astype(np.int8)
        self.interpreter.set_tensor(inp["index"], x)
        self.interpreter.invoke()
        y = self.interpreter.get_tensor(out["index"])
        if out["dtype"] == np.int8:
            scale, zero = out["quantization"]
            y = (y.astype(np.float32) - zero) * scale
        return y

    def predict(self, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Probabilities for a batch (N, 28, 28, 1)."""
        images = np.asarray(images, dtype=np.float32)
        return np.concatenate([self._run(images[i:i + batch_size]) for i in range(0, len(images), batch_size)])


def latency_and_throughput(predict_one, predict_batch, images: np.ndarray, repeats: int = 100) -> dict:
    """Median single-image latency (ms) and batch-256 throughput (images/s) of two callables."""
    one = images[:1]
    predict_one(one), predict_one(one)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        predict_one(one)
        times.append(time.perf_counter() - start)
    predict_batch(images[:256])
    start = time.perf_counter()
    predict_batch(images)
    return {
        "latency_ms": round(1000 * float(np.median(times)), 3),
        "throughput_img_per_s": round(len(images) / (time.perf_counter() - start), 1),
    }
