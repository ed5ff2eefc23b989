"""Look inside a trained CNN: saliency, Grad-CAM, first-layer filters, feature maps, embeddings.

Gradients come from ``tf.GradientTape``; the 2-D embedding from scikit-learn (PCA, t-SNE).
"""

from __future__ import annotations

import numpy as np


def _as_batch(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image, dtype=np.float32)
    return image[np.newaxis] if image.ndim == 3 else image


def saliency_map(model, image: np.ndarray, class_index: int | None = None) -> np.ndarray:
    """|∂ score / ∂ pixel| for one (28, 28, 1) image: which pixels move the class score most."""
    import tensorflow as tf

    x = tf.convert_to_tensor(_as_batch(image))
    with tf.GradientTape() as tape:
        tape.watch(x)
        probabilities = model(x, training=False)
        index = int(tf.argmax(probabilities[0])) if class_index is None else class_index
        score = probabilities[0, index]
    gradient = tape.gradient(score, x)[0]
    return np.abs(gradient.numpy()).max(axis=-1)


def probe_model(model, layer_names: list[str]):
    """A Keras model with the same weights that also returns the named layers' outputs.

    The course's CNNs are plain stacks of layers, so we replay the layers on a new
    input and keep the outputs we want (this works for Sequential and functional models).
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=model.input_shape[1:])
    x, kept = inputs, {}
    for layer in model.layers:
        if isinstance(layer, layers.InputLayer):
            continue
        x = layer(x)
        kept[layer.name] = x
    missing = [n for n in layer_names if n not in kept]
    if missing:
        raise ValueError(f"model {model.name} has no layer {missing}; its layers: {list(kept)}")
    return keras.Model(inputs, [kept[n] for n in layer_names] + [x])


def last_conv_layer_name(model) -> str:
    """The last convolutional-stage layer (Conv2D, or its BatchNorm/ReLU) before the network flattens."""
    from keras import layers

    name = None
    for layer in model.layers:
        if isinstance(layer, (layers.Flatten, layers.GlobalAveragePooling2D)):
            break
        if isinstance(layer, (layers.Conv2D, layers.BatchNormalization, layers.ReLU)):
            name = layer.name
    if name is None:
        raise ValueError(f"model {model.name} has no convolutional layer")
    return name


def grad_cam(model, image: np.ndarray, class_index: int | None = None, layer_name: str | None = None) -> np.ndarray:
    """Grad-CAM heat map (28×28, in [0, 1]) for one image: where the evidence for the class lies."""
    import tensorflow as tf

    probe = probe_model(model, [layer_name or last_conv_layer_name(model)])
    x = tf.convert_to_tensor(_as_batch(image))
    with tf.GradientTape() as tape:
        feature_maps, probabilities = probe(x, training=False)
        index = int(tf.argmax(probabilities[0])) if class_index is None else class_index
        score = probabilities[0, index]
    gradients = tape.gradient(score, feature_maps)
    weights = tf.reduce_mean(gradients, axis=(1, 2))  # one weight per channel
    cam = tf.nn.relu(tf.reduce_sum(feature_maps * weights[:, None, None, :], axis=-1))[..., None]
    cam = tf.image.resize(cam, x.shape[1:3], method="bilinear")[0, ..., 0].numpy()
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
    activations, _ = probe_model(model, [layer_name])(_as_batch(image), training=False)
    return np.moveaxis(np.asarray(activations)[0], -1, 0)


def penultimate_features(model, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """The inputs of the final Dense layer (what softmax sees), one row per image."""
    probe = probe_model(model, [model.layers[-2].name])
    return probe.predict(images, batch_size=batch_size, verbose=0)[0]


def embed_2d(features: np.ndarray, method: str = "tsne", seed: int = 0) -> np.ndarray:
    """2-D embedding of feature rows with scikit-learn: PCA, or t-SNE after PCA to 50 dimensions."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    if method == "pca":
        return PCA(n_components=2, random_state=seed).fit_transform(features)
    reduced = PCA(n_components=min(50, features.shape[1], len(features)), random_state=seed).fit_transform(features)
    perplexity = min(30.0, max(5.0, (len(features) - 1) / 3))
    return TSNE(n_components=2, init="pca", perplexity=perplexity, random_state=seed).fit_transform(reduced)
