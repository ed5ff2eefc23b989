"""No Kaggle credentials anywhere in the working tree: notebooks, code, build outputs, caches.

The scan walks the whole working tree (tracked, untracked and git-ignored files alike:
``kaggle.json`` dropped in by mistake, ``.ipynb_checkpoints/``, ``artifacts/``, ``build/``),
skipping only ``.git``, the virtual environment and tool caches. Notebooks and other JSON
files are parsed, and every string in them (cell sources, outputs, metadata) is scanned as
text, because in the raw ``.ipynb`` a quote inside a cell is stored as ``\\"`` and a pattern
that needs a real quote would never match there.

Why hand-written and not ``detect-secrets`` (1.5.0, May 2024): tried on the forms below it
found nothing inside a notebook (same escaped-quote problem), has no Kaggle detector (no
``KGAT_`` tokens, no unquoted ``KAGGLE_KEY=<hex>``), and its generic hex-entropy detector
flags every quoted 32-hex string, checksums included. The Kaggle forms are few and known,
so a short list of patterns with a self-test that plants each form in each kind of file
is both stricter and quieter.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

HEX32 = r"[0-9a-fA-F]{32}(?![0-9a-fA-F])"
SECRET_PATTERNS = {
    "Kaggle API token": re.compile(r"KGAT_[A-Za-z0-9]{16,}"),
    # kaggle.json, or the same dict written in code: {"username": ..., "key": "<hex>"}
    "kaggle.json key": re.compile(r"""["']key["']\s*:\s*["']""" + HEX32),
    "key= argument": re.compile(r"""\bkey\s*=\s*["']""" + HEX32),
    # KAGGLE_KEY=<hex>, KAGGLE_KEY="<hex>", os.environ["KAGGLE_KEY"] = "<hex>",
    # os.environ.setdefault("KAGGLE_KEY", "<hex>"), %env KAGGLE_KEY <hex>, KAGGLE_KEY: <hex>
    "KAGGLE_KEY value": re.compile(r"""KAGGLE_KEY["'\]\s=:,]{1,10}""" + HEX32, re.IGNORECASE),
    "generic secret": re.compile(r"""(?i)(api[_-]?key|token|secret)["']?\s*[=:]\s*["'][A-Za-z0-9_\-]{24,}["']"""),
}
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache"}
MAX_BYTES = 50_000_000


def find_secrets(text: str) -> list[str]:
    """What looks like a credential in ``text``, each cut to a harmless prefix."""
    return [f"{kind}: {m.group(0)[:14]}…" for kind, pattern in SECRET_PATTERNS.items() for m in pattern.finditer(text)]


def _strings(value, skip_binary: bool = True):
    """Every string in a parsed JSON document; list-of-strings (notebook sources) joined."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        if value and all(isinstance(v, str) for v in value):
            yield "".join(value)
        else:
            for v in value:
                yield from _strings(v, skip_binary)
    elif isinstance(value, dict):
        for key, v in value.items():
            yield str(key)
            if skip_binary and str(key).startswith(("image/", "application/pdf")):
                continue  # base64 plots: no credential can hide in them
            yield from _strings(v, skip_binary)


def file_text(path: Path) -> str | None:
    """The text to scan for one file (None: binary); JSON and notebooks are parsed."""
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        return None
    text = raw.decode("utf-8", errors="ignore")
    if path.suffix in {".ipynb", ".json"}:
        try:
            text += "\n" + "\n".join(_strings(json.loads(text)))
        except ValueError:
            pass  # not valid JSON: the raw text is still scanned
    return text


def scanned_files(root: Path = ROOT) -> list[Path]:
    """Every regular file under ``root`` except .git, virtual environments and tool caches."""
    files = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        for name in names:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink() and path.stat().st_size < MAX_BYTES:
                files.append(path)
    return files


def scan(root: Path = ROOT) -> dict[str, list[str]]:
    """{relative path: findings} for the whole tree; a file named kaggle.json is a finding by itself."""
    leaks = {}
    for path in scanned_files(root):
        hits = []
        if path.name == "kaggle.json":
            hits.append("a kaggle.json file (keep it in ~/.kaggle/, never in the course folder)")
        text = file_text(path)
        if text is not None:
            hits += find_secrets(text)
        if hits:
            leaks[str(path.relative_to(root))] = hits
    return leaks


# ---------------------------------------------------------------- self-test
FAKE_HEX = "0123456789abcdef" * 2  # built at run time, so this file itself stays clean
FORMS = {
    "kaggle.json dict": '{"username": "learner", "key": "' + FAKE_HEX + '"}',
    "KAGGLE_KEY quoted": 'KAGGLE_KEY="' + FAKE_HEX + '"',
    "KAGGLE_KEY shell": "export KAGGLE_KEY=" + FAKE_HEX,
    "os.environ": 'os.environ["KAGGLE_KEY"] = "' + FAKE_HEX + '"',
    "os.environ single quotes": "os.environ['KAGGLE_KEY']='" + FAKE_HEX + "'",
    "setdefault": 'os.environ.setdefault("KAGGLE_KEY", "' + FAKE_HEX + '")',
    "%env magic": "%env KAGGLE_KEY=" + FAKE_HEX,
    "upper-case hex": 'KAGGLE_KEY = "' + FAKE_HEX.upper() + '"',
    "upper-case hex in dict": "{'username': 'learner', 'key': '" + FAKE_HEX.upper() + "'}",
    "key= argument": 'credentials = dict(username="learner", key="' + FAKE_HEX + '")',
    "Kaggle API token": "token = '" + "KGA" + "T_" + "abcdefghijklmnopqrstuvwxyz" + "'",
}
CLEAN = {
    "read from the environment": 'os.environ["KAGGLE_KEY"] = os.environ.get("KAGGLE_KEY", "")',
    "Colab secrets": 'os.environ["KAGGLE_KEY"] = userdata.get("KAGGLE_KEY")',
    "a checksum": 'md5 = "' + FAKE_HEX + '"',
    "a longer hex digest": 'KAGGLE_KEY_sha256 = "' + FAKE_HEX * 2 + '"',
}


def _notebook(source: str = "", output: str = "", data: str = "", metadata: str = "") -> str:
    cell = {"cell_type": "code", "execution_count": 1, "id": "c1", "metadata": {"note": metadata} if metadata else {},
            "source": source.splitlines(keepends=True),
            "outputs": [{"output_type": "stream", "name": "stdout", "text": [output]},
                        {"output_type": "execute_result", "execution_count": 1, "metadata": {},
                         "data": {"text/plain": [data]}}]}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)


# Each kind of file, and each place in the tree, a form can be planted in.
PLACES = {
    "code": ("helpers/leak.py", lambda form: form + "\n"),
    "markdown": ("README.md", lambda form: "Set it like this:\n\n```\n" + form + "\n```\n"),
    "notebook source": ("notebooks/01_x.ipynb", lambda form: _notebook(source="import os\n" + form)),
    "notebook stdout": ("notebooks/01_x.ipynb", lambda form: _notebook(output=form + "\n")),
    "notebook result": ("notebooks/01_x.ipynb", lambda form: _notebook(data=repr(form))),
    "notebook metadata": ("build/course/01_x.ipynb", lambda form: _notebook(metadata=form)),
    "checkpoint": ("notebooks/.ipynb_checkpoints/01_x-checkpoint.ipynb", lambda form: _notebook(source=form)),
    "artifacts": ("artifacts/history.json", lambda form: json.dumps({"log": form})),
    "build log": ("build/course/run.log", lambda form: form + "\n"),
    "env file": (".env", lambda form: form + "\n"),
}


@pytest.mark.parametrize("form", FORMS, ids=str)
def test_scanner_finds_each_form_in_each_kind_of_file(tmp_path, form):
    missed = []
    for place, (relative, write) in PLACES.items():
        tree = tmp_path / place.replace(" ", "_")
        (tree / relative).parent.mkdir(parents=True, exist_ok=True)
        (tree / relative).write_text(write(FORMS[form]))
        (tree / "notebooks" / "02_clean.ipynb").parent.mkdir(parents=True, exist_ok=True)
        (tree / "notebooks" / "02_clean.ipynb").write_text(_notebook(source="print(1)"))
        found = scan(tree)
        if list(found) != [relative]:
            missed.append(f"{place} ({relative}): {found}")
    assert not missed, f"{form!r} was not found exactly where planted: {missed}"


def test_scanner_reports_a_stray_kaggle_json_even_without_a_key(tmp_path):
    (tmp_path / "kaggle.json").write_text('{"username": "learner", "key": "PASTE-YOUR-KEY"}')
    assert list(scan(tmp_path)) == ["kaggle.json"]


def test_scanner_skips_git_and_the_virtual_environment_only(tmp_path):
    for folder in (".git", ".venv", "artifacts", "build", "notebooks/.ipynb_checkpoints"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "f.txt").write_text(FORMS["KAGGLE_KEY shell"])
    assert sorted(scan(tmp_path)) == ["artifacts/f.txt", "build/f.txt", "notebooks/.ipynb_checkpoints/f.txt"]


@pytest.mark.parametrize("text", CLEAN.values(), ids=list(CLEAN))
def test_scanner_ignores_code_that_reads_credentials_safely(text):
    assert not find_secrets(text)
    assert not find_secrets(_notebook(source=text))


def test_no_credentials_anywhere_in_the_working_tree():
    files = scanned_files()
    assert any(p.suffix == ".ipynb" for p in files) and any(p.name == "README.md" for p in files)
    leaks = scan()
    assert not leaks, f"credentials found (remove them; use environment variables or Colab Secrets): {leaks}"
