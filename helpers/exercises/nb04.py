"""Checked exercises of notebook 04 (build and train the baseline CNN)."""

from __future__ import annotations

import numpy as np

from helpers.exercises import Exercise, Wrong, expect_array, expect_model, expect_number

# ---------------------------------------------------------------- q1: count its parameters
#: conv1 3·3·1·64 + 64, conv2 3·3·64·128 + 128, dense (5·5·128)·128 + 128, output 128·25 + 25
DOUBLED_PARAMS = (3 * 3 * 1 * 64 + 64) + (3 * 3 * 64 * 128 + 128) + (5 * 5 * 128 * 128 + 128) + (128 * 25 + 25)
_SEED_PARAMS = (3 * 3 * 1 * 32 + 32) + (3 * 3 * 32 * 64 + 64) + (5 * 5 * 64 * 128 + 128) + (128 * 25 + 25)


def _check_q1(n_params_wide):
    expect_number(n_params_wide, DOUBLED_PARAMS, name="n_params_wide", hint_if={
        _SEED_PARAMS: "that is the baseline CNN's count (226,969); count the network with 64 and 128 filters.",
        # the Dense layer kept at the baseline's size (1600 inputs)
        DOUBLED_PARAMS - (5 * 5 * 128 * 128) + (5 * 5 * 64 * 128):
            "the first Dense layer grows too: Flatten now hands it 5×5×128 = 3,200 numbers, not 1,600.",
        # conv2 counted with the baseline's 32 input channels (2× instead of 4×)
        DOUBLED_PARAMS - (3 * 3 * 64 * 128) + (3 * 3 * 32 * 128):
            "the second convolution now sees 64 input channels, not 32: it grows 4×, not 2×.",
        DOUBLED_PARAMS - (64 + 128 + 128 + 25): "off by 345: did you forget the biases (one per filter or unit)?",
    })


q1 = Exercise(
    "Parameters of the baseline CNN with twice the filters",
    check=_check_q1,
    hint="Count layer by layer: a Conv2D has kernel height × width × input channels × filters weights plus one "
         "bias per filter; a Dense layer has inputs × units weights plus one bias per unit. Which layers' inputs "
         "changed when the filters doubled?",
    solution=(
        "n_params_wide = (3 * 3 * 1 * 64 + 64) + (3 * 3 * 64 * 128 + 128) + (5 * 5 * 128 * 128 + 128) + (128 * 25 + 25)\n"
        "# conv1 grows 2× (320 → 640), conv2 4× (18,496 → 73,856), the first Dense layer 2× (1,600 → 3,200 inputs)"
    ),
    answers=("n_params_wide",),
    wrong=[
        ("n_params_wide = (3 * 3 * 1 * 64 + 64) + (3 * 3 * 64 * 128 + 128) + (5 * 5 * 64 * 128 + 128) + (128 * 25 + 25)",
         "Flatten now hands it"),
        ("n_params_wide = (3 * 3 * 1 * 64 + 64) + (3 * 3 * 32 * 128 + 128) + (5 * 5 * 128 * 128 + 128) + (128 * 25 + 25)",
         "grows 4×"),
        ("n_params_wide = 3 * 3 * 1 * 64 + 3 * 3 * 64 * 128 + 5 * 5 * 128 * 128 + 128 * 25", "biases"),
    ],
)

# ---------------------------------------------------------------- q2: type the network


def doubled_baseline_cnn():
    """The reference for q2: the baseline CNN with 64 and 128 filters instead of 32 and 64."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(128, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.3),
        layers.Dense(25, activation="softmax"),
    ])


def _check_q2(wide_model):
    expect_model(wide_model, doubled_baseline_cnn(), name="wide_model")


_Q2_SETUP = "import keras\nfrom keras import layers\n"
_Q2_SOLUTION = """
wide_model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(64, 3, activation="relu"),
    layers.MaxPooling2D(2),
    layers.Conv2D(128, 3, activation="relu"),
    layers.MaxPooling2D(2),
    layers.Flatten(),
    layers.Dense(128, activation="relu"),
    layers.Dropout(0.3),
    layers.Dense(25, activation="softmax"),
])
"""

q2 = Exercise(
    "Type the baseline CNN with twice the filters",
    check=_check_q2,
    hint="Copy the baseline CNN layer by layer (Conv2D, MaxPooling2D, Conv2D, MaxPooling2D, Flatten, Dense, "
         "Dropout, Dense) and change only the two Conv2D filter counts to 64 and 128.",
    solution=_Q2_SOLUTION,
    answers=("wide_model",),
    setup=_Q2_SETUP,
    wrong=[
        (_Q2_SOLUTION.replace("Conv2D(64", "Conv2D(32").replace("Conv2D(128", "Conv2D(64"),
         "layer 1 (Conv2D): filters is 32 but should be 64"),
        (_Q2_SOLUTION.replace('    layers.Dropout(0.3),\n', ""), "layer 7 is Dense but should be Dropout"),
        (_Q2_SOLUTION.replace('Dense(25, activation="softmax")', "Dense(25)"),
         "activation is 'linear' but should be 'softmax'"),
    ],
)

# ---------------------------------------------------------------- q3: a convolution by hand
#: A 5×5 "image": dark on the left, bright on the right, with one bright dot.
tiny_image = np.array([
    [0, 0, 1, 1, 1],
    [0, 0, 1, 1, 1],
    [0, 0, 1, 1, 1],
    [0, 0, 1, 1, 1],
    [0, 9, 1, 1, 1],
], dtype=np.float32)
#: The vertical-edge kernel of the notebook.
tiny_kernel = np.array([
    [1, 0, -1],
    [1, 0, -1],
    [1, 0, -1],
], dtype=np.float32)


def _valid_correlation(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    windows = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)
    return np.einsum("ijkl,kl->ij", windows, kernel)


def _check_q3(feature_map):
    if feature_map is None:
        raise Wrong("feature_map is still None: compute the 3×3 array, entry by entry.")
    expected = _valid_correlation(tiny_image, tiny_kernel)
    value = np.asarray(feature_map.numpy() if hasattr(feature_map, "numpy") else feature_map)
    if value.shape == expected.shape and value.dtype != object:
        if np.allclose(value, _valid_correlation(tiny_image, tiny_kernel[::-1, ::-1])):
            raise Wrong("you flipped the kernel (the textbook 'convolution'); Conv2D does not flip it: "
                        "multiply each 3×3 patch by the kernel as it is, then sum.")
        if np.allclose(value, -expected):
            raise Wrong("every value has the wrong sign: multiply the patch by the kernel as given (left column +1).")
    if value.shape == tiny_image.shape:
        raise Wrong("feature_map needs shape (3, 3), got (5, 5): without padding a 3×3 kernel fits 5 − 3 + 1 = 3 "
                    "times along each side.")
    expect_array(value, expected, name="feature_map")


_Q3_SOLUTION = """
feature_map = np.zeros((3, 3))
for i in range(3):
    for j in range(3):
        feature_map[i, j] = np.sum(tiny_image[i:i + 3, j:j + 3] * tiny_kernel)
"""

q3 = Exercise(
    "A 3×3 convolution by hand",
    check=_check_q3,
    hint="The output is 3×3 (5 − 3 + 1). Entry [i, j] is the sum of tiny_image[i:i + 3, j:j + 3] * tiny_kernel.",
    solution=_Q3_SOLUTION,
    answers=("feature_map",),
    setup="import numpy as np\nfrom helpers.exercises.nb04 import tiny_image, tiny_kernel\n",
    wrong=[
        (_Q3_SOLUTION.replace("* tiny_kernel", "* tiny_kernel[::-1, ::-1]"), "flipped the kernel"),
        ("feature_map = np.zeros((5, 5))", "needs shape (3, 3), got (5, 5)"),
        (_Q3_SOLUTION.replace("tiny_image[i:i + 3, j:j + 3]", "tiny_image[j:j + 3, i:i + 3]"), "feature_map["),
    ],
)

# ---------------------------------------------------------------- q4: stride and padding
#: Conv2D(16, 5, strides=2) on a 28×28 image: out = floor((n + 2p − k) / s) + 1
_N, _K, _S = 28, 5, 2
OUT_VALID = (_N - _K) // _S + 1  # p = 0: 12
OUT_SAME = (_N + 2 * 2 - _K) // _S + 1  # p = (5 − 1) / 2 = 2: 14


def _check_q4(out_valid, out_same):
    expect_number(out_valid, OUT_VALID, name="out_valid", hint_if={
        (_N - _K) // _S: "you forgot the + 1: the formula counts the strides after the kernel's first position, "
                         "then adds that first position.",
        (_N - _K) / _S + 1: "a size is a whole number of positions: round (n + 2p − k) / s down before adding 1 "
                            "(// in Python).",
        (_N - _K) / _S: "round (n + 2p − k) / s down, then add 1 for the kernel's first position.",
        _N - _K + 1: "that is the size with stride 1; the kernel moves 2 pixels at a time: divide by s = 2.",
        OUT_SAME: "that is the 'same' size; 'valid' adds no zeros (p = 0).",
        (_N - 3) // _S + 1: "that is a 3×3 kernel's size; this kernel is 5×5 (k = 5).",
    })
    expect_number(out_same, OUT_SAME, name="out_same", hint_if={
        OUT_VALID: "that is the 'valid' size (p = 0); 'same' adds p = (k − 1) / 2 = 2 rows and columns of zeros "
                   "on each side of a 5×5 kernel.",
        _N: "'same' keeps the input's size only with stride 1; with stride 2 the kernel visits every other "
            "position, so the output is about half as tall.",
        # p = 1 and a forgotten + 1 both give 13
        (_N + 2 - _K) // _S + 1: "did you use p = 1? That is the padding of a 3×3 kernel; a 5×5 kernel needs "
                                 "p = (5 − 1) / 2 = 2. (Or did you forget the + 1 for the kernel's first position?)",
        (_N + 4 - _K) / _S + 1: "a size is a whole number: round (n + 2p − k) / s down before adding 1.",
    })


_Q4_SOLUTION = """
out_valid = (28 + 2 * 0 - 5) // 2 + 1  # 'valid': p = 0 → 12
out_same = (28 + 2 * 2 - 5) // 2 + 1  # 'same', 5×5 kernel: p = 2 → 14 (Keras: 28 / 2, rounded up)
"""

q4 = Exercise(
    "Output size with stride 2, 'valid' and 'same' padding",
    check=_check_q4,
    hint="Use out = floor((n + 2p − k) / s) + 1 with n = 28, k = 5, s = 2; p = 0 for 'valid', and p = (k − 1) / 2 "
         "for 'same'. In Python, // divides and rounds down.",
    solution=_Q4_SOLUTION,
    answers=("out_valid", "out_same"),
    wrong=[
        ("out_valid = (28 - 5) // 2\nout_same = 14", "forgot the + 1"),
        ("out_valid = (28 - 5) / 2 + 1\nout_same = 14", "whole number"),
        ("out_valid = 28 - 5 + 1\nout_same = 14", "stride 1"),
        ("out_valid = 12\nout_same = 12", "that is the 'valid' size"),
        ("out_valid = 14\nout_same = 14", "that is the 'same' size"),
        ("out_valid = 12\nout_same = 28", "only with stride 1"),
        ("out_valid = 12\nout_same = (28 + 2 - 5) // 2 + 1", "That is the padding of a 3×3 kernel"),
        ("out_valid = 12\nout_same = (28 + 4 - 5) / 2 + 1", "whole number"),
    ],
)
