"""`make benchmark`: the seed CNN vs the improved CNN, per seed, on the real test set.

For each seed and model it trains from scratch in a fresh subprocess (so peak memory is
that run's own) and measures: test accuracy, training wall time, parameters, peak
resident memory, batch inference throughput (images/s at batch 256) and single-image
latency (``model.predict`` vs calling the model directly). Results go to
``build/benchmark.json`` and ``build/benchmark.md``.

    python -m helpers.benchmark --data ../shared/data/sign_mnist --seeds 3
    python -m helpers.benchmark --fast   # the fixture, one short epoch: checks the code path
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from helpers.config import build_dir

#: the models compared (recipes and epochs: helpers.model.EPOCHS, as in notebooks 04 and 06)
RECIPES = ("seed_cnn", "improved_cnn")
BATCH_SIZE = 128


def latency_ms(call, repeats: int = 50) -> float:
    """Median wall time of ``call()`` in milliseconds, after two warm-up calls."""
    call(), call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def run_one(name: str, seed: int, data_dir: str | None, fast: bool, out: Path) -> None:
    """Train and measure one (model, seed); write the result as JSON to ``out``."""
    from helpers import data, evaluate, train
    from helpers import model as model_lib

    train.set_seed(seed)
    prepared = data.prepared_data(data_dir, seed=42, verbose=False)  # one split for every seed
    inputs = data.model_inputs(prepared, fast=fast, seed=42)
    epochs = 1 if fast else model_lib.EPOCHS[name]
    model = model_lib.build(name, total_steps=model_lib.steps_for(len(inputs["x_train"]), epochs, BATCH_SIZE))
    folder = train.run_dir(f"benchmark_{name}", prepared["key"], fast, seed)
    info = train.fit(model, inputs["x_train"], inputs["y_train"], inputs["x_val"], inputs["y_val"],
                     folder, epochs, BATCH_SIZE, verbose=0)
    x_test, y_test = inputs["x_test"], inputs["labels_test"]
    test_acc = evaluate.accuracy(y_test, evaluate.predict_labels(model, x_test))
    model.predict(x_test[:512], batch_size=256, verbose=0)  # warm-up
    start = time.perf_counter()
    model.predict(x_test, batch_size=256, verbose=0)
    throughput = len(x_test) / (time.perf_counter() - start)
    one = x_test[:1]
    result = {
        "model": name, "seed": seed, "epochs": epochs, "data": prepared["key"],
        "test_images": int(len(y_test)), "test_accuracy": round(test_acc, 5),
        "train_seconds": info["train_seconds_this_session"], "params": info["params"],
        "throughput_images_per_s_batch256": round(throughput, 1),
        "latency_ms_predict": round(latency_ms(lambda: model.predict(one, verbose=0)), 2),
        "latency_ms_direct_call": round(latency_ms(lambda: model(one, training=False)), 2),
        "resumed": info["resumed"],
    }
    out.write_text(json.dumps(result))


def measure_in_subprocess(name: str, seed: int, data_dir: str | None, fast: bool) -> dict:
    """Run :func:`run_one` in a child process and add its peak resident memory (MiB)."""
    out = build_dir() / f"benchmark_{name}_seed{seed}.json"
    out.unlink(missing_ok=True)
    command = [sys.executable, "-m", "helpers.benchmark", "--one", name, str(seed), "--out", str(out)]
    command += ["--fast"] if fast else []
    command += ["--data", data_dir] if data_dir else []
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"benchmark run {name} seed {seed} failed (exit {os.waitstatus_to_exitcode(status)})")
    result = json.loads(out.read_text())
    out.unlink()
    result["peak_memory_mib"] = round(usage.ru_maxrss / 1024, 1)  # ru_maxrss is in KiB on Linux
    return result


def machine() -> dict:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import tensorflow as tf

    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "tensorflow": tf.__version__, "os": platform.platform()}


def summarize(runs: list[dict]) -> dict:
    summary = {}
    for name in RECIPES:
        rows = [r for r in runs if r["model"] == name]
        if not rows:
            continue
        acc = [r["test_accuracy"] for r in rows]
        summary[name] = {
            "seeds": [r["seed"] for r in rows],
            "test_accuracy_mean": round(statistics.mean(acc), 5),
            "test_accuracy_min": min(acc), "test_accuracy_max": max(acc),
            "train_seconds_max": max(r["train_seconds"] for r in rows),
            "train_seconds_mean": round(statistics.mean(r["train_seconds"] for r in rows), 1),
            "params": rows[0]["params"],
            "peak_memory_mib_max": max(r["peak_memory_mib"] for r in rows),
            "throughput_images_per_s_batch256": round(statistics.median(r["throughput_images_per_s_batch256"] for r in rows), 1),
            "latency_ms_predict": round(statistics.median(r["latency_ms_predict"] for r in rows), 2),
            "latency_ms_direct_call": round(statistics.median(r["latency_ms_direct_call"] for r in rows), 2),
        }
    return summary


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        f"Benchmark of {report['date']} on {m['cores']} cores ({m['cpu']}), TensorFlow {m['tensorflow']}, "
        f"{'FAST MODE (fixture check, not a result)' if report['fast'] else 'real data, full settings'}; "
        f"command: `{report['command']}`",
        "",
        "| model | seeds | test accuracy mean (min–max) | train time per seed, max (mean) | parameters "
        "| peak memory | throughput, batch 256 | latency 1 image: predict / direct call |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, s in report["summary"].items():
        lines.append(
            f"| {name} | {len(s['seeds'])} | {100 * s['test_accuracy_mean']:.2f}% "
            f"({100 * s['test_accuracy_min']:.2f}–{100 * s['test_accuracy_max']:.2f}%) "
            f"| {s['train_seconds_max']:.0f} s ({s['train_seconds_mean']:.0f} s) | {s['params']:,} "
            f"| {s['peak_memory_mib_max']:.0f} MiB | {s['throughput_images_per_s_batch256']:,.0f} img/s "
            f"| {s['latency_ms_predict']:.1f} ms / {s['latency_ms_direct_call']:.1f} ms |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict | None:
    parser = argparse.ArgumentParser(description="Seed CNN vs improved CNN, per seed.")
    parser.add_argument("--data", help="folder with the two CSVs (default: SIGN_MNIST_DIR or kagglehub)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--models", default=",".join(RECIPES))
    parser.add_argument("--fast", action="store_true", help="one short epoch on a subset: a code-path check")
    parser.add_argument("--one", nargs=2, metavar=("MODEL", "SEED"), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        run_one(args.one[0], int(args.one[1]), args.data, args.fast, Path(args.out))
        return None

    runs = []
    models = args.models.split(",")
    for seed in range(args.seeds):
        for name in models:
            result = measure_in_subprocess(name, seed, args.data, args.fast)
            runs.append(result)
            print(
                f"[{len(runs)}/{args.seeds * len(models)}] {name} seed {seed}: test accuracy "
                f"{100 * result['test_accuracy']:.2f}%, trained in {result['train_seconds']:.0f} s, "
                f"peak memory {result['peak_memory_mib']:.0f} MiB",
                flush=True,
            )
    command = "python -m helpers.benchmark " + " ".join(argv if argv is not None else sys.argv[1:])
    report = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "command": command.strip(), "fast": args.fast, "machine": machine(),
        "summary": summarize(runs), "runs": runs,
    }
    out = build_dir()
    (out / "benchmark.json").write_text(json.dumps(report, indent=2))
    (out / "benchmark.md").write_text(markdown(report))
    print(markdown(report))
    print(f"Wrote {out / 'benchmark.json'} and {out / 'benchmark.md'}")
    return report


if __name__ == "__main__":
    main()
