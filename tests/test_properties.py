"""Property-based tests (hypothesis): malformed input never crashes oddly and never passes silently."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import config, data
from helpers.fixture import make_split

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
    """The base CSV with one cell, one row or the header damaged; returns (text, must_fail)."""
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
    return text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=corrupted_csv())
def test_malformed_csv_fails_with_a_clear_error_or_loads_exactly(tmp_path, text):
    path = tmp_path / "sign_mnist_train.csv"
    path.write_text(text)
    try:
        images, labels = data.load_csv(path, expected_rows=len(ROWS))
    except data.SignMnistDataError as error:
        assert str(path) in str(error)
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
    assert out.size == 0 or (0.0 <= out.min() and out.max() <= 1.0)
    assert min(low, high) >= 0 and max(low, high) <= 255 or out.size == 0


@pytest.mark.parametrize("labels", [np.array([25]), np.array([-1]), np.array([3, 30])])
def test_one_hot_rejects_out_of_range(labels):
    with pytest.raises(ValueError, match="labels must lie"):
        data.one_hot(labels)
