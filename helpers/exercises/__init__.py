"""Checked exercises, in the style of Kaggle Learn's learntools.

Each notebook imports its exercises, e.g. ``from helpers.exercises.nb04 import q1, q2, q3``,
and every exercise offers three calls:

- ``q1.check(answer, ...)`` says ✅ when the answer is right, or ❌ and *what* is wrong
  ("layer 3 is Dense but should be MaxPooling2D", "off by +32: did you forget the biases?");
- ``q1.hint()`` gives a nudge;
- ``q1.solution()`` shows a worked answer.

In the student edition (``make student``) the answers in the notebook are replaced by
``____`` blanks; ``check()`` on a blank asks you to fill it in.

An exercise is defined by a ``check`` function that raises :class:`Wrong` with a
specific message, the hint, the solution code, and (for the course's own tests) at
least one typical wrong answer with a fragment of the message it must produce.
"""

from __future__ import annotations

import math
import numbers
from typing import Callable

import numpy as np


class Wrong(Exception):
    """The answer is not right; the message says what is wrong and, where it can, why."""


class _Blank:
    """The ``____`` placeholder of the student edition: stands for an answer not yet written."""

    def __repr__(self) -> str:
        return "____"

    def __format__(self, spec: str) -> str:  # f"{____:.2f}" prints ____ instead of failing
        return "____"

    # Arithmetic with a blank gives a blank, so `x = ____ / 255` runs and check() can say what to do.
    def _same(self, *args, **kwargs):
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __pow__ = __rpow__ = _same
    __matmul__ = __rmatmul__ = __neg__ = __call__ = __getitem__ = _same


____ = _Blank()

BLANK_MESSAGE = "Replace every ____ with your answer, then run the cell again."


def _contains_blank(value) -> bool:
    if isinstance(value, _Blank):
        return True
    if isinstance(value, (list, tuple, set)):
        return any(_contains_blank(v) for v in value)
    if isinstance(value, dict):
        return any(_contains_blank(v) for v in value.values())
    if isinstance(value, np.ndarray) and value.dtype == object:
        return any(_contains_blank(v) for v in value.ravel())
    return False


class Exercise:
    """One checked exercise: ``check()``, ``hint()`` and ``solution()`` for the learner.

    ``answers`` names the variables the solution defines, in the order ``check`` takes
    them; ``setup`` is code the solution needs first (the tests run it); ``wrong`` lists
    typical mistakes as ``(code, fragment)``: running ``setup`` then ``code`` must make
    ``check`` fail with ``fragment`` in its message.
    """

    def __init__(self, title: str, check: Callable, hint: str, solution: str,
                 answers: tuple[str, ...] = (), setup: str = "", wrong=()):
        self.title, self.check_fn, self.hint_text = title, check, hint
        self.solution_code, self.answers, self.setup = solution.strip(), tuple(answers), setup
        self.wrong, self.passed = list(wrong), False

    def __repr__(self) -> str:
        return f"<exercise: {self.title}; call .check(...), .hint() or .solution()>"

    def evaluate(self, *answers) -> tuple[bool, str]:
        """``(True, "")`` for a right answer, else ``(False, what is wrong)``; prints nothing."""
        if self.answers and len(answers) != len(self.answers):
            names = ", ".join(self.answers)
            return False, f"check() takes {len(self.answers)} answer(s): check({names})."
        if _contains_blank(answers):
            return False, BLANK_MESSAGE
        try:
            self.check_fn(*answers)
        except Wrong as wrong:
            return False, str(wrong)
        except Exception as error:  # the learner's answer broke the check: say how
            return False, f"checking your answer raised {type(error).__name__}: {error}"
        return True, ""

    def check(self, *answers) -> None:
        """Print ✅ when the answer is right, or ❌ and what is wrong."""
        ok, message = self.evaluate(*answers)
        self.passed = ok
        print(f"✅ Correct: {self.title}." if ok else f"❌ {message}")

    def hint(self) -> None:
        print(f"💡 Hint: {self.hint_text}")

    def solution(self) -> None:
        print(f"Solution ({self.title}):\n\n{self.solution_code}")

    def try_code(self, code: str) -> tuple[bool, str]:
        """Run ``setup`` and ``code`` in a fresh namespace, then check the names it defines."""
        namespace: dict = {}
        exec(self.setup, namespace)  # noqa: S102 - the course's own exercise code
        exec(code, namespace)  # noqa: S102
        return self.evaluate(*(namespace[name] for name in self.answers))


# ---------------------------------------------------------------- checkers
def expect_true(condition, message: str) -> None:
    """Fail with ``message`` unless ``condition`` holds."""
    if not condition:
        raise Wrong(message)


def expect_number(value, expected, name: str = "your answer", rel: float = 1e-6, abs: float = 0.0,
                  hint_if: dict | None = None) -> None:
    """A number close to ``expected``; ``hint_if`` maps typical wrong values to an explanation."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise Wrong(f"{name} should be a number, got {type(value).__name__} {value!r}.")
    if math.isclose(value, expected, rel_tol=rel, abs_tol=abs):
        return
    for typical, explanation in (hint_if or {}).items():
        if math.isclose(value, typical, rel_tol=rel, abs_tol=abs):
            raise Wrong(f"{name} = {value:g}: {explanation}")
    difference = value - expected
    relative = f" ({difference / expected:+.0%})" if expected else ""
    raise Wrong(f"{name} = {value:g} is off by {difference:+g}{relative}.")


def expect_array(value, expected, name: str = "your array", atol: float = 1e-6) -> None:
    """An array of ``expected``'s shape whose values match within ``atol``."""
    expected = np.asarray(expected)
    if hasattr(value, "numpy"):  # a TensorFlow tensor
        value = value.numpy()
    if not isinstance(value, (np.ndarray, list, tuple, numbers.Real)):
        raise Wrong(f"{name} should be a NumPy array, got {type(value).__name__}.")
    value = np.asarray(value)
    if value.dtype == object or not np.issubdtype(value.dtype, np.number) and value.dtype != bool:
        raise Wrong(f"{name} should hold numbers, got dtype {value.dtype}.")
    if value.shape != expected.shape:
        raise Wrong(f"{name} needs shape {expected.shape}, got {value.shape}.")
    close = np.isclose(value, expected, atol=atol, rtol=0)
    if not close.all():
        position = tuple(int(i) for i in np.argwhere(~close)[0])
        where = "[" + ", ".join(map(str, position)) + "]"
        raise Wrong(
            f"{name}{where} is {value[position]:.4g} but should be {expected[position]:.4g} "
            f"({int((~close).sum())} of {close.size} values differ)."
        )


_LAYER_KEYS = ("filters", "units", "kernel_size", "strides", "pool_size", "padding", "activation",
               "rate", "use_bias", "momentum")


def _layers(model):
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


def expect_model(model, reference, name: str = "your model") -> None:
    """A Keras model with the same layers as ``reference``: type, settings, shapes, parameters."""
    import keras

    if not isinstance(model, keras.Model):
        raise Wrong(f"{name} should be a Keras model (keras.Sequential([...])), got {type(model).__name__}.")
    mine, theirs = _layers(model), _layers(reference)
    for position, (layer, ref) in enumerate(zip(mine, theirs), start=1):
        if type(layer) is not type(ref):
            raise Wrong(f"layer {position} is {type(layer).__name__} but should be {type(ref).__name__}.")
        config, ref_config = layer.get_config(), ref.get_config()
        for key in _LAYER_KEYS:
            if key in ref_config and config.get(key) != ref_config[key]:
                raise Wrong(
                    f"layer {position} ({type(ref).__name__}): {key} is {config.get(key)!r} "
                    f"but should be {ref_config[key]!r}."
                )
    if len(mine) != len(theirs):
        missing = ", ".join(type(layer).__name__ for layer in theirs[len(mine):])
        extra = ", ".join(type(layer).__name__ for layer in mine[len(theirs):])
        detail = f"missing at the end: {missing}" if missing else f"extra at the end: {extra}"
        raise Wrong(f"{name} has {len(mine)} layers but should have {len(theirs)} ({detail}).")
    if tuple(model.input_shape) != tuple(reference.input_shape):
        raise Wrong(f"{name} takes inputs of shape {model.input_shape}, should be {reference.input_shape}.")
    if tuple(model.output_shape) != tuple(reference.output_shape):
        raise Wrong(f"{name} outputs shape {model.output_shape}, should be {reference.output_shape}.")
    if model.count_params() != reference.count_params():
        raise Wrong(f"{name} has {model.count_params():,} parameters, should have {reference.count_params():,}.")
