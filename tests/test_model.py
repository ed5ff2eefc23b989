"""Notebook 04's typed baseline CNN and ``helpers.model.build_baseline_cnn`` are the same model.

The notebook types the network layer by layer (``model = keras.Sequential([...])``, then
``model.compile(...)``) and then saves a builder function to ``helpers/model.py``
(``#@save``). tests/course/test_saved_code.py checks the builder's code; this test runs the typed
cells themselves and compares the model they build with the helper's, layer by layer.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "04_build_and_train.ipynb"

#: Layer settings compared one by one (the layer's name is free to differ).
IGNORED = {"name"}


def _cell(cells, starts_with: str) -> str:
    found = [c.source for c in cells if c.cell_type == "code" and c.source.lstrip().startswith(starts_with)]
    assert len(found) == 1, f"notebook 04 should have exactly one code cell starting with {starts_with!r}"
    return found[0]


def _typed_model():
    import keras
    import numpy as np
    from keras import layers

    from helpers.model import augmentation

    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    namespace = {"keras": keras, "layers": layers, "np": np, "augmentation": augmentation}
    exec(_cell(cells, "model = keras.Sequential(["), namespace)  # noqa: S102 - the course's own notebook
    exec(_cell(cells, "model.compile("), namespace)  # noqa: S102
    exec(_cell(cells, "#@save helpers/model.py"), namespace)  # noqa: S102
    return namespace["model"], namespace["build_baseline_cnn"]


def _describe(model) -> list[tuple[str, dict]]:
    return [(type(layer).__name__, {k: v for k, v in layer.get_config().items() if k not in IGNORED})
            for layer in model.layers]


def test_typed_model_is_the_helpers_baseline_cnn():
    from helpers.model import build_baseline_cnn

    typed, _ = _typed_model()
    helper = build_baseline_cnn()
    assert [kind for kind, _ in _describe(typed)] == [
        "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dropout", "Dense"]
    for position, (mine, theirs) in enumerate(zip(_describe(typed), _describe(helper)), start=1):
        assert mine == theirs, f"layer {position} differs between notebook 04 and helpers.model.build_baseline_cnn"
    assert len(typed.layers) == len(helper.layers)
    assert typed.input_shape == helper.input_shape == (None, 28, 28, 1)
    assert typed.output_shape == helper.output_shape == (None, 25)
    assert [layer.count_params() for layer in typed.layers] == [layer.count_params() for layer in helper.layers]
    assert typed.count_params() == helper.count_params() == 226_969
    assert type(typed.optimizer) is type(helper.optimizer)
    assert float(typed.optimizer.learning_rate) == pytest.approx(float(helper.optimizer.learning_rate))
    assert typed.loss == helper.loss == "categorical_crossentropy"


def test_notebook_builder_is_the_helpers_builder():
    from helpers.model import build_baseline_cnn

    _, taught = _typed_model()
    for augment in (False, True):
        mine, theirs = taught(augment=augment), build_baseline_cnn(augment=augment)
        assert mine.name == theirs.name
        assert _describe(mine)[1 if augment else 0:] == _describe(theirs)[1 if augment else 0:]
        assert mine.count_params() == theirs.count_params()


def test_notebook_trains_the_recipe_that_notebook_05_loads():
    """Notebook 05 finds 04's model through train.train_recipe: same run folder, same number of epochs."""
    import re

    from helpers import model as model_lib

    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    epochs = re.search(r"^EPOCHS = train\.FAST_EPOCHS if FAST else (\d+)\s*$", _cell(cells, "BATCH_SIZE = 128"), re.M)
    assert epochs and int(epochs.group(1)) == model_lib.EPOCHS["baseline_cnn"]
    assert 'train.run_dir("baseline_cnn", prepared["key"], FAST, SEED)' in _cell(cells, "run = train.run_dir(")
