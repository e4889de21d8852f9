"""Runs `op` as an argument list (no shell) with a timeout, a small clean environment and
bounded output, and turns its failures into errors that never echo a secret."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
from dataclasses import dataclass
from typing import Any

import orjson

from mission_control.errors import AppError
from mission_control.settings import Settings

MAX_OUTPUT_BYTES = 256 * 1024
MAX_VALUE_CHARS = 16 * 1024
# Names given to `op` as arguments: no control characters, and never a leading '-' so a
# name cannot turn into a flag.
_NAME_RE = re.compile(r"^[^\x00-\x1f\x7f-][^\x00-\x1f\x7f]{0,199}$")
# Variables the child gets from our environment: enough for `op` to run and find its own
# configuration and session, none of Mission Control's secrets.
_PASSED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "XDG_CONFIG_HOME", "USER")
_ERROR_PREFIX = re.compile(r"^\[ERROR\]\s+\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\s+")
_TOKENISH = re.compile(r"[A-Za-z0-9_\-+/=.:]{24,}")


class OpError(AppError):
    """`op` could not do what was asked; the message is safe to show and to log."""

    status = 502

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message, status=status, code=code)
        self.code = code


def valid_name(value: str) -> bool:
    return bool(_NAME_RE.match(value)) and value.strip() == value


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """One line of `op`'s stderr made safe to show: its log prefix dropped, known secrets and
    anything that looks like a token replaced, and cut short."""
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    line = _ERROR_PREFIX.sub("", line)
    for secret in secrets:
        if secret:
            line = line.replace(secret, "[redacted]")
    line = _TOKENISH.sub("[redacted]", line)
    line = "".join(ch for ch in line if ch.isprintable())
    return line[:200]


def _classify(
    stderr: str, exit_code: int, item: str | None, vault: str, secrets: tuple[str, ...]
) -> OpError:
    lowered = stderr.lower()
    if "isn't a vault" in lowered or "is not a vault" in lowered:
        return OpError("OP_VAULT_NOT_FOUND", f'1Password vault "{vault}" was not found', 404)
    if "isn't an item" in lowered or "is not an item" in lowered:
        return OpError(
            "OP_ITEM_NOT_FOUND", f'1Password item "{item}" was not found in vault "{vault}"', 404
        )
    if "isn't a field" in lowered or "is not a field" in lowered:
        return OpError(
            "OP_FIELD_NOT_FOUND", f'1Password item "{item}" has no such field in "{vault}"', 404
        )
    if any(
        hint in lowered
        for hint in ("not signed in", "not currently signed in", "signin", "sign in", "no account")
    ):
        return OpError(
            "OP_NOT_SIGNED_IN",
            "1Password CLI is not signed in: set OP_SERVICE_ACCOUNT_TOKEN or run `op signin`",
        )
    said = scrub(stderr, secrets)
    return OpError(
        "OP_FAILED", f"1Password CLI failed (exit {exit_code})" + (f": {said}" if said else "")
    )


@dataclass(frozen=True)
class OnePasswordCli:
    """One configured `op`: which binary, which vault, which token, how long it may take."""

    binary: str
    vault: str
    token: str
    timeout_s: float

    @classmethod
    def from_settings(cls, settings: Settings) -> OnePasswordCli:
        return cls(
            binary=settings.op_bin,
            vault=settings.op_vault_name or "default",
            token=settings.op_service_account_token,
            timeout_s=settings.op_timeout_s,
        )

    def resolve_binary(self) -> str | None:
        """`MC_OP_BIN` when set (it must be an executable file), else `op` on PATH."""
        if self.binary:
            path = self.binary
            ok = os.path.isabs(path) and os.path.isfile(path) and os.access(path, os.X_OK)
            return path if ok else None
        return shutil.which("op")

    def child_env(self) -> dict[str, str]:
        env = {name: os.environ[name] for name in _PASSED_ENV if name in os.environ}
        # 1Password's own variables (session, account, config dir) are what `op` is asked
        # to use; everything else (API_KEY, MC_SECRET_KEY, provider keys) stays here.
        env.update({k: v for k, v in os.environ.items() if k.startswith("OP_")})
        env.pop("OP_SERVICE_ACCOUNT_TOKEN", None)
        if self.token:
            env["OP_SERVICE_ACCOUNT_TOKEN"] = self.token
        env.setdefault("PATH", os.defpath)
        return env

    def _own_secrets(self) -> tuple[str, ...]:
        sessions = (v for k, v in os.environ.items() if k.startswith("OP_SESSION_"))
        return (self.token, *sessions)

    async def run(self, args: list[str], *, item: str | None = None) -> bytes:
        """Run `op <args>` and answer its stdout; raise OpError on any failure."""
        binary = self.resolve_binary()
        if binary is None:
            where = f"at MC_OP_BIN ({self.binary})" if self.binary else "on PATH"
            raise OpError("OP_NOT_FOUND", f"1Password CLI (op) was not found {where}", 503)
        try:
            proc = await asyncio.create_subprocess_exec(
                binary,
                *args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=self.child_env(),
                start_new_session=True,  # its own process group, so a timeout kills it all
            )
        except OSError:
            raise OpError("OP_NOT_FOUND", "1Password CLI (op) could not be started", 503) from None
        try:
            stdout, stderr = await asyncio.wait_for(_collect(proc), self.timeout_s)
        except TimeoutError:
            await _kill(proc)
            raise OpError(
                "OP_TIMEOUT", f"1Password CLI did not answer within {self.timeout_s:g} s", 504
            ) from None
        except _TooMuchOutput:
            await _kill(proc)
            raise OpError("OP_BAD_OUTPUT", "1Password CLI printed far more than expected") from None
        except BaseException:
            await _kill(proc)  # cancelled (client gone, shutdown): leave no process behind
            raise
        if proc.returncode != 0:
            raise _classify(
                stderr.decode("utf-8", "replace"),
                proc.returncode or -1,
                item,
                self.vault,
                self._own_secrets(),
            )
        return stdout

    async def read_field(self, item: str, field: str = "password") -> str:
        """`op item get <item> --vault <vault> --fields <field> --format json` → its value."""
        out = await self.run(
            ["item", "get", item, "--vault", self.vault, "--fields", field, "--format", "json"],
            item=item,
        )
        data = _json(out)
        if isinstance(data, list) and len(data) == 1:
            data = data[0]
        if not isinstance(data, dict) or not isinstance(data.get("id", data.get("label")), str):
            raise OpError("OP_BAD_OUTPUT", "1Password CLI printed an unexpected answer")
        value = data.get("value")
        if value is None or value == "":
            raise OpError(
                "OP_EMPTY_VALUE", f'1Password item "{item}" has an empty {field} field', 422
            )
        if not isinstance(value, str):
            raise OpError("OP_BAD_OUTPUT", "1Password CLI printed an unexpected answer")
        return value

    async def whoami(self) -> dict[str, Any]:
        data = _json(await self.run(["whoami", "--format", "json"]))
        if not isinstance(data, dict):
            raise OpError("OP_BAD_OUTPUT", "1Password CLI printed an unexpected answer")
        return {k: data[k] for k in ("url", "user_type") if isinstance(data.get(k), str)}

    async def vault_info(self) -> dict[str, Any]:
        data = _json(await self.run(["vault", "get", self.vault, "--format", "json"]))
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise OpError("OP_BAD_OUTPUT", "1Password CLI printed an unexpected answer")
        return {"id": data["id"], "name": str(data.get("name") or self.vault)}


class _TooMuchOutput(Exception):
    pass


async def _read(stream: asyncio.StreamReader | None) -> bytes:
    if stream is None:
        return b""
    chunks: list[bytes] = []
    size = 0
    while chunk := await stream.read(65536):
        size += len(chunk)
        if size > MAX_OUTPUT_BYTES:
            raise _TooMuchOutput
        chunks.append(chunk)
    return b"".join(chunks)


async def _collect(proc: asyncio.subprocess.Process) -> tuple[bytes, bytes]:
    """Both streams read at once (a full stderr pipe must not block stdout); a flood on one
    stops both readers."""
    try:
        async with asyncio.TaskGroup() as group:
            out = group.create_task(_read(proc.stdout))
            err = group.create_task(_read(proc.stderr))
    except* _TooMuchOutput:
        raise _TooMuchOutput from None
    await proc.wait()
    return out.result(), err.result()


async def _kill(proc: asyncio.subprocess.Process) -> None:
    """SIGKILL its whole process group, reap it, and close its pipes (unread output left in
    a pipe would otherwise keep them open)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(proc.wait(), 5)
    transport = getattr(proc, "_transport", None)
    if transport is not None:
        transport.close()


def _json(raw: bytes) -> Any:
    """`op`'s JSON answer; anything else is reported without echoing it (it may hold a secret)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise OpError("OP_BAD_OUTPUT", "1Password CLI printed something that is not JSON") from None
