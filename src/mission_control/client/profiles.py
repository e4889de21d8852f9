"""Connection profiles in ~/.mission-control/profiles/<name>.json, plus MC_URL / MC_API_KEY."""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_URL = "http://127.0.0.1:3000"
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class ProfileError(ValueError):
    """A profile name or file that cannot be used."""


@dataclass
class Profile:
    name: str = "default"
    url: str = DEFAULT_URL
    api_key: str = ""
    session_cookie: str = ""
    cookie_name: str = "mc-session"


def profiles_dir() -> Path:
    base = os.environ.get("MC_CONFIG_DIR")
    return Path(base) if base else Path.home() / ".mission-control" / "profiles"


def profile_path(name: str) -> Path:
    if not _NAME_RE.match(name):
        raise ProfileError(f"invalid profile name {name!r}")
    return profiles_dir() / f"{name}.json"


def load_profile(name: str | None) -> Profile:
    """The named profile (default `default`), with MC_URL / MC_API_KEY taking precedence."""
    chosen = name or os.environ.get("MC_PROFILE") or "default"
    path = profile_path(chosen)
    profile = Profile(name=chosen)
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ProfileError(f"cannot read profile {path}: {exc}") from exc
        for key in ("url", "api_key", "session_cookie", "cookie_name"):
            if isinstance(data.get(key), str):
                setattr(profile, key, data[key])
    if os.environ.get("MC_URL"):
        profile.url = os.environ["MC_URL"]
    if os.environ.get("MC_API_KEY"):
        profile.api_key = os.environ["MC_API_KEY"]
    profile.url = profile.url.rstrip("/")
    return profile


def save_profile(profile: Profile) -> Path:
    """Write the profile readable by its owner only (it holds credentials)."""
    path = profile_path(profile.name)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = {k: v for k, v in asdict(profile).items() if k != "name"}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
    os.chmod(path, 0o600)
    return path
