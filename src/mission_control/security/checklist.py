"""The security check (`mc doctor`, `GET /api/security-scan`): the seed's checklist as code."""

from __future__ import annotations

import ipaddress
import stat
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import redis
import sqlalchemy as sa
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry
from sqlalchemy.engine import Connection

from mission_control.db.engine import sqlite_path
from mission_control.db.tables import gateways, users
from mission_control.gateways.service import env_configured
from mission_control.integrations.openclaw.client import display_url, transport_problem
from mission_control.security.api_keys import global_key_status
from mission_control.security.network import parse_networks
from mission_control.security.passwords import COMMON_PASSWORDS, MIN_LENGTH, Passwords
from mission_control.settings import PLACEHOLDER_SECRETS, Settings

Status = Literal["pass", "warn", "fail"]
STRONG_PASSWORD_LENGTH = 16
MIN_API_KEY_LENGTH = 32
MIN_AUDIT_DAYS = 30
# Passwords shipped in examples and docs; an account still using one is open to anyone.
WELL_KNOWN_PASSWORDS = (
    "admin",
    "password",
    "changeme",
    "change-me-on-first-login",
    "mission-control",
    "admin123",
)
MAX_ACCOUNTS_CHECKED = 10
# One PING, no retry: a Redis that does not answer in this time is reported as unreachable.
REDIS_PING_TIMEOUT_SECONDS = 2.0
MAX_GATEWAYS_CHECKED = 100


@dataclass(frozen=True)
class CheckItem:
    id: str
    title: str
    status: Status
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _char_classes(password: str) -> int:
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


def check_environment(settings: Settings) -> CheckItem:
    title = "Production mode"
    if settings.production:
        return CheckItem("environment", title, "pass", "MC_ENV=production: strict defaults are on")
    return CheckItem(
        "environment",
        title,
        "warn",
        f"MC_ENV={settings.mc_env}: host allowlist off, cookies without Secure, no HSTS",
        "Set MC_ENV=production on any server others can reach.",
    )


def check_admin_password(settings: Settings, user_count: int) -> CheckItem:
    title = "Strong admin password"
    password = settings.admin_password
    if not password:
        if user_count:
            return CheckItem(
                "admin_password", title, "pass", "AUTH_PASS is not set; accounts exist already"
            )
        return CheckItem(
            "admin_password",
            title,
            "fail" if settings.production else "warn",
            "No user exists and AUTH_PASS is not set: whoever opens /setup first becomes admin",
            "Open /setup now, or set AUTH_PASS (e.g. `openssl rand -base64 24`) before starting.",
        )
    fix = "Set AUTH_PASS to a long random value, e.g. `openssl rand -base64 24`."
    if password.lower() in PLACEHOLDER_SECRETS or len(password) < MIN_LENGTH:
        return CheckItem(
            "admin_password",
            title,
            "fail",
            f"AUTH_PASS is a placeholder or shorter than {MIN_LENGTH} characters",
            fix,
        )
    if password.lower() in COMMON_PASSWORDS:
        return CheckItem("admin_password", title, "fail", "AUTH_PASS is a common password", fix)
    if len(password) < STRONG_PASSWORD_LENGTH and _char_classes(password) < 3:
        return CheckItem(
            "admin_password",
            title,
            "warn",
            f"AUTH_PASS passes the policy but is short ({len(password)} characters, "
            "few kinds of characters)",
            fix,
        )
    return CheckItem("admin_password", title, "pass", "AUTH_PASS is long and not a known value")


def _accounts_to_check(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(users.c.id, users.c.username, users.c.role, users.c.password_hash)
        .where(
            users.c.disabled_at.is_(None),
            users.c.provider == "local",
            users.c.password_hash.is_not(None),
            users.c.password_hash != "",
        )
        .order_by(sa.case((users.c.role == "admin", 0), else_=1), users.c.id)
        .limit(MAX_ACCOUNTS_CHECKED)
    ).mappings()
    return [dict(r) for r in rows]


def check_default_credentials(conn: Connection, passwords: Passwords) -> CheckItem:
    """Tries the well-known passwords (and the username) against active local accounts.

    The policy refuses these at creation, but accounts imported from the Node version
    (bcrypt/scrypt hashes) or seeded by older releases may still carry them.
    """
    title = "No default credentials"
    weak: list[str] = []
    accounts = _accounts_to_check(conn)
    for account in accounts:
        candidates = (*WELL_KNOWN_PASSWORDS, account["username"])
        if any(passwords.verify_sync(account["password_hash"], c).ok for c in candidates):
            weak.append(f"{account['username']} ({account['role']})")
    if weak:
        return CheckItem(
            "default_credentials",
            title,
            "fail",
            f"Accounts with a well-known password: {', '.join(weak)}",
            "Reset them: `mc users reset-password <username>`.",
        )
    return CheckItem(
        "default_credentials",
        title,
        "pass",
        f"{len(accounts)} active local account(s) checked; none uses a well-known password",
    )


def check_api_key(conn: Connection, settings: Settings) -> CheckItem:
    title = "Global API key"
    status = global_key_status(conn, settings.api_key)
    fix = "Run `mc keys rotate` (stores only a hash) or set API_KEY from `openssl rand -hex 32`."
    if status["source"] == "rotated":
        return CheckItem(
            "api_key", title, "pass", "A rotated key is in use; only its hash is stored"
        )
    key = settings.api_key
    if not key:
        return CheckItem(
            "api_key",
            title,
            "warn",
            "No global API key is set; scripts must use personal or agent keys",
            fix,
        )
    if key.lower() in PLACEHOLDER_SECRETS or len(key) < MIN_API_KEY_LENGTH:
        return CheckItem(
            "api_key",
            title,
            "fail",
            f"API_KEY is a placeholder or shorter than {MIN_API_KEY_LENGTH} characters",
            fix,
        )
    return CheckItem("api_key", title, "pass", f"API_KEY is set ({len(key)} characters)")


def check_allowed_hosts(settings: Settings) -> CheckItem:
    title = "Host allowlist"
    if not settings.production:
        return CheckItem(
            "allowed_hosts", title, "pass", "Not enforced outside production (every host allowed)"
        )
    fix = "Set MC_ALLOWED_HOSTS to the names users reach the server by, e.g. `mc.example.com`."
    if settings.allow_any_host:
        return CheckItem(
            "allowed_hosts",
            title,
            "fail",
            "MC_ALLOW_ANY_HOST turns the allowlist off (DNS rebinding, host header attacks)",
            "Unset MC_ALLOW_ANY_HOST. " + fix,
        )
    patterns = settings.allowed_host_patterns
    if not patterns:
        return CheckItem(
            "allowed_hosts",
            title,
            "warn",
            "MC_ALLOWED_HOSTS is empty: only localhost names are answered",
            fix,
        )
    if any(p.strip() in ("*", "*.*") for p in patterns):
        return CheckItem(
            "allowed_hosts", title, "fail", "MC_ALLOWED_HOSTS contains a match-all pattern", fix
        )
    return CheckItem("allowed_hosts", title, "pass", f"Allowed: {', '.join(patterns)}")


def check_tls(settings: Settings) -> CheckItem:
    title = "TLS, secure cookie and HSTS"
    secure, hsts = settings.cookie_secure, settings.hsts
    if hsts and not secure:
        return CheckItem(
            "tls",
            title,
            "warn",
            "HSTS is on but the session cookie is not Secure",
            "Serve over HTTPS and set MC_COOKIE_SECURE=1.",
        )
    if not settings.production:
        detail = "Development: plain HTTP expected" + (" (Secure cookie on)" if secure else "")
        return CheckItem("tls", title, "pass", detail)
    if not secure:
        return CheckItem(
            "tls",
            title,
            "fail",
            "MC_COOKIE_SECURE is off in production: session cookies travel over plain HTTP",
            "Put the server behind HTTPS and unset MC_COOKIE_SECURE (on by default).",
        )
    if not hsts:
        return CheckItem(
            "tls",
            title,
            "warn",
            "Secure cookie is on but HSTS is off",
            "Unset MC_ENABLE_HSTS=0 once HTTPS works everywhere.",
        )
    return CheckItem("tls", title, "pass", "Secure cookie (__Host- name) and HSTS are on")


def _loose(path: Path) -> bool:
    return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))


def check_env_file(env_file: Path) -> CheckItem:
    title = ".env file permissions"
    if not env_file.exists():
        return CheckItem("env_file", title, "pass", f"No {env_file} file")
    mode = stat.S_IMODE(env_file.stat().st_mode)
    if _loose(env_file):
        return CheckItem(
            "env_file",
            title,
            "fail",
            f"{env_file} is mode {mode:04o}: other users can read its secrets",
            f"chmod 600 {env_file}",
        )
    return CheckItem("env_file", title, "pass", f"{env_file} is mode {mode:04o}")


def check_data_dir(settings: Settings) -> CheckItem:
    title = "Data folder permissions"
    data_dir = settings.data_dir
    if not data_dir.exists():
        return CheckItem("data_dir", title, "pass", f"{data_dir} does not exist yet")
    problems = []
    if _loose(data_dir):
        problems.append(f"{data_dir} is mode {stat.S_IMODE(data_dir.stat().st_mode):04o}")
    db_file = sqlite_path(settings.database_url_resolved)
    if db_file is not None and db_file.exists() and _loose(db_file):
        problems.append(f"{db_file} is mode {stat.S_IMODE(db_file.stat().st_mode):04o}")
    if problems:
        return CheckItem(
            "data_dir",
            title,
            "fail",
            "; ".join(problems) + " (other users can read the database and secrets)",
            f"chmod 700 {data_dir} && chmod 600 {data_dir}/*",
        )
    return CheckItem("data_dir", title, "pass", f"{data_dir} is private to its owner")


def check_rate_limits(settings: Settings) -> CheckItem:
    title = "Rate limits"
    if not settings.disable_rate_limit:
        return CheckItem("rate_limits", title, "pass", "All limiters are on")
    if settings.production:
        return CheckItem(
            "rate_limits",
            title,
            "pass",
            "MC_DISABLE_RATE_LIMIT is set but ignored in production",
            "Remove MC_DISABLE_RATE_LIMIT from the environment.",
        )
    return CheckItem(
        "rate_limits",
        title,
        "warn",
        "MC_DISABLE_RATE_LIMIT turns the non-critical limiters off (login limits stay on)",
        "Unset MC_DISABLE_RATE_LIMIT.",
    )


def check_audit_retention(settings: Settings) -> CheckItem:
    title = "Audit retention"
    days = settings.retain_audit_days
    if days == 0:
        return CheckItem(
            "audit_retention",
            title,
            "warn",
            "MC_RETAIN_AUDIT_DAYS=0: the audit log is never purged and grows without bound",
            "Set MC_RETAIN_AUDIT_DAYS (default 365); purges leave a verifiable checkpoint.",
        )
    if days < MIN_AUDIT_DAYS:
        return CheckItem(
            "audit_retention",
            title,
            "warn",
            f"Audit rows are kept only {days} days: too short to investigate an incident",
            f"Set MC_RETAIN_AUDIT_DAYS to at least {MIN_AUDIT_DAYS} (default 365).",
        )
    return CheckItem("audit_retention", title, "pass", f"Audit rows are kept {days} days")


def check_debug(settings: Settings) -> CheckItem:
    title = "Debug off"
    level = settings.log_level.strip().lower()
    if level in ("debug", "trace"):
        return CheckItem(
            "debug",
            title,
            "fail" if settings.production else "warn",
            f"MC_LOG_LEVEL={level}: request details may reach the logs",
            "Set MC_LOG_LEVEL=info.",
        )
    return CheckItem("debug", title, "pass", f"Log level {level}")


def check_trusted_proxies(settings: Settings) -> CheckItem:
    title = "Trusted proxies"
    entries = settings.trusted_proxy_list
    if not entries:
        return CheckItem("trusted_proxies", title, "pass", "None: forwarding headers are ignored")
    fix = "List only your reverse proxy's addresses in MC_TRUSTED_PROXIES."
    try:
        networks = parse_networks(entries)
    except ValueError as exc:
        return CheckItem("trusted_proxies", title, "fail", str(exc), fix)
    broad = [str(n) for n in networks if n.prefixlen < (8 if n.version == 4 else 32)]
    if broad:
        return CheckItem(
            "trusted_proxies",
            title,
            "fail",
            f"Too broad: {', '.join(broad)} (anyone there can forge the client IP)",
            fix,
        )
    public = [str(n) for n in networks if not _private(n)]
    if public:
        return CheckItem(
            "trusted_proxies",
            title,
            "warn",
            f"Public addresses trusted: {', '.join(public)}",
            fix,
        )
    return CheckItem("trusted_proxies", title, "pass", f"Trusted: {', '.join(entries)}")


def _gateway_urls(conn: Connection, settings: Settings) -> list[str]:
    urls = [
        str(u)
        for u in conn.execute(
            sa.select(gateways.c.url).order_by(gateways.c.id).limit(MAX_GATEWAYS_CHECKED)
        ).scalars()
    ]
    if env_configured(conn, settings):
        urls.append(settings.openclaw_url)
    return urls


def check_gateway_transport(settings: Settings, urls: list[str]) -> CheckItem:
    """Device signing needs a secure context: wss://, or ws:// to this machine only."""
    title = "Gateway secure context"
    if not urls:
        return CheckItem("gateway_transport", title, "pass", "No OpenClaw gateway is configured")
    insecure = [display_url(u) for u in urls if transport_problem(u)]
    fix = (
        "Put TLS in front of the gateway and use wss://, or reach it over loopback "
        "(an SSH tunnel to 127.0.0.1:18789)."
    )
    if insecure and settings.openclaw_allow_insecure:
        return CheckItem(
            "gateway_transport",
            title,
            "fail",
            f"MC_OPENCLAW_ALLOW_INSECURE sends the gateway token in clear to: {', '.join(insecure)}",
            fix + " Then unset MC_OPENCLAW_ALLOW_INSECURE.",
        )
    if insecure:
        return CheckItem(
            "gateway_transport",
            title,
            "warn",
            f"Not a secure context, so Mission Control refuses to sign in to: {', '.join(insecure)}",
            fix,
        )
    if settings.production and not settings.cookie_secure:
        return CheckItem(
            "gateway_transport",
            title,
            "warn",
            "Gateways use wss:// or loopback, but the web UI is served without HTTPS: a browser "
            "talking to a gateway directly has no device identity (WebCrypto needs HTTPS)",
            "Serve Mission Control over HTTPS (MC_COOKIE_SECURE on).",
        )
    return CheckItem(
        "gateway_transport", title, "pass", f"{len(urls)} gateway(s), all over wss:// or loopback"
    )


def web_origins(settings: Settings) -> list[str]:
    """The origins a browser sends when it loads Mission Control (from MC_ALLOWED_HOSTS)."""
    scheme = "https" if settings.cookie_secure else "http"
    hosts = [h.strip() for h in settings.allowed_host_patterns if h.strip()]
    return [f"{scheme}://{h}" for h in hosts if "*" not in h and "/" not in h]


def check_gateway_origin(settings: Settings, urls: list[str]) -> CheckItem:
    """Which origin to add to the gateway's allowlist if the web UI talks to it directly."""
    title = "Gateway origin allowlist"
    if not urls:
        return CheckItem("gateway_origin", title, "pass", "No OpenClaw gateway is configured")
    origins = web_origins(settings)
    server_side = (
        "Mission Control's own gateway client sends no Origin and needs no entry. If the web "
        "UI is meant to talk to the gateway directly, "
    )
    if not origins:
        return CheckItem(
            "gateway_origin",
            title,
            "warn" if settings.production else "pass",
            server_side + "its origin is unknown because MC_ALLOWED_HOSTS names no exact host",
            "Set MC_ALLOWED_HOSTS, then add the origin users open Mission Control at (e.g. "
            '"https://mc.example.com") to gateway.controlUi.allowedOrigins in openclaw.json '
            'and restart the gateway. Never add "*".',
        )
    listed = ", ".join(f'"{o}"' for o in origins)
    return CheckItem(
        "gateway_origin",
        title,
        "pass",
        server_side + f"add {listed} to gateway.controlUi.allowedOrigins",
        f'In openclaw.json: {{"gateway": {{"controlUi": {{"allowedOrigins": [{listed}]}}}}}}, '
        'then restart the gateway. Never add "*".',
    )


def check_redis(url: str, timeout: float = REDIS_PING_TIMEOUT_SECONDS) -> CheckItem:
    """MC_REDIS_URL answers a PING (the server falls back to per-instance limits if not)."""
    title = "Redis reachable"
    where = display_url(url)
    fix = (
        "Start Redis or correct MC_REDIS_URL. Until it answers, rate limits and login "
        "throttling count per instance and live events reach other instances only by polling."
    )
    try:
        client = redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )
    except ValueError as exc:
        return CheckItem("redis", title, "fail", f"MC_REDIS_URL is not usable: {exc}", fix)
    try:
        client.ping()
    except (RedisError, OSError) as exc:
        reason = f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__
        return CheckItem(
            "redis",
            title,
            "fail",
            f"{where} is unreachable: PING failed ({reason}; timeout {timeout:g} s)",
            fix,
        )
    finally:
        client.close()
    return CheckItem("redis", title, "pass", f"{where} answered PING")


def _private(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    return network.is_private or network.is_loopback or network.is_link_local


def run_checks(
    settings: Settings,
    conn: Connection,
    passwords: Passwords | None,
    *,
    env_file: Path = Path(".env"),
) -> list[CheckItem]:
    """Every item; the password trial runs only when `passwords` is given (it is slow)."""
    user_count = int(conn.execute(sa.select(sa.func.count()).select_from(users)).scalar() or 0)
    items = [
        check_environment(settings),
        check_admin_password(settings, user_count),
    ]
    if passwords is not None:
        items.append(check_default_credentials(conn, passwords))
    items += [
        check_api_key(conn, settings),
        check_allowed_hosts(settings),
        check_tls(settings),
        check_env_file(env_file),
        check_data_dir(settings),
        check_rate_limits(settings),
        check_audit_retention(settings),
        check_debug(settings),
        check_trusted_proxies(settings),
    ]
    urls = _gateway_urls(conn, settings)
    items += [check_gateway_transport(settings, urls), check_gateway_origin(settings, urls)]
    return items


def score(items: list[CheckItem]) -> int:
    """100 when everything passes; a warning counts half, a failure nothing."""
    if not items:
        return 100
    points = sum(1.0 if i.status == "pass" else 0.5 if i.status == "warn" else 0.0 for i in items)
    return round(100 * points / len(items))


def report(items: list[CheckItem]) -> dict[str, Any]:
    """`{score, summary:{pass, warn, fail}, items}` for a list of checked items."""
    return {
        "score": score(items),
        "summary": {s: sum(1 for i in items if i.status == s) for s in ("pass", "warn", "fail")},
        "items": [i.as_dict() for i in items],
    }


def security_scan(
    conn: Connection, settings: Settings, passwords: Passwords | None, env_file: Path = Path(".env")
) -> dict[str, Any]:
    return report(run_checks(settings, conn, passwords, env_file=env_file))
