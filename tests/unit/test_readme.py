"""The README stays honest: its two commands exist and every option is in its table."""

from __future__ import annotations

from pathlib import Path

from parse_compat.settings import OPTIONS

ROOT = Path(__file__).resolve().parents[2]


def test_readme_lists_every_option_and_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [spec.name for spec in OPTIONS if f"`--{spec.name}`" not in readme]
    assert not missing, f"README configuration table lacks: {missing}"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("run", "test"):
        assert f"make {target}" in readme
        assert f"\n{target}:" in makefile
