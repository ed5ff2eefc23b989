"""Look inside a trained CNN: saliency, Grad-CAM, first-layer filters, feature maps, embeddings.

Gradients come from ``tf.GradientTape``; the 2-D embedding from scikit-learn (PCA, t-SNE).
Saliency and Grad-CAM differentiate the class *logit* (the last Dense layer's output before
softmax), as Grad-CAM was published; ``use_logits=False`` differentiates the softmax
probability instead, which notebook 07 shows saturating for a confident model.
"""

from __future__ import annotations

import numpy as np


def _as_batch(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image, dtype=np.float32)
    return image[np.newaxis] if image.ndim == 3 else image


def _check_softmax_head(model):
    from keras import layers

    head = model.layers[-1]
    if not (isinstance(head, layers.Dense) and getattr(head.activation, "__name__", "") == "softmax"):
        raise ValueError(f"model {model.name} should end in Dense(..., activation='softmax'), ends in {head.name}")
    return head


def probe_model(model, layer_names: list[str]):
    """A Keras model with the same weights that returns the named layers' outputs, the logits, the probabilities.

    Outputs, in order: one tensor per name in ``layer_names``, then the logits (the last
    Dense layer's ``features @ W + b``, before softmax), then the model's probabilities.
    The course's CNNs are plain stacks of layers ending in Dense(25, softmax), so we replay
    the layers on a new input, and for the logits apply a copy of the last Dense layer
    with ``activation=None`` and the same weights (this works for Sequential and functional models).
    """
    import keras
    from keras import layers

    head = _check_softmax_head(model)
    inputs = keras.Input(shape=model.input_shape[1:])
    x, kept = inputs, {}
    for layer in model.layers[:-1]:
        if isinstance(layer, layers.InputLayer):
            continue
        x = layer(x)
        kept[layer.name] = x
    missing = [n for n in layer_names if n not in kept]
    if missing:
        raise ValueError(f"model {model.name} has no layer {missing}; its layers: {list(kept)}")
    linear = layers.Dense(head.units, activation=None, use_bias=head.use_bias, name=f"{head.name}_logits")
    logits = linear(x)
    linear.set_weights(head.get_weights())
    probabilities = head(x)
    return keras.Model(inputs, [*(kept[n] for n in layer_names), logits, probabilities])


def last_conv_layer_name(model) -> str:
    """The last convolutional-stage layer (Conv2D, or its normalisation/ReLU) before the network flattens.

    For a block that ends in a normalisation → ReLU (the improved CNN's Conv2D → MaxPool → GroupNorm → ReLU) that is
    the ReLU: the block's finished feature maps; for a Conv2D with a built-in ReLU, the Conv2D itself.
    """
    from keras import layers

    name = None
    for layer in model.layers:
        if isinstance(layer, (layers.Flatten, layers.GlobalAveragePooling2D)):
            break
        if isinstance(layer, (layers.Conv2D, layers.BatchNormalization, layers.GroupNormalization, layers.ReLU)):
            name = layer.name
    if name is None:
        raise ValueError(f"model {model.name} has no convolutional layer")
    return name


def saliency_map(model, image, class_index=None, use_logits=True):
    """|∂ score / ∂ pixel| for one (28, 28, 1) image: which pixels move the class score most."""
    import tensorflow as tf

    probe = probe_model(model, [])  # outputs: logits z, probabilities p
    x = tf.convert_to_tensor(np.asarray(image, dtype=np.float32)[np.newaxis])
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits, probabilities = probe(x, training=False)
        k = int(tf.argmax(logits[0])) if class_index is None else int(class_index)
        score = logits[0, k] if use_logits else probabilities[0, k]
    gradient = tape.gradient(score, x)[0]  # (28, 28, 1)
    return np.abs(gradient.numpy()).max(axis=-1)


def grad_cam(model, image, class_index=None, layer_name=None, use_logits=True):
    """Grad-CAM heat map (28×28, in [0, 1]) for one image: where the evidence for the class lies."""
    import tensorflow as tf

    probe = probe_model(model, [layer_name or last_conv_layer_name(model)])  # outputs: maps A, logits z, probabilities p
    x = tf.convert_to_tensor(np.asarray(image, dtype=np.float32)[np.newaxis])
    with tf.GradientTape() as tape:
        maps, logits, probabilities = probe(x, training=False)  # maps: (1, h, w, channels)
        k = int(tf.argmax(logits[0])) if class_index is None else int(class_index)
        score = logits[0, k] if use_logits else probabilities[0, k]
    gradients = tape.gradient(score, maps)  # ∂score/∂A, same shape as the maps
    weights = tf.reduce_mean(gradients, axis=(1, 2))  # α: one weight per channel, (1, channels)
    cam = tf.nn.relu(tf.reduce_sum(maps * weights[:, None, None, :], axis=-1))  # ReLU(Σ_c α_c A_c), (1, h, w)
    cam = tf.image.resize(cam[..., None], x.shape[1:3], method="bilinear")[0, ..., 0].numpy()
    return cam / cam.max() if cam.max() > 0 else cam


def first_conv_filters(model) -> np.ndarray:
    """The first Conv2D layer's kernels as (n_filters, 3, 3) arrays."""
    from keras import layers

    conv = next(layer for layer in model.layers if isinstance(layer, layers.Conv2D))
    kernel = conv.get_weights()[0]  # (3, 3, 1, n_filters)
    return np.moveaxis(kernel[:, :, 0, :], -1, 0)


def feature_maps(model, image: np.ndarray, layer_name: str | None = None) -> np.ndarray:
    """Activations of one layer (default: the first convolution) for one image: (channels, H, W)."""
    from keras import layers

    if layer_name is None:
        layer_name = next(layer.name for layer in model.layers if isinstance(layer, layers.Conv2D))
    activations = probe_model(model, [layer_name])(_as_batch(image), training=False)[0]
    return np.moveaxis(np.asarray(activations)[0], -1, 0)


def run_in_batches(model, images: np.ndarray, batch_size: int = 256) -> list[np.ndarray]:
    """Every output of ``model`` for ``images``, one NumPy array per output, computed batch by batch.

    A plain call in inference mode (``training=False``), like ``model.predict`` but without
    compiling a new ``tf.function`` for every probe model we build (TensorFlow warns when
    that happens often).
    """
    outputs = [model(images[start:start + batch_size], training=False) for start in range(0, len(images), batch_size)]
    outputs = [out if isinstance(out, (list, tuple)) else [out] for out in outputs]
    return [np.concatenate([np.asarray(out[n]) for out in outputs]) for n in range(len(outputs[0]))]


def penultimate_features(model, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The inputs of the final Dense layer (what it turns into logits), one row per image."""
    return run_in_batches(probe_model(model, [model.layers[-2].name]), images, batch_size)[0]


def embed_2d(features: np.ndarray, method: str = "tsne", seed: int = 0) -> np.ndarray:
    """2-D embedding of feature rows with scikit-learn: PCA, or t-SNE after PCA to 50 dimensions."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    if method == "pca":
        return PCA(n_components=2, random_state=seed).fit_transform(features)
    reduced = PCA(n_components=min(50, features.shape[1], len(features)), random_state=seed).fit_transform(features)
    perplexity = min(30.0, max(5.0, (len(features) - 1) / 3))
    return TSNE(n_components=2, init="pca", perplexity=perplexity, random_state=seed).fit_transform(reduced)
