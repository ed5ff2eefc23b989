"""`make benchmark` and `make course` code paths, fast, on the fixture."""

from __future__ import annotations

import json

import keras
import pytest

from helpers import benchmark, train
from helpers.fixture import write_fixture


def test_benchmark_fast_mode_writes_json_and_markdown(tmp_path, scratch_artifacts, capsys):
    fixture = write_fixture(tmp_path / "fx", n_train=600, n_test=96)
    report = benchmark.main(["--fast", "--seeds", "1", "--data", str(fixture)])
    out = capsys.readouterr().out
    assert "[1/2] seed_cnn seed 0" in out and "[2/2] improved_cnn seed 0" in out
    saved = json.loads((tmp_path / "build" / "benchmark.json").read_text())
    assert saved["fast"] is True and set(saved["summary"]) == {"seed_cnn", "improved_cnn"}
    for run in saved["runs"]:
        assert run["params"] > 0 and run["peak_memory_mib"] > 100 and run["throughput_images_per_s_batch256"] > 0
        assert 0.0 <= run["test_accuracy"] <= 1.0 and run["latency_ms_predict"] > 0 and run["latency_ms_direct_call"] > 0
    table = (tmp_path / "build" / "benchmark.md").read_text()
    assert "| improved_cnn | 1 |" in table and "FAST MODE" in table
    assert report["summary"]["improved_cnn"]["params"] <= 300_000


def test_models_load_only_in_safe_mode(tmp_path):
    inputs = keras.Input((28, 28, 1))
    outputs = keras.layers.Lambda(lambda x: x * 2)(inputs)
    folder = tmp_path / "run"
    folder.mkdir()
    keras.Model(inputs, outputs).save(folder / "model.keras")
    (folder / "history.csv").write_text("epoch,accuracy\n0,0.5\n")
    (folder / "run.json").write_text("{}")
    with pytest.raises(ValueError, match="safe_mode"):
        train.load_run(folder)
