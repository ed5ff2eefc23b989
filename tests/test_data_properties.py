"""Property-based tests (hypothesis): malformed input never crashes oddly and never passes silently."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from helpers import config, data
from tools.fixture import make_split

BASE = make_split(12, seed=5)
HEADER = ",".join(BASE.columns)
ROWS = [",".join(str(v) for v in row) for row in BASE.to_numpy()]

bad_values = st.one_of(
    st.integers(min_value=256, max_value=10**6),
    st.integers(max_value=-1),
    st.floats(allow_nan=True, allow_infinity=True).filter(lambda f: not float(f).is_integer()),
    st.text(alphabet="abcxyz!@#%^&*() ", min_size=1, max_size=6).filter(lambda t: t.strip() != ""),
    st.just(""),
)


@st.composite
def corrupted_csv(draw):
    """The base CSV with one cell, one row or the header damaged; returns (text, kind, damaged row)."""
    rows = list(ROWS)
    kind = draw(st.sampled_from(["cell", "short row", "long row", "header", "truncate", "label"]))
    r = draw(st.integers(0, len(rows) - 1))
    cells = rows[r].split(",")
    header = HEADER
    if kind == "cell":
        c = draw(st.integers(1, config.NUM_PIXELS))
        cells[c] = str(draw(bad_values))
    elif kind == "label":
        cells[0] = str(draw(st.sampled_from([9, 25, 26, -1, 100]) | bad_values))
    elif kind == "short row":
        cells = cells[: draw(st.integers(1, config.NUM_PIXELS))]
    elif kind == "long row":
        cells = cells + [str(draw(st.integers(0, 255)))] * draw(st.integers(1, 3))
    elif kind == "header":
        names = header.split(",")
        i = draw(st.integers(0, len(names) - 1))
        names[i] = draw(st.sampled_from(["", "pixel0", "Label", "px", names[(i + 1) % len(names)]]))
        header = ",".join(names)
    rows[r] = ",".join(cells)
    text = header + "\n" + "\n".join(rows) + "\n"
    if kind == "truncate":  # an interrupted download: cut anywhere, never right after a newline
        text = text[: draw(st.integers(0, len(text) - 2))]
        text = text if not text.endswith("\n") else text[:-1]
    return text, kind, r


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=corrupted_csv())
# pandas takes the first column as an index when the first data row has exactly one value too many
@example(damage=(HEADER + "\n" + "\n".join([ROWS[0] + ",0", *ROWS[1:]]) + "\n", "long row", 0))
def test_malformed_csv_fails_with_a_clear_error_or_loads_exactly(tmp_path, damage):
    text, kind, row = damage
    path = tmp_path / "sign_mnist_train.csv"
    path.write_text(text)
    try:
        images, labels = data.load_csv(path, expected_rows=len(ROWS))
    except data.SignMnistDataError as error:
        assert str(path) in str(error)
        if kind in ("cell", "label", "short row", "long row"):  # one damaged data row: the error points at it
            assert f"line {row + 2}" in str(error), f"{kind} damage in file line {row + 2}: {error}"
        elif kind == "header":
            assert "line 1" in str(error) or "header" in str(error)
        return
    # It loaded: then it must be exactly the original data (the damage was harmless, e.g. "7" for "7.0").
    assert np.array_equal(images.reshape(len(labels), -1), BASE.to_numpy()[:, 1:])
    assert np.array_equal(labels, BASE["label"].to_numpy())


@settings(max_examples=60, deadline=None)
@given(
    shape=st.sampled_from([(3, 28, 28), (3, 784), (3, 28, 28, 1), (28, 28), (3, 28, 27), (3, 28, 28, 3), (0, 28, 28), (3,)]),
    low=st.floats(-300, 300),
    high=st.floats(-300, 600),
)
def test_preprocess_accepts_valid_and_rejects_invalid(shape, low, high):
    images = np.linspace(low, high, int(np.prod(shape))).reshape(shape)
    try:
        out = data.preprocess(images)
    except ValueError as error:
        assert "shape" in str(error) or "0..255" in str(error)
        return
    assert out.ndim == 4 and out.shape[1:] == (28, 28, 1) and out.dtype == np.float32
    assert min(low, high) >= 0 and max(low, high) <= 255 or out.size == 0
    # the same images, in the same order, scaled by exactly 1/255
    assert out.size == images.size
    np.testing.assert_allclose(out.ravel(), images.ravel() / 255.0, rtol=1e-6, atol=1e-7)


@settings(max_examples=40, deadline=None)
@given(labels=st.lists(st.sampled_from(sorted(config.VALID_LABELS)), min_size=1, max_size=50))
def test_one_hot_marks_exactly_the_label_column(labels):
    encoded = data.one_hot(np.array(labels))
    assert encoded.shape == (len(labels), config.NUM_CLASSES)
    assert np.array_equal(encoded.argmax(axis=1), labels)
    assert np.array_equal(encoded.sum(axis=1), np.ones(len(labels))) and set(np.unique(encoded)) <= {0, 1}


@pytest.mark.parametrize("labels", [np.array([25]), np.array([-1]), np.array([3, 30])])
def test_one_hot_rejects_out_of_range(labels):
    with pytest.raises(ValueError, match="labels must lie"):
        data.one_hot(labels)
