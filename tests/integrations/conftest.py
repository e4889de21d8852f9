"""A fake `op` on PATH (or at MC_OP_BIN) and an app configured to use it."""

from __future__ import annotations

import fcntl
import json
import os
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AppHarness

OP_TOKEN = "ops_eyJzaWduSW5BZGRyZXNzIjoibXkuMXBhc3N3b3JkLmNvbSJ9-service-account"
ANTHROPIC = "sk-ant-api03-Qx7fakefakefake-9f2K"
GITHUB = "ghp_fakeGithubToken0000000000000000w1Xz"


class FakeOp:
    """The fake CLI's files: the executable and the state it reads and appends its calls to."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "op"
        self.state_file = folder / "op-state.json"
        source = (Path(__file__).with_name("fake_op.py")).read_text()
        self.path.write_text(f"#!{sys.executable}\n{source}")
        self.path.chmod(0o755)
        self.state: dict[str, Any] = {
            "token": OP_TOKEN,
            "session": False,
            "mode": "normal",
            "vaults": {
                "default": {
                    "id": "vlt4default0000",
                    "items": {
                        "ANTHROPIC_API_KEY": {"password": ANTHROPIC},
                        "github-ci": {"password": GITHUB, "username": "ci-bot"},
                        "empty-one": {"password": ""},
                        "pem-key": {"password": "line one\nline two"},
                        "nul-key": {"password": "abc\u0000def-ghijklmnop"},
                    },
                },
                "Engineering": {"id": "vlt4eng00000000", "items": {}},
            },
        }
        self.save()

    def save(self) -> None:
        with self.state_file.with_suffix(".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self.state_file.write_text(json.dumps(self.state))

    def set(self, **changes: Any) -> None:
        self.state = json.loads(self.state_file.read_text())
        self.state.update(changes)
        self.save()

    @property
    def calls(self) -> list[dict[str, Any]]:
        return list(json.loads(self.state_file.read_text()).get("calls", []))


@pytest.fixture
def fake_op(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeOp:
    """A fake `op` first on PATH."""
    fake = FakeOp(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{fake.path.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    return fake


@pytest.fixture
async def op_app(harness_factory: Callable[..., Any], fake_op: FakeOp) -> AsyncIterator[AppHarness]:
    """The app with a service account token and a short `op` timeout."""
    async with harness_factory(op_service_account_token=OP_TOKEN, op_timeout_s=2) as harness:
        yield harness
