"""Checked exercises of notebook 08 (save, export to TensorFlow Lite, predict your own hand)."""

from __future__ import annotations

import numpy as np

from helpers.exercises import Exercise, Wrong, expect_array, expect_number, expect_true

#: q4's activations: one layer's outputs on a few calibration images (made up, small on purpose).
q4_activations = np.array([-0.7, 0.0, 0.35, 1.9, 2.4, 3.1, 0.8, -0.2], dtype=np.float32)


def _int8_range(values) -> tuple[float, float]:
    """The range int8 quantization must cover: the data's, widened to include 0."""
    return min(float(np.min(values)), 0.0), max(float(np.max(values)), 0.0)


# ---------------------------------------------------------------- q1: quantize, then dequantize

#: q1's tensor parameters and values.
q1_scale, q1_zero_point = 0.02, -10
q1_values = np.array([1.234, -3.0, 4.0, 0.0])


def _check_q1(q, restored):
    expected_q = np.clip(np.round(q1_values / q1_scale) + q1_zero_point, -128, 127)
    if not isinstance(q, np.ndarray):
        raise Wrong(f"q should be a NumPy array of int8 codes, got {type(q).__name__}.")
    unclipped = np.round(q1_values / q1_scale) + q1_zero_point
    if q.shape == expected_q.shape and np.array_equal(q, unclipped):
        raise Wrong("some codes lie outside −128 … 127: int8 cannot hold them, clip with np.clip(..., -128, 127).")
    if q.shape == expected_q.shape and np.array_equal(q, np.clip(np.round(q1_values / q1_scale), -128, 127)):
        raise Wrong("you forgot the zero point: q = round(x / scale) + zero_point.")
    if q.shape == expected_q.shape and np.array_equal(q, np.clip(np.round(q1_values / q1_scale) - q1_zero_point, -128, 127)):
        raise Wrong("the zero point is added, not subtracted: q = round(x / scale) + zero_point.")
    expect_array(q, expected_q, name="q", atol=0)
    expect_true(q.dtype == np.int8, f"q holds the right codes but has dtype {q.dtype}: store them as int8 (.astype(np.int8)).")
    expected_restored = (expected_q - q1_zero_point) * q1_scale
    if isinstance(restored, np.ndarray) and restored.shape == expected_q.shape and np.allclose(
            restored, expected_q.astype(np.float64) * q1_scale):
        raise Wrong("restored = (q − zero_point) × scale: subtract the zero point before scaling.")
    if isinstance(restored, np.ndarray) and restored.dtype == np.int8:
        raise Wrong("restored is still int8: convert q to float (q.astype(np.float32)) before subtracting and scaling.")
    expect_array(restored, expected_restored, name="restored", atol=1e-5)


def _q1_solution() -> str:
    """The worked answer, with what happens to each of q1_values computed from the values themselves."""
    lines = [
        "q = np.clip(np.round(q1_values / q1_scale) + q1_zero_point, -128, 127).astype(np.int8)",
        "restored = (q.astype(np.float32) - q1_zero_point) * q1_scale",
        "# Which values come back changed, and why:",
    ]
    low, high = (-128 - q1_zero_point) * q1_scale, (127 - q1_zero_point) * q1_scale
    for x in q1_values:
        code = int(np.clip(np.round(x / q1_scale) + q1_zero_point, -128, 127))
        back = (code - q1_zero_point) * q1_scale
        if x == 0:
            why = f"exact: 0 is stored as the zero point itself (code {code})"
        elif not low <= x <= high:
            why = f"clipped: outside the range {low:g} … {high:g} that the codes −128 … 127 cover"
        elif np.isclose(back, x):
            why = "exact: it lies on a step"
        else:
            why = f"rounded to the nearest step of {q1_scale:g}"
        lines.append(f"#   {x:g} -> code {code} -> {back:g}: {why}")
    return "\n" + "\n".join(lines) + "\n"


q1 = Exercise(
    "Quantize four values to int8 and back",
    check=_check_q1,
    hint="q = round(x / scale) + zero_point, clipped to −128 … 127 and stored as int8; "
         "back: x ≈ (q − zero_point) × scale (in floats).",
    solution=_q1_solution(),
    answers=("q", "restored"),
    setup="import numpy as np\nfrom helpers.exercises.nb08 import q1_scale, q1_values, q1_zero_point\n",
    wrong=[
        ("q = (np.round(q1_values / q1_scale) + q1_zero_point).astype(np.int16)\nrestored = (q - q1_zero_point) * q1_scale",
         "clip"),
        ("q = np.clip(np.round(q1_values / q1_scale), -128, 127).astype(np.int8)\nrestored = q * q1_scale", "forgot the zero point"),
        ("q = np.clip(np.round(q1_values / q1_scale) + q1_zero_point, -128, 127).astype(np.int8)\n"
         "restored = q.astype(np.float32) * q1_scale", "subtract the zero point"),
    ],
)


# ---------------------------------------------------------------- q2: the top-3 letters

#: q2's probabilities: one softmax output over the 25 classes A..Y (index 9, J, is never a static sign).
q2_probabilities = np.array([
    0.010, 0.020, 0.005, 0.030, 0.010, 0.010, 0.240, 0.150, 0.005, 0.180,
    0.010, 0.005, 0.005, 0.010, 0.005, 0.020, 0.200, 0.005, 0.005, 0.010,
    0.010, 0.010, 0.005, 0.020, 0.020,
])
_LETTERS = tuple(chr(ord("A") + k) for k in range(25))


def _check_q2(top3):
    expected = ["G", "Q", "H"]
    if isinstance(top3, np.ndarray):
        top3 = top3.tolist()
    if not isinstance(top3, (list, tuple)) or not all(isinstance(t, str) for t in top3):
        raise Wrong(f"top3 should be a list of three letters such as ['A', 'B', 'C'], got {top3!r}.")
    if len(top3) != 3:
        raise Wrong(f"top3 has {len(top3)} letters, should have 3.")
    if list(top3) == expected:
        return
    if "J" in top3:
        raise Wrong("J is in your list: it is signed with a motion, the network never learned it; "
                    "set its probability to 0 (or skip index 9) before ranking.")
    if list(top3) == expected[::-1]:
        raise Wrong("the right letters in the wrong order: most probable first (np.argsort sorts ascending; reverse it).")
    if sorted(top3) == sorted(expected):
        raise Wrong(f"the right letters, but in the order {top3}: rank by probability, most probable first.")
    if list(top3) == ["F", "P", "G"] or list(top3) == ["H", "R", "I"]:
        raise Wrong("off by one letter: index k is the letter chr(ord('A') + k), so index 0 is A.")
    expect_true(list(top3) == expected, f"top3 = {list(top3)} is not the three most probable static letters.")


q2 = Exercise(
    "The three most probable letters",
    check=_check_q2,
    hint="Copy the probabilities, set index 9 (J) to 0, then np.argsort(...)[::-1][:3] gives the indices of the "
         "three largest; index k is the letter chr(ord('A') + k).",
    solution="""
p = q2_probabilities.copy()
p[9] = 0.0  # J needs a motion: never a prediction
top3 = [chr(ord("A") + k) for k in np.argsort(p)[::-1][:3]]
""",
    answers=("top3",),
    setup="import numpy as np\nfrom helpers.exercises.nb08 import q2_probabilities\n",
    wrong=[
        ("top3 = [chr(ord('A') + k) for k in np.argsort(q2_probabilities)[::-1][:3]]", "J is in your list"),
        ("p = q2_probabilities.copy()\np[9] = 0\ntop3 = [chr(ord('A') + k) for k in np.argsort(p)[-3:]]", "wrong order"),
        ("p = q2_probabilities.copy()\np[9] = 0\ntop3 = [chr(ord('A') + k - 1) for k in np.argsort(p)[::-1][:3]]",
         "off by one letter"),
    ],
)


# ---------------------------------------------------------------- q3: how much smaller is int8?


def _check_q3(float32_bytes, int8_bytes):
    weights, biases = 1152 * 25, 25
    expect_number(float32_bytes, 4 * (weights + biases), name="float32_bytes", hint_if={
        weights + biases: "a float32 number takes 4 bytes, not 1.",
        4 * weights: "the 25 biases count too.",
        32 * (weights + biases): "that is bits: a float32 is 32 bits = 4 bytes.",
    })
    expect_number(int8_bytes, weights + 4 * biases, name="int8_bytes", hint_if={
        weights + biases: "TFLite keeps the biases as 32-bit integers (4 bytes each): only the weights become int8.",
        weights: "the 25 biases count too (as 32-bit integers, 4 bytes each).",
        (weights + biases) / 4: "int8 is one byte per weight, not a quarter byte.",
    })


q3 = Exercise(
    "Bytes of a Dense layer in float32 and int8",
    check=_check_q3,
    hint="A Dense layer from 1,152 features to 25 letters has 1,152 × 25 weights and 25 biases. float32: 4 bytes each. "
         "int8 TFLite: 1 byte per weight, but the biases stay 32-bit integers (4 bytes).",
    solution="""
weights, biases = 1152 * 25, 25
float32_bytes = 4 * (weights + biases)
int8_bytes = 1 * weights + 4 * biases
""",
    answers=("float32_bytes", "int8_bytes"),
    setup="",
    wrong=[
        ("float32_bytes = 1152 * 25 + 25\nint8_bytes = 1152 * 25", "4 bytes, not 1"),
        ("float32_bytes = 4 * (1152 * 25 + 25)\nint8_bytes = 1152 * 25 + 25", "32-bit integers"),
    ],
)


# ---------------------------------------------------------------- q4: scale and zero point by hand


def _check_q4(scale, zero_point):
    low, high = _int8_range(q4_activations)
    expected_scale = (high - low) / 255
    expect_number(scale, expected_scale, name="scale", rel=1e-4, hint_if={
        high / 255: "the range starts at the minimum (a negative number here), not at 0: use max − min.",
        (high - low) / 256: "256 int8 levels leave 255 steps between the lowest and the highest: divide by 255.",
        (high - low) / 127: "that is the symmetric weight scale for max|x|; activations use the full range max − min over 255 steps.",
    })
    if isinstance(zero_point, bool) or not float(zero_point) == round(float(zero_point)):
        raise Wrong(f"zero_point = {zero_point!r}: a zero point is an integer (the int8 code of the real value 0): round it.")
    expected_zero = round(-128 - low / expected_scale)
    expect_number(zero_point, expected_zero, name="zero_point", hint_if={
        round(-low / expected_scale): "int8 starts at −128, not 0 (that would be uint8): the minimum must map to −128.",
        round(-128 + low / expected_scale): "check the sign: the minimum x_min must map to −128, so zero_point = −128 − x_min / scale.",
    })


q4 = Exercise(
    "int8 scale and zero point of an activation tensor",
    check=_check_q4,
    hint="Use the range from the minimum to the maximum (include 0). 256 int8 codes, −128 … 127, leave 255 steps: "
         "scale = (max − min) / 255. The minimum must land on −128: zero_point = round(−128 − min / scale).",
    solution="""
low, high = min(q4_activations.min(), 0), max(q4_activations.max(), 0)
scale = (high - low) / 255
zero_point = round(-128 - low / scale)
""",
    answers=("scale", "zero_point"),
    setup="import numpy as np\nfrom helpers.exercises.nb08 import q4_activations\n",
    wrong=[
        ("scale = q4_activations.max() / 255\nzero_point = -128", "starts at the minimum"),
        ("scale = (q4_activations.max() - q4_activations.min()) / 256\nzero_point = -128", "divide by 255"),
        ("scale = (q4_activations.max() - q4_activations.min()) / 255\n"
         "zero_point = round(-q4_activations.min() / scale)", "int8 starts at −128"),
        ("scale = (q4_activations.max() - q4_activations.min()) / 255\n"
         "zero_point = -128 - q4_activations.min() / scale", "is an integer"),
    ],
)
