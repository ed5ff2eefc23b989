"""No Kaggle credentials in the notebooks, the repository or anything the course writes."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SECRET_PATTERNS = [
    re.compile(r"KGAT_[A-Za-z0-9]{16,}"),  # Kaggle API token
    re.compile(r"""["']key["']\s*:\s*["'][0-9a-f]{32}["']"""),  # kaggle.json
    re.compile(r"""KAGGLE_KEY\s*[=:]\s*["']?[0-9a-f]{32}"""),
    re.compile(r"""(?i)(api[_-]?key|token|secret)\s*[=:]\s*["'][A-Za-z0-9_\-]{24,}["']"""),
]


def find_secrets(text: str) -> list[str]:
    return [m.group(0)[:12] + "…" for pattern in SECRET_PATTERNS for m in pattern.finditer(text)]


def scanned_files() -> list[Path]:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    files = [ROOT / name for name in tracked] or list(ROOT.glob("notebooks/*.ipynb"))
    files += [p for p in (ROOT / "build").rglob("*") if p.is_file() and p.suffix in {".ipynb", ".json", ".md", ".txt", ".log", ".html"}]
    return [p for p in files if p.is_file() and p.stat().st_size < 20_000_000]


def test_scanner_finds_planted_credentials():
    fake_hex = "0123456789abcdef" * 2  # built at run time, so this file itself stays clean
    fake_token = "KGA" + "T_" + "abcdefghijklmnopqrstuvwxyz"
    assert find_secrets('{"username": "learner", "key": "' + fake_hex + '"}')
    assert find_secrets("KAGGLE_KEY=" + fake_hex)
    assert find_secrets(f"token = '{fake_token}'")
    assert not find_secrets("KAGGLE_KEY = os.environ['KAGGLE_KEY']")


def test_no_credentials_in_repository_notebooks_or_build_outputs():
    files = scanned_files()
    assert any(p.suffix == ".ipynb" for p in files)
    leaks = {str(p.relative_to(ROOT)): hits for p in files if (hits := find_secrets(p.read_text(errors="ignore")))}
    assert not leaks, f"credentials found: {leaks}"
