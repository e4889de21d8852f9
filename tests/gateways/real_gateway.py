"""The real OpenClaw gateway (openclaw@2026.9.6 on Node 24) started once per test session.

`.ci/install-openclaw` (run by `.ci/run`) installs Node 24 and openclaw from the npm
registry into `~/.cache/mission-control/openclaw` (or `MC_TEST_OPENCLAW_DIR`). When they are not there, `start()` answers why, and the tests that
need the real gateway are skipped with that reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

INSTALL_DIR = Path(
    os.environ.get("MC_TEST_OPENCLAW_DIR")
    or Path.home() / ".cache" / "mission-control" / "openclaw"
)
ALLOWED_ORIGIN = "http://mission-control.test:8080"
READY_TIMEOUT = 240.0
MIN_NODE = (24, 16)


@dataclass
class RealGateway:
    url: str
    token: str
    port: int
    home: Path
    node: Path
    entry: Path
    process: subprocess.Popen[bytes]
    ready_after: float
    version: str

    def env(self) -> dict[str, str]:
        return gateway_env(self.home)

    def approve(self, request_id: str) -> None:
        """`openclaw devices approve <requestId>`, as the operator would run it."""
        result = subprocess.run(
            [
                str(self.node),
                str(self.entry),
                "devices",
                "approve",
                request_id,
                "--url",
                self.url,
                "--token",
                self.token,
            ],
            env=self.env(),
            capture_output=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"devices approve failed: {result.stderr.decode()[-500:]}")

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        shutil.rmtree(self.home, ignore_errors=True)

    def log_tail(self) -> str:
        path = self.home / "stdout.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""


def gateway_env(home: Path) -> dict[str, str]:
    """Everything the gateway reads lives in `home`; no other OPENCLAW_* leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENCLAW_")}
    env.update(
        HOME=str(home),
        OPENCLAW_STATE_DIR=str(home / "state"),
        OPENCLAW_CONFIG_PATH=str(home / "openclaw.json"),
        OPENCLAW_DISABLE_BONJOUR="1",
        OPENCLAW_NO_RESPAWN="1",
        OPENCLAW_SKIP_CHANNELS="1",
        OPENCLAW_NO_AUTO_UPDATE="1",
    )
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _node() -> tuple[Path | None, str]:
    node = INSTALL_DIR / "node_modules" / ".bin" / "node"
    if not node.exists():
        return None, f"Node 24 is not installed at {node} (run .ci/install-openclaw)"
    try:
        out = subprocess.run(
            [str(node), "--version"], capture_output=True, timeout=30, check=True
        ).stdout.decode()
        major, minor = (int(p) for p in out.strip().lstrip("v").split(".")[:2])
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        return None, f"{node} does not run: {exc}"
    if (major, minor) < MIN_NODE:
        return None, f"{node} is {out.strip()}; openclaw needs Node >= 24.16"
    return node, out.strip()


def start() -> tuple[RealGateway | None, str]:
    """Start the gateway and wait for /readyz; answers (gateway, "") or (None, why not)."""
    node, why = _node()
    entry = INSTALL_DIR / "node_modules" / "openclaw" / "openclaw.mjs"
    if node is None:
        return None, why
    if not entry.exists():
        return None, f"openclaw is not installed at {entry} (run .ci/install-openclaw)"
    version = json.loads((entry.parent / "package.json").read_text())["version"]
    home = Path(tempfile.mkdtemp(prefix="openclaw-test-"))
    port = _free_port()
    token = secrets.token_urlsafe(24)
    config = {
        "gateway": {
            "mode": "local",
            "port": port,
            "bind": "loopback",
            "auth": {"mode": "token", "token": token},
            "controlUi": {"allowedOrigins": [ALLOWED_ORIGIN]},
        },
        "logging": {"file": str(home / "openclaw.log")},
    }
    (home / "openclaw.json").write_text(json.dumps(config))
    started = time.monotonic()
    with open(home / "stdout.log", "wb") as out:
        process = subprocess.Popen(
            [str(node), str(entry), "gateway", "run", "--port", str(port), "--bind", "loopback"],
            cwd=home,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=gateway_env(home),
        )
    gateway = RealGateway(
        url=f"ws://127.0.0.1:{port}",
        token=token,
        port=port,
        home=home,
        node=node,
        entry=entry,
        process=process,
        ready_after=0.0,
        version=version,
    )
    return _wait_ready(gateway, started)


def _wait_ready(gateway: RealGateway, started: float) -> tuple[RealGateway | None, str]:
    deadline = started + READY_TIMEOUT
    with httpx.Client(timeout=5, trust_env=False) as http:
        while time.monotonic() < deadline:
            if gateway.process.poll() is not None:
                tail = gateway.log_tail()
                gateway.stop()
                return None, f"the gateway exited with {gateway.process.returncode}: {tail}"
            with contextlib.suppress(httpx.HTTPError):
                if http.get(f"http://127.0.0.1:{gateway.port}/readyz").status_code == 200:
                    gateway.ready_after = time.monotonic() - started
                    return gateway, ""
            time.sleep(0.5)
    tail = gateway.log_tail()
    gateway.stop()
    return None, f"the gateway was not ready within {READY_TIMEOUT:g} s: {tail}"
