"""Shared pytest fixtures: a generated Kaggle-format fixture and a seeded, offline kagglehub cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

from tools.fixture import seed_kagglehub_cache, write_fixture  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--data", default=None, help="folder with the real CSVs: notebooks run on it (fast mode)")
    parser.addoption("--site", default=None, help="a built course website to open in Chromium (tests/tools/test_site.py)")
    parser.addoption("--browser-all", action="store_true",
                     help="also run every notebook in JupyterLab + Chromium (`make browser`; long)")


def pytest_configure(config):
    config.addinivalue_line("markers", "browser_all: every notebook in the browser; runs only with --browser-all")


def pytest_collection_modifyitems(config, items):
    """Leave out the long every-notebook browser run unless --browser-all asks for it; run the notebooks first.

    The notebook runs are the longest tests: starting them first lets `make check`'s test processes
    (pytest-xdist, ``-n JOBS``) finish together instead of one waiting for a long test picked up last.
    """
    if not config.getoption("--browser-all"):
        left_out = [item for item in items if "browser_all" in item.keywords]
        if left_out:
            items[:] = [item for item in items if "browser_all" not in item.keywords]
            config.hook.pytest_deselected(items=left_out)
    items.sort(key=lambda item: "notebooks" not in item.keywords)  # a stable sort: the order is kept otherwise


@pytest.fixture(scope="session")
def real_data_dir(request) -> Path | None:
    value = request.config.getoption("--data")
    return Path(value).resolve() if value else None


@pytest.fixture(scope="session")
def fixture_dir(tmp_path_factory) -> Path:
    """Kaggle-format CSVs of the synthetic fixture (1200 train, 240 test images)."""
    return write_fixture(tmp_path_factory.mktemp("fixture"))


@pytest.fixture
def kagglehub_cache(tmp_path, fixture_dir, monkeypatch) -> Path:
    """A kagglehub cache holding the fixture as the pinned dataset version; the network is unreachable."""
    cache = tmp_path / "kagglehub"
    seed_kagglehub_cache(cache, fixture_dir)
    monkeypatch.setenv("KAGGLEHUB_CACHE", str(cache))
    monkeypatch.setenv("KAGGLE_API_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.delenv("SIGN_MNIST_DIR", raising=False)
    return cache


@pytest.fixture(autouse=True)
def scratch_artifacts(tmp_path, monkeypatch) -> Path:
    """Every test writes its cached arrays and models into its own temporary folder."""
    folder = tmp_path / "artifacts"
    monkeypatch.setenv("COURSE_ARTIFACTS", str(folder))
    monkeypatch.setenv("COURSE_BUILD", str(tmp_path / "build"))
    return folder


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A baseline CNN trained for three epochs on the fixture (enough to beat chance)."""
    from helpers import data, model, train

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COURSE_ARTIFACTS", str(tmp_path_factory.mktemp("art")))
        folder = write_fixture(tmp_path_factory.mktemp("fx"), n_train=1200, n_test=240)
        inputs = data.model_inputs(data.prepared_data(folder, seed=0, verbose=False))
        train.set_seed(0)
        net = model.build("baseline_cnn")
        net.fit(inputs["x_train"], inputs["y_train"], epochs=3, batch_size=64, verbose=0)
    return net, inputs
