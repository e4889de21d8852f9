"""A stand-in for the 1Password CLI (`op` 2.x): same arguments, same JSON on stdout, same
`[ERROR] <date> <message>` lines on stderr with exit 1. Its state lives in a JSON file the
test edits; each run also records its argv and environment there for the test to inspect."""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

STATE = Path(__file__).with_name("op-state.json")


def error(message: str) -> None:
    stamp = time.strftime("%Y/%m/%d %H:%M:%S")
    sys.stderr.write(f"[ERROR] {stamp} {message}\n")
    sys.exit(1)


def option(args: list[str], name: str) -> str | None:
    if name in args:
        index = args.index(name)
        return args[index + 1] if index + 1 < len(args) else None
    return None


def record_call(args: list[str]) -> dict[str, object]:
    """Append this run to the state file; runs may overlap (pull-all), so under a lock."""
    with STATE.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state: dict[str, object] = json.loads(STATE.read_text())
        calls = state.setdefault("calls", [])
        assert isinstance(calls, list)
        calls.append({"argv": args, "env": dict(os.environ), "pid": os.getpid()})
        STATE.write_text(json.dumps(state))
    return state


def main() -> None:
    args = sys.argv[1:]
    state: dict[str, Any] = record_call(args)
    mode = state.get("mode", "normal")
    if mode == "hang":
        time.sleep(120)
    if mode == "garbage":
        sys.stdout.write("\x1b[31mpanic: runtime error\x00\x01{not json\n")
        sys.exit(0)
    if mode == "flood":
        sys.stdout.write("A" * (2 * 1024 * 1024))
        sys.exit(0)
    if mode == "crash-with-secret":
        # A failing CLI that (badly) prints a secret to stderr must not get it echoed.
        sys.stderr.write(f"panic: unexpected state while handling {state['leak']}\n")
        sys.exit(2)
    token = os.environ.get("OP_SERVICE_ACCOUNT_TOKEN")
    if token and token != state.get("token"):
        error("failed to DecodeSACredentials: invalid service account token, please sign in again")
    if not token and not state.get("session"):
        if args[:1] == ["whoami"]:
            error("account is not signed in")
        error("You are not currently signed in. Please run `op signin --help` for instructions")
    vaults: dict[str, dict[str, object]] = state["vaults"]
    if args[:1] == ["whoami"]:
        print(
            json.dumps(
                {
                    "url": "https://my.1password.com",
                    "email": "",
                    "user_uuid": "SA7KQ2EXAMPLEUUID",
                    "account_uuid": "ACC4EXAMPLEUUID",
                    "user_type": "SERVICE_ACCOUNT",
                },
                indent=2,
            )
        )
        return
    if args[:2] == ["vault", "get"]:
        name = args[2]
        if name not in vaults:
            error(
                f'"{name}" isn\'t a vault in this account. Specify the vault with its ID or name.'
            )
        vault = vaults[name]
        print(
            json.dumps(
                {
                    "id": vault["id"],
                    "name": name,
                    "content_version": 7,
                    "attribute_version": 1,
                    "items": len(vault["items"]),  # type: ignore[arg-type]
                    "type": "USER_CREATED",
                    "created_at": "2026-01-05T10:00:00Z",
                    "updated_at": "2026-11-30T09:12:44Z",
                },
                indent=2,
            )
        )
        return
    if args[:2] == ["item", "get"]:
        item = args[2]
        vault_name = option(args, "--vault")
        field = option(args, "--fields")
        if vault_name not in vaults:
            error(
                f'"{vault_name}" isn\'t a vault in this account. '
                "Specify the vault with its ID or name."
            )
        items: dict[str, dict[str, str]] = vaults[vault_name]["items"]  # type: ignore[assignment]
        if item not in items:
            error(
                f'"{item}" isn\'t an item in the "{vault_name}" vault. '
                "Specify the item with its UUID, name, or domain."
            )
        fields = items[item]
        if field not in fields:
            error(f'"{field}" isn\'t a field in the "{item}" item')
        answer = {
            "id": field,
            "type": "CONCEALED",
            "purpose": "PASSWORD",
            "label": field,
            "value": fields[field],
            "reference": f"op://{vault_name}/{item}/{field}",
        }
        if fields[field] == "":
            del answer["value"]  # op leaves out the value of an empty field
        print(json.dumps(answer, indent=2))
        return
    error(f'unknown command "{" ".join(args[:2])}" for "op"')


main()
