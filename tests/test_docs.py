"""The README documents every environment variable the code and the tests read."""

from __future__ import annotations

import re
from pathlib import Path

from mission_control.settings import FILE_BACKED, Settings

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
# `os.environ.get("X"`, `os.environ["X"]`, `os.getenv("X"`: the name is a literal.
ENV_READ = re.compile(r"""os\.(?:environ\.get\(|environ\[|getenv\()\s*["']([A-Z][A-Z0-9_]*)["']""")


def table_names(text: str) -> set[str]:
    """Every `NAME` in the first column of a README table."""
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)`", text, flags=re.MULTILINE)) | set(
        re.findall(r"^\| `[A-Z0-9_]+` / `([A-Z][A-Z0-9_]*)`", text, flags=re.MULTILINE)
    )


def env_reads(folder: Path) -> set[str]:
    names: set[str] = set()
    for source in folder.rglob("*.py"):
        names |= set(ENV_READ.findall(source.read_text(encoding="utf-8")))
    return names


def test_every_setting_is_documented() -> None:
    documented = table_names(README.read_text(encoding="utf-8"))
    missing = []
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names = getattr(alias, "choices", None) or []
        missing += [name for name in names if name not in documented]
    assert missing == []


def test_every_variable_read_from_the_environment_is_in_a_readme_table() -> None:
    documented = table_names(README.read_text(encoding="utf-8"))
    # Everything the code reads; of the tests' and benchmarks' reads, the project's own
    # (`MC_…`: the rest are PATH and the like, or set by a test for its own subprocess).
    read = env_reads(ROOT / "src") | {
        name
        for name in env_reads(ROOT / "tests") | env_reads(ROOT / "bench")
        if name.startswith("MC_")
    }
    assert {"MC_CONFIG_DIR", "MC_PROFILE", "MC_TEST_POSTGRES_URL"} <= read  # the scan works
    assert sorted(read - documented) == []


def test_secret_file_variables_are_documented() -> None:
    text = README.read_text(encoding="utf-8")
    assert [name for name in FILE_BACKED if f"`{name}_FILE`" not in text] == []


def test_quick_start_is_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make run" in text and "make test" in text
