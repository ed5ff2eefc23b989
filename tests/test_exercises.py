"""Every checked exercise: its solution passes, each typical wrong answer fails with its message.

The exercises live in ``helpers/exercises/nbNN.py``, one module per notebook. This test
finds them all, so a new exercise is tested as soon as it exists.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import nbformat
import pytest

import helpers.exercises as exercises_pkg
from helpers.exercises import BLANK_MESSAGE, Exercise, Wrong, ____, expect_array, expect_model, expect_number

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _modules():
    return sorted(m.name for m in pkgutil.iter_modules(exercises_pkg.__path__) if re.fullmatch(r"nb\d\d", m.name))


def _exercises():
    found = []
    for name in _modules():
        module = importlib.import_module(f"helpers.exercises.{name}")
        for attr, value in sorted(vars(module).items()):
            if isinstance(value, Exercise):
                found.append(pytest.param(value, id=f"{name}.{attr}"))
    return found


EXERCISES = _exercises()


@pytest.mark.parametrize("exercise", EXERCISES)
def test_solution_passes(exercise):
    ok, message = exercise.try_code(exercise.solution_code)
    assert ok, f"the solution of {exercise.title!r} fails its own check: {message}"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_typical_wrong_answers_fail_with_a_specific_message(exercise):
    assert exercise.wrong, f"{exercise.title!r} needs at least one typical wrong answer to test its check"
    for code, fragment in exercise.wrong:
        ok, message = exercise.try_code(code)
        assert not ok, f"{exercise.title!r} accepted a wrong answer: {code!r}"
        assert fragment in message, f"{exercise.title!r}: {code!r} gave {message!r}, expected {fragment!r} in it"
        assert not message.startswith("checking your answer raised"), f"the check itself crashed on {code!r}: {message}"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_a_blank_asks_to_be_filled_in(exercise, capsys):
    exercise.check(*([____] * max(1, len(exercise.answers))))
    assert BLANK_MESSAGE in capsys.readouterr().out
    exercise.hint()
    exercise.solution()
    shown = capsys.readouterr().out
    assert exercise.hint_text in shown and exercise.solution_code in shown


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_has_three_checked_exercises_it_imports(path):
    code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    module = f"nb{path.name[:2]}"
    assert module in _modules(), f"helpers/exercises/{module}.py is missing"
    checked = set(re.findall(r"\b(q\d+)\.check\(", code))
    assert len(checked) >= 3, f"{path.name} calls check() of {sorted(checked)}; it needs at least three exercises"
    assert f"helpers.exercises.{module}" in code
    defined = {attr for attr, v in vars(importlib.import_module(f"helpers.exercises.{module}")).items()
               if isinstance(v, Exercise)}
    assert checked <= defined, f"{path.name} checks {sorted(checked - defined)}, which {module}.py does not define"


# ------------------------------------------------------------ the checkers themselves
def test_expect_number_says_how_far_off_and_recognises_typical_mistakes():
    expect_number(320, 320)
    with pytest.raises(Wrong, match=r"off by \+32"):
        expect_number(352, 320, "n")
    with pytest.raises(Wrong, match="forgot the biases"):
        expect_number(288, 320, "n", hint_if={288: "you forgot the biases"})
    with pytest.raises(Wrong, match="should be a number"):
        expect_number("320", 320)


def test_expect_array_names_shape_and_first_wrong_position():
    import numpy as np

    expect_array(np.eye(2), np.eye(2))
    with pytest.raises(Wrong, match=r"needs shape \(3, 3\), got \(3,\)"):
        expect_array(np.zeros(3), np.zeros((3, 3)), "kernel")
    with pytest.raises(Wrong, match=r"kernel\[0, 1\] is 0 but should be 1"):
        expect_array(np.eye(2), np.ones((2, 2)), "kernel")


def test_expect_model_names_the_first_difference():
    import keras
    from keras import layers

    def build(*stack):
        return keras.Sequential([keras.Input((8, 8, 1)), *stack])

    reference = build(layers.Conv2D(4, 3, activation="relu"), layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(3))
    expect_model(build(layers.Conv2D(4, 3, activation="relu"), layers.MaxPooling2D(2), layers.Flatten(),
                       layers.Dense(3)), reference)
    with pytest.raises(Wrong, match="layer 2 is Flatten but should be MaxPooling2D"):
        expect_model(build(layers.Conv2D(4, 3, activation="relu"), layers.Flatten(), layers.Dense(3)), reference)
    with pytest.raises(Wrong, match="activation is 'linear' but should be 'relu'"):
        expect_model(build(layers.Conv2D(4, 3), layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(3)), reference)
    with pytest.raises(Wrong, match="missing at the end: Dense"):
        expect_model(build(layers.Conv2D(4, 3, activation="relu"), layers.MaxPooling2D(2), layers.Flatten()), reference)


def test_a_blank_in_an_f_string_prints_as_a_blank():
    # a student cell may print a value before it is checked: the blank must not stop the cell with a TypeError
    assert f"top-1 {____:.0%}, found {____ / 2:.1f}" == "top-1 ____, found ____"


def test_group_norm_by_hand_is_what_keras_group_normalization_computes():
    """Notebook 06's q5 checks against a NumPy reference: it must be Keras' layer (γ = 1, β = 0 at initialisation)."""
    import numpy as np
    from keras import layers

    from helpers.exercises.nb06 import Q5_EPSILON, Q5_GROUPS, group_norm_by_hand, q5_maps

    maps = q5_maps()
    keras_out = np.asarray(layers.GroupNormalization(groups=Q5_GROUPS, epsilon=Q5_EPSILON)(maps))
    assert np.allclose(group_norm_by_hand(maps), keras_out, atol=1e-4)
    assert not np.allclose(group_norm_by_hand(maps), group_norm_by_hand(maps, groups=4), atol=1e-3)  # groups matter
