"""The console ships in the package: pyproject's package data names every static asset (no build step)."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

from schema.console.routes import STATIC

ROOT = Path(__file__).resolve().parents[2]


def test_package_data_carries_every_console_asset() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["schema"]
    assets = [p.relative_to(ROOT / "schema").as_posix() for p in STATIC.rglob("*") if p.is_file()]
    missing = [a for a in assets if not any(fnmatch.fnmatchcase(a, pattern) for pattern in patterns)]
    assert assets and missing == []
