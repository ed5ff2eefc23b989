"""helpers.interpret on tiny self-made models: logits, saliency and Grad-CAM against hand computations."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from keras import layers  # noqa: E402

from helpers import interpret  # noqa: E402


@pytest.fixture(scope="module")
def linear_model():
    """Flatten → Dense(5, softmax): the logit of class k is x · W[:, k] + b[k], so ∂logit/∂x = W[:, k]."""
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((6, 6, 1)), layers.Flatten(), layers.Dense(5, activation="softmax")])
    model.layers[-1].set_weights([np.random.default_rng(1).normal(size=(36, 5)).astype("float32"),
                                  np.arange(5, dtype="float32")])
    return model


@pytest.fixture(scope="module")
def conv_model():
    keras.utils.set_random_seed(2)
    inputs = keras.Input((10, 10, 1))
    x = layers.Conv2D(4, 3, padding="same", use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(6, 3, activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3)(x)
    return keras.Model(inputs, layers.Dense(5, activation="softmax")(x))


def _image(shape, seed=0):
    return np.random.default_rng(seed).random(shape, dtype=np.float32)


def test_probe_logits_are_the_pre_softmax_scores(conv_model):
    images = _image((3, 10, 10, 1))
    features, logits, probabilities = interpret.probe_model(conv_model, [conv_model.layers[-2].name])(images)
    weights, bias = conv_model.layers[-1].get_weights()
    np.testing.assert_allclose(logits, np.asarray(features) @ weights + bias, atol=1e-5)
    np.testing.assert_allclose(probabilities, conv_model.predict(images, verbose=0), atol=1e-6)
    np.testing.assert_allclose(probabilities, keras.ops.softmax(logits).numpy(), atol=1e-6)


def test_probe_rejects_a_model_without_softmax_head():
    model = keras.Sequential([keras.Input((4, 4, 1)), layers.Flatten(), layers.Dense(3)])
    with pytest.raises(ValueError, match="softmax"):
        interpret.probe_model(model, [])


def test_saliency_on_logits_is_the_weight_column(linear_model):
    image = _image((6, 6, 1))
    for k in range(5):
        saliency = interpret.saliency_map(linear_model, image, class_index=k)
        np.testing.assert_allclose(saliency, np.abs(linear_model.layers[-1].get_weights()[0][:, k]).reshape(6, 6),
                                   atol=1e-6)


def test_saliency_on_probabilities_follows_the_softmax_derivative(linear_model):
    image = _image((6, 6, 1))
    weights, bias = linear_model.layers[-1].get_weights()
    z = image.reshape(-1) @ weights + bias
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    k = int(np.argmax(p))
    expected = np.abs(p[k] * (weights[:, k] - weights @ p)).reshape(6, 6)  # ∂p_k/∂x = p_k (W_k − Σ_j p_j W_j)
    np.testing.assert_allclose(interpret.saliency_map(linear_model, image, use_logits=False), expected, rtol=1e-4,
                               atol=1e-7)


def test_grad_cam_matches_a_numpy_computation(conv_model):
    import tensorflow as tf

    image = _image((10, 10, 1), seed=3)
    name = interpret.last_conv_layer_name(conv_model)
    assert isinstance(conv_model.get_layer(name), layers.Conv2D)  # the second block has no BatchNorm/ReLU layer
    probe = interpret.probe_model(conv_model, [name])
    x = tf.convert_to_tensor(image[None])
    with tf.GradientTape() as tape:
        maps, logits, _ = probe(x)
        k = int(tf.argmax(logits[0]))
        score = logits[0, k]
    gradients = tape.gradient(score, maps).numpy()[0]
    maps = maps.numpy()[0]
    alpha = gradients.mean(axis=(0, 1))
    cam = np.maximum((maps * alpha).sum(axis=-1), 0)
    cam = tf.image.resize(cam[None, ..., None], (10, 10), method="bilinear").numpy()[0, ..., 0]
    cam = cam / cam.max() if cam.max() > 0 else cam
    np.testing.assert_allclose(interpret.grad_cam(conv_model, image), cam, atol=1e-5)
    assert interpret.grad_cam(conv_model, image).shape == (10, 10)


def test_last_conv_layer_is_the_relu_of_a_batchnorm_block():
    inputs = keras.Input((8, 8, 1))
    x = layers.Conv2D(2, 3, padding="same", use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    relu = layers.ReLU()
    x = layers.MaxPooling2D(2)(relu(x))
    model = keras.Model(inputs, layers.Dense(3, activation="softmax")(layers.Flatten()(x)))
    assert interpret.last_conv_layer_name(model) == relu.name


def test_penultimate_features_and_feature_maps_shapes(conv_model):
    images = _image((4, 10, 10, 1))
    assert interpret.penultimate_features(conv_model, images).shape == (4, conv_model.layers[-1].input.shape[-1])
    assert interpret.feature_maps(conv_model, images[0]).shape == (4, 10, 10)



def test_run_in_batches_matches_predict(conv_model):
    images = _image((7, 10, 10, 1))
    (out,) = interpret.run_in_batches(conv_model, images, batch_size=3)  # batches of 3, 3 and 1
    np.testing.assert_allclose(out, conv_model.predict(images, verbose=0), atol=1e-6)
