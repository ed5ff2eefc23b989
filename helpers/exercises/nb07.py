"""Checked exercises of notebook 07 (look inside the model)."""

from __future__ import annotations

import numpy as np

from helpers.exercises import Exercise, Wrong, expect_array, expect_number

# A tiny model shaped like the improved CNN (Conv2D → MaxPool → GroupNorm → ReLU, twice; Dense softmax),
# built with fixed weights so that the tests need no data and no training.
_TINY_MODEL = """
import keras
import numpy as np
from keras import layers
from helpers import interpret

keras.utils.set_random_seed(0)
inputs = keras.Input(shape=(12, 12, 1))
x = inputs
for filters in (4, 8):
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.GroupNormalization(groups=2)(x)
    x = layers.ReLU()(x)
x = layers.Flatten()(x)
improved = keras.Model(inputs, layers.Dense(5, activation="softmax")(x))
kernel, _ = improved.layers[-1].get_weights()
improved.layers[-1].set_weights([kernel, np.linspace(-1, 1, 5, dtype="float32")])  # a bias that is not zero
images = np.random.default_rng(0).random((4, 12, 12, 1), dtype=np.float32)
"""


# ---------------------------------------------------------------- q1: logits by hand
def _check_q1(model, features, logits):
    weights, bias = (np.asarray(w, dtype=np.float64) for w in model.layers[-1].get_weights())
    features = np.asarray(features, dtype=np.float64)
    expected = features @ weights + bias
    if hasattr(logits, "numpy"):
        logits = logits.numpy()
    mine = np.asarray(logits, dtype=np.float64) if isinstance(logits, (np.ndarray, list, tuple)) else logits
    if isinstance(mine, np.ndarray) and mine.shape == expected.shape and not np.allclose(mine, expected, atol=1e-4):
        shifted = np.exp(expected - expected.max(axis=1, keepdims=True))
        if np.allclose(mine, shifted / shifted.sum(axis=1, keepdims=True), atol=1e-5):
            raise Wrong("these are the probabilities (each row sums to 1): the logits are what the last "
                        "Dense layer computes before softmax, features @ W + b.")
        if np.allclose(mine, features @ weights, atol=1e-4):
            raise Wrong("each logit is off by its bias: add b (features @ W + b).")
    expect_array(mine, expected, name="logits", atol=1e-4)


q1 = Exercise(
    "The logits, computed by hand",
    check=_check_q1,
    hint="The last Dense layer multiplies the features (one row per image) by its kernel W and adds its bias b.",
    solution="W, b = improved.layers[-1].get_weights()\nlogits_5 = features_5 @ W + b",
    answers=("improved", "features_5", "logits_5"),
    setup=_TINY_MODEL + "features_5 = interpret.penultimate_features(improved, images)\n",
    wrong=[
        ("W, b = improved.layers[-1].get_weights()\nlogits_5 = features_5 @ W", "bias"),
        ("logits_5 = improved.layers[-1](features_5).numpy()", "probabilities"),
        ("W, b = improved.layers[-1].get_weights()\nlogits_5 = (features_5 @ W + b)[0]", "shape"),
    ],
)


# ---------------------------------------------------------------- q2: how much softmax shrinks a gradient
def _check_q2(probabilities, shrink):
    p = float(np.max(np.asarray(probabilities, dtype=np.float64)))
    expect_number(shrink, p * (1 - p), name="shrink", rel=1e-4, abs=1e-12, hint_if={
        p: "that is p itself. The slope of p = softmax(z)[k] against its own logit z[k] is p × (1 − p).",
        1 - p: "that is 1 − p; multiply it by p: the slope is p × (1 − p).",
        1.0: "the slope of softmax is not 1: p = softmax(z)[k] changes by p × (1 − p) per unit of z[k].",
    })


q2 = Exercise(
    "How much softmax shrinks the gradient of a confident prediction",
    check=_check_q2,
    hint="For p = softmax(z)[k], ∂p/∂z[k] = p × (1 − p). Take p as the largest probability.",
    solution="p_top = probabilities_i.max()\nshrink = p_top * (1 - p_top)",
    answers=("probabilities_i", "shrink"),
    setup="import numpy as np\nprobabilities_i = np.array([0.0005, 0.9985, 0.001], dtype=np.float32)\n",
    wrong=[
        ("shrink = probabilities_i.max()", "that is p itself"),
        ("shrink = 1 - probabilities_i.max()", "that is 1 − p"),
        ("shrink = 1.0", "not 1"),
    ],
)


# ---------------------------------------------------------------- q3: explain the letter the model did not choose
def _check_q3(model, image, true_label, cam):
    from helpers import interpret

    expected = interpret.grad_cam(model, image, class_index=int(true_label))
    cam = cam.numpy() if hasattr(cam, "numpy") else cam
    if isinstance(cam, np.ndarray) and cam.shape == expected.shape and not np.allclose(cam, expected, atol=1e-4):
        if np.allclose(cam, interpret.grad_cam(model, image), atol=1e-4):
            raise Wrong("this is the map of the letter the model predicted: pass class_index=true_label "
                        "to explain the true letter.")
        if np.allclose(cam, interpret.grad_cam(model, image, class_index=int(true_label), use_logits=False),
                       atol=1e-4):
            raise Wrong("this map differentiates the probability: keep use_logits=True (the default).")
    expect_array(cam, expected, name="cam", atol=1e-4)


q3 = Exercise(
    "Grad-CAM of the letter the model did not choose",
    check=_check_q3,
    hint="interpret.grad_cam explains the predicted class unless you pass class_index=...",
    solution="cam = interpret.grad_cam(model, image, class_index=true_label)",
    answers=("model", "image", "true_label", "cam"),
    setup=_TINY_MODEL + (
        "model, image = improved, images[0]\n"
        "true_label = int(np.argmin(model(images[:1], training=False)[0]))  # a letter it did not choose\n"
    ),
    wrong=[
        ("cam = interpret.grad_cam(model, image)", "class_index=true_label"),
        ("cam = interpret.grad_cam(model, image, class_index=true_label)[:6]", "shape"),
    ],
)


# ---------------------------------------------------------------- q4: map sizes through the baseline CNN on 32×32 images
def _check_q4(sizes):
    expected = [30, 15, 13, 6]
    if not isinstance(sizes, (list, tuple, np.ndarray)) or len(sizes) != 4:
        raise Wrong("sizes should be a list of four side lengths: after conv1, pool1, conv2 and pool2.")
    sizes = [float(s) for s in sizes]
    if sizes == [32, 16, 16, 8]:
        raise Wrong("that is what padding='same' would give. The baseline CNN uses the default padding='valid': "
                    "a 3×3 kernel fits 32 − 3 + 1 = 30 times across a 32-pixel row.")
    if sizes == [26, 13, 11, 5]:
        raise Wrong("those are the sizes for 28×28 images (the table above); this exercise feeds 32×32 images.")
    if sizes[:3] == [30, 15, 13] and sizes[3] != 6:
        raise Wrong(f"the last size is {sizes[3]:g}: MaxPooling2D(2) drops a leftover odd row, "
                    "so 13 pixels give 13 // 2 = 6.")
    for position, (mine, right) in enumerate(zip(sizes, expected)):
        if mine != right:
            layer = ("conv1", "pool1", "conv2", "pool2")[position]
            raise Wrong(f"the size after {layer} is {mine:g}, should be {right}: a 'valid' 3×3 convolution "
                        "takes 2 pixels off a side length, a 2×2 pooling halves it (rounding down).")


q4 = Exercise(
    "Side lengths of the baseline CNN's feature maps on 32×32 images",
    check=_check_q4,
    hint="Conv2D(3×3, padding='valid') makes a side of n pixels into n − 2; MaxPooling2D(2) into n // 2. Start at 32.",
    solution="sizes = [32 - 2, (32 - 2) // 2, (32 - 2) // 2 - 2, ((32 - 2) // 2 - 2) // 2]  # [30, 15, 13, 6]",
    answers=("sizes",),
    wrong=[
        ("sizes = [32, 16, 16, 8]", "padding='valid'"),
        ("sizes = [26, 13, 11, 5]", "32×32"),
        ("sizes = [30, 15, 13, 6.5]", "13 // 2 = 6"),
        ("sizes = [30, 15, 13]", "four side lengths"),
        ("sizes = [30, 14, 12, 6]", "after pool1"),
    ],
)


# ---------------------------------------------------------------- q5: which layer is the last convolution
def _check_q5(model, last_conv):
    import keras

    names = [layer.name for layer in model.layers]
    convs = [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    if not isinstance(last_conv, str):
        raise Wrong(f"last_conv should be a layer name (a string), got {type(last_conv).__name__}.")
    if last_conv not in names:
        raise Wrong(f"the model has no layer named {last_conv!r}. Keras numbers layer names in the order "
                    "layers are built in the session, so read them from model.layers instead of typing them.")
    if last_conv == convs[-1]:
        return
    kind = type(model.get_layer(last_conv)).__name__
    if last_conv in convs:
        raise Wrong(f"{last_conv!r} is Conv2D number {convs.index(last_conv) + 1} of {len(convs)}, "
                    "not the last one.")
    raise Wrong(f"{last_conv!r} is a {kind} layer, not a Conv2D: pick the last layer that is a Conv2D.")


q5 = Exercise(
    "The name of the last convolution",
    check=_check_q5,
    hint="Loop over model.layers and keep the names of the layers that are keras.layers.Conv2D; take the last.",
    solution="last_conv = [layer.name for layer in improved.layers if isinstance(layer, keras.layers.Conv2D)][-1]",
    answers=("improved", "last_conv"),
    setup=_TINY_MODEL,
    wrong=[
        ("last_conv = [l.name for l in improved.layers if isinstance(l, keras.layers.Conv2D)][0]", "not the last"),
        ("last_conv = [l.name for l in improved.layers if isinstance(l, keras.layers.MaxPooling2D)][-1]",
         "MaxPooling2D layer, not a Conv2D"),
        ("last_conv = 'conv2d_typed_by_hand'", "no layer named"),
    ],
)
