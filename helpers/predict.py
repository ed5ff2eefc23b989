"""Predict the letter in your own photo.

:func:`photo_to_input` turns any picture (a file path, a PIL image or a NumPy array of
any size, RGB or grayscale) into what the network was trained on: a square crop (the
hand's box if you have one, else the centre), grayscale, 28×28 with antialiasing,
contrast stretched like Sign Language MNIST, scaled to [0, 1].
:func:`predict_letter` then returns the top-3 letters with their probabilities.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from helpers.config import IMAGE_SIZE, LETTERS, MISSING_LABELS, REPO_ROOT, artifacts_dir

Box = tuple[float, float, float, float]


def load_image(image) -> Image.Image:
    """A PIL image from a path, a PIL image or a NumPy array (H×W, H×W×1, H×W×3 or H×W×4)."""
    if isinstance(image, (str, Path)):
        path = Path(image)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such image file")
        try:
            with Image.open(path) as opened:
                opened.load()
                return ImageOps.exif_transpose(opened).copy()
        except (UnidentifiedImageError, OSError) as error:
            raise ValueError(f"{path}: cannot read this file as an image ({error})") from None
    if isinstance(image, Image.Image):
        return image
    if not isinstance(image, np.ndarray):
        raise TypeError(f"expected a file path, a PIL image or a NumPy array, got {type(image).__name__}")
    array = image
    if array.size == 0:
        raise ValueError(f"the image is empty (shape {array.shape})")
    if array.ndim == 4:
        raise ValueError(f"expected one image, got a batch of shape {array.shape}: call predict_letter on each image")
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[-1] in (3, 4))):
        raise ValueError(f"expected an H×W, H×W×1, H×W×3 or H×W×4 image, got shape {array.shape}")
    if array.dtype == np.uint8:
        pass
    elif np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
            raise ValueError("a float image must hold finite values in [0, 1] (or pass uint8 values in 0..255)")
        array = np.round(array * 255).astype(np.uint8)
    else:
        raise TypeError(f"unsupported pixel dtype {array.dtype}: use uint8 (0..255) or float (0..1)")
    return Image.fromarray(array)


def square_crop(image: Image.Image, box: Box | None = None, margin: float = 0.15) -> Image.Image:
    """Crop a square: around ``box`` (x_min, y_min, x_max, y_max) widened by ``margin``, else the centre.

    The square is kept inside the photo (shifted, and shrunk only if the photo is
    smaller), so no artificial border is added.
    """
    width, height = image.size
    if box is None:
        side = min(width, height)
        cx, cy = width / 2, height / 2
    else:
        x_min, y_min, x_max, y_max = box
        if not (x_max > x_min and y_max > y_min):
            raise ValueError(f"invalid box {box}: need x_min < x_max and y_min < y_max")
        side = min(max(x_max - x_min, y_max - y_min) * (1 + 2 * margin), width, height)
        cx, cy = (x_min + x_max) / 2, (y_min + y_max) / 2
    left = int(round(min(max(cx - side / 2, 0), width - side)))
    top = int(round(min(max(cy - side / 2, 0), height - side)))
    side = int(round(side))
    return image.crop((left, top, left + side, top + side))


def photo_to_input(image, box: Box | None = None) -> np.ndarray:
    """One photo → a (28, 28, 1) float32 array in [0, 1], framed like Sign Language MNIST.

    Steps: square crop (the hand's box, or the centre) → grayscale → resize to 28×28
    with antialiasing (Lanczos) → stretch contrast to the full 0..255 range (1% cut at
    both ends, as the data set's images span the full range) → scale to [0, 1].
    """
    picture = load_image(image)
    picture = square_crop(picture.convert("RGB"), box).convert("L")
    picture = picture.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.LANCZOS)
    picture = ImageOps.autocontrast(picture, cutoff=1)
    return (np.asarray(picture, dtype=np.float32) / 255.0)[..., np.newaxis]


def find_trained_model(prefer: tuple[str, ...] = ("improved_cnn", "seed_cnn")) -> Path:
    """The newest full-mode ``model.keras`` (improved CNN first) in ``artifacts/models``,
    or else in ``build/course/artifacts/models`` (where ``make course`` trains)."""
    folders = [artifacts_dir() / "models", REPO_ROOT / "build" / "course" / "artifacts" / "models"]
    for name in prefer:
        for folder in folders:
            found = sorted(folder.glob(f"{name}_*_full_seed*/model.keras"), key=lambda p: p.stat().st_mtime)
            if found:
                return found[-1]
    raise FileNotFoundError(
        f"No trained model in {folders[0]} nor {folders[1]}. Run notebook 06 (or `make course`) first, "
        "or pass model=... to predict_letter."
    )


def top_k(probabilities: np.ndarray, k: int = 3) -> list[tuple[str, float]]:
    """The ``k`` most probable letters as (letter, probability), J excluded."""
    probabilities = np.asarray(probabilities, dtype=np.float64).copy()
    probabilities[list(MISSING_LABELS)] = 0.0
    order = np.argsort(probabilities)[::-1][:k]
    return [(LETTERS[i], float(probabilities[i])) for i in order]


def predict_letter(image, model=None, box: Box | None = None, k: int = 3, head=None) -> list[tuple[str, float]]:
    """Top-``k`` letters with probabilities for one photo (path, PIL image or array).

    ``model`` defaults to the trained improved CNN in ``artifacts/`` (loaded with
    ``safe_mode=True``); ``box`` is the hand's bounding box if you know it; ``head`` is
    an optional photo head (:func:`helpers.photos.photo_head`) that replaces the
    model's own softmax layer.
    """
    import keras

    if model is None:
        model = keras.models.load_model(find_trained_model(), safe_mode=True)
    x = photo_to_input(image, box)[np.newaxis]
    if head is None:
        probabilities = np.asarray(model(x, training=False))[0]
    else:
        from helpers.interpret import penultimate_features
        from helpers.photos import head_probabilities

        probabilities = head_probabilities(head, penultimate_features(model, x))[0]
    return top_k(probabilities, k)
