"""Predict the letter in your own photo.

:func:`photo_to_input` turns any picture (a file path, the bytes of an uploaded file, a
PIL image or a NumPy array of any size, RGB or grayscale) into what the network was trained on: a square crop (the
hand's box if you have one, else the centre), grayscale, 28×28 with antialiasing,
contrast stretched like Sign Language MNIST, scaled to [0, 1].
:func:`predict_letter` then returns the top-3 letters with their probabilities.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from helpers.config import IMAGE_SIZE, LETTERS, MISSING_LABELS, REPO_ROOT, artifacts_dir

Box = tuple[float, float, float, float]


def _upright(opened: Image.Image) -> Image.Image:
    """The picture turned the way the camera's EXIF orientation tag says (phones store portraits sideways)."""
    return ImageOps.exif_transpose(opened)


def load_image(image) -> Image.Image:
    """A PIL image, turned upright by its EXIF orientation, from any of: a file path; the bytes of
    a file (``bytes``, ``bytearray``, ``memoryview`` or an open binary file, as an upload gives
    them); a PIL image; a NumPy array (H×W, H×W×1, H×W×3 or H×W×4; an array has no EXIF data,
    so it is taken as it is)."""
    if isinstance(image, (str, Path)):
        path = Path(image)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such image file")
        try:
            with Image.open(path) as opened:
                opened.load()
                return _upright(opened).copy()
        except (UnidentifiedImageError, OSError) as error:
            raise ValueError(f"{path}: cannot read this file as an image ({error})") from None
    if isinstance(image, (bytes, bytearray, memoryview)) or hasattr(image, "read"):
        source = io.BytesIO(bytes(image)) if not hasattr(image, "read") else image
        try:
            with Image.open(source) as opened:
                opened.load()
                return _upright(opened).copy()
        except (UnidentifiedImageError, OSError) as error:
            raise ValueError(f"cannot read these bytes as an image ({error})") from None
    if isinstance(image, Image.Image):
        return _upright(image)
    if not isinstance(image, np.ndarray):
        raise TypeError(
            f"expected a file path, the bytes of an image file, a PIL image or a NumPy array, got {type(image).__name__}"
        )
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


def check_box(box) -> Box:
    """``box`` as four floats (x_min, y_min, x_max, y_max), or a clear error saying what is wrong."""
    try:
        values = tuple(float(v) for v in box)
    except TypeError:
        raise ValueError(f"a box is 4 numbers (x_min, y_min, x_max, y_max), got {box!r}") from None
    except ValueError:
        raise ValueError(f"a box is 4 numbers (x_min, y_min, x_max, y_max); {box!r} holds something else") from None
    if len(values) != 4:
        raise ValueError(f"a box is 4 numbers (x_min, y_min, x_max, y_max), got {len(values)}: {box!r}")
    if not np.isfinite(values).all():
        raise ValueError(f"the box {box!r} holds a value that is not a finite number")
    return values


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
        box = check_box(box)
        x_min, y_min, x_max, y_max = box
        if not (x_max > x_min and y_max > y_min):
            raise ValueError(f"invalid box {box}: need x_min < x_max and y_min < y_max")
        side = min(max(x_max - x_min, y_max - y_min) * (1 + 2 * margin), width, height)
        cx, cy = (x_min + x_max) / 2, (y_min + y_max) / 2
    left = int(round(min(max(cx - side / 2, 0), width - side)))
    top = int(round(min(max(cy - side / 2, 0), height - side)))
    side = int(round(side))
    return image.crop((left, top, left + side, top + side))


def photo_to_input(image, box=None):
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


def model_folders() -> list[Path]:
    """Where :func:`find_trained_model` looks by default: ``<artifacts>/models`` (notebooks 04–06;
    ``COURSE_ARTIFACTS`` moves it), then ``<build>/course/artifacts/models`` (``make course``;
    ``COURSE_BUILD`` moves the build folder)."""
    build = Path(os.environ.get("COURSE_BUILD", REPO_ROOT / "build"))
    return [artifacts_dir() / "models", build / "course" / "artifacts" / "models"]


def model_of_run(folder_name: str, known: tuple[str, ...]) -> str | None:
    """The model a full-mode run folder ``<model>_<data key>_full_seed<N>`` belongs to: the longest
    name in ``known`` it starts with, so ``improved_cnn_constant_lr_…`` is not ``improved_cnn``."""
    if not re.search(r"_full_seed\d+$", folder_name):
        return None
    matches = [name for name in known if folder_name.startswith(name + "_")]
    return max(matches, key=len) if matches else None


def find_trained_model(
    prefer: tuple[str, ...] = ("improved_cnn", "baseline_cnn"), folders: list[str | Path] | None = None,
    known: tuple[str, ...] | None = None,
) -> Path:
    """The newest full-mode ``model.keras`` of the first model in ``prefer`` that has one.

    ``folders`` are searched in order (default: :func:`model_folders`); ``known`` lists every
    model name (default: the course's recipes in :data:`helpers.model.EPOCHS`), so that a
    variant such as ``improved_cnn_constant_lr`` is never taken for ``improved_cnn``.
    """
    folders = model_folders() if folders is None else [Path(f) for f in folders]
    if known is None:
        from helpers.model import EPOCHS

        known = tuple(EPOCHS)
    known = tuple(set(known) | set(prefer))
    for name in prefer:
        for folder in folders:
            found = sorted(
                (p for p in folder.glob("*/model.keras") if model_of_run(p.parent.name, known) == name),
                key=lambda p: p.stat().st_mtime,
            )
            if found:
                return found[-1]
    raise FileNotFoundError(
        f"No trained full-mode {' or '.join(prefer)} model in {' nor '.join(str(f) for f in folders)}. "
        "Run notebook 06 (or `make course`) first, or pass model=... (a model or a .keras file) to predict_letter."
    )


def load_model(path: str | Path):
    """A ``.keras`` file loaded with ``safe_mode=True`` (no arbitrary code from the file runs)."""
    import keras

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such model file (expected a .keras file saved by model.save)")
    return keras.models.load_model(path, safe_mode=True)


def top_k(probabilities: np.ndarray, k: int = 3) -> list[tuple[str, float]]:
    """The ``k`` most probable letters as (letter, probability), J excluded."""
    probabilities = np.asarray(probabilities, dtype=np.float64).copy()
    probabilities[list(MISSING_LABELS)] = 0.0
    order = np.argsort(probabilities)[::-1][:k]
    return [(LETTERS[i], float(probabilities[i])) for i in order]


def head_probabilities(head, features: np.ndarray) -> np.ndarray:
    """The head's class probabilities spread into the model's 25 columns."""
    probabilities = np.zeros((len(features), len(LETTERS)))
    probabilities[:, head.classes_] = head.predict_proba(features)
    return probabilities


def predict_letter(image, model=None, box: Box | None = None, k: int = 3, head=None) -> list[tuple[str, float]]:
    """Top-``k`` letters with probabilities for one photo (path, bytes, PIL image or array).

    ``model`` is a Keras model or the path of a ``.keras`` file; by default the trained
    improved CNN (:func:`find_trained_model`). Files are loaded with ``safe_mode=True``. ``box`` is the hand's bounding box if you know it; ``head`` is
    an optional photo head (:func:`helpers.photos.photo_head`) that replaces the
    model's own softmax layer.
    """
    if model is None:
        model = load_model(find_trained_model())
    elif isinstance(model, (str, Path)):
        model = load_model(model)
    elif not callable(model):
        raise TypeError(f"model must be a Keras model or the path of a .keras file, got {type(model).__name__}")
    x = photo_to_input(image, box)[np.newaxis]
    if head is None:
        probabilities = np.asarray(model(x, training=False))[0]
    else:
        from helpers.interpret import penultimate_features

        probabilities = head_probabilities(head, penultimate_features(model, x))[0]
    return top_k(probabilities, k)


def uploaded_files(value) -> list[tuple[str, bytes]]:
    """``(name, bytes)`` for each file in an ipywidgets ``FileUpload.value``.

    ipywidgets 8 gives a tuple of dicts with ``name`` and ``content`` (a memoryview);
    ipywidgets 7 (Colab) gives a dict ``{name: {"metadata": {...}, "content": bytes}}``.
    """
    if isinstance(value, dict):
        return [(str(name), bytes(item["content"])) for name, item in value.items()]
    if isinstance(value, (tuple, list)):
        return [(str(item["name"]), bytes(item["content"])) for item in value]
    raise TypeError(f"unexpected FileUpload value of type {type(value).__name__}: expected a dict or a tuple")
