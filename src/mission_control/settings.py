"""Runtime configuration read from the environment and an optional `.env` file."""

from __future__ import annotations

import base64
import binascii
import os
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, PrivateAttr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset(
    {"changeme", "change-me", "password", "admin", "change-me-on-first-login", "secret"}
)

# Secrets that may also be read from a file named by `<NAME>_FILE` (Docker/K8s secrets).
FILE_BACKED = (
    "API_KEY",
    "AUTH_PASS",
    "OP_SERVICE_ACCOUNT_TOKEN",
    "MC_SECRET_KEY",
    "OPENCLAW_GATEWAY_TOKEN",
)


def _alias(*names: str) -> Any:
    return AliasChoices(*names)


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the variable to fix."""


class Settings(BaseSettings):
    """Every setting Mission Control reads. Names follow the original's env vars."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    mc_env: str = Field(
        "development",
        validation_alias=_alias("MC_ENV"),
        description="`production` turns on the strict defaults.",
    )
    node_env: str = Field(
        "",
        validation_alias=_alias("NODE_ENV"),
        description="Honoured for old .env files: `production` means production.",
    )
    data_dir: Path = Field(
        Path(".data"),
        validation_alias=_alias("MISSION_CONTROL_DATA_DIR"),
        description="Data folder: SQLite file, generated secrets, backups, logs.",
    )
    database_url: str = Field(
        "",
        validation_alias=_alias("MC_DATABASE_URL"),
        description="SQLAlchemy URL; default SQLite in the data dir.",
    )
    redis_url: str = Field(
        "",
        validation_alias=_alias("MC_REDIS_URL"),
        description="Redis for shared rate limits and events across instances.",
    )
    api_key: str = Field(
        "",
        validation_alias=_alias("API_KEY"),
        description="Global admin API key (until a rotated key replaces it).",
    )
    auth_user: str = Field(
        "admin",
        validation_alias=_alias("AUTH_USER"),
        description="Username of the admin seeded on an empty database.",
    )
    auth_pass: str = Field(
        "", validation_alias=_alias("AUTH_PASS"), description="Password of the seeded admin."
    )
    auth_pass_b64: str = Field(
        "",
        validation_alias=_alias("AUTH_PASS_B64"),
        description="Base64 of the seeded admin's password; wins when valid.",
    )
    allowed_hosts: str = Field(
        "",
        validation_alias=_alias("MC_ALLOWED_HOSTS"),
        description="Comma list of host patterns allowed in production.",
    )
    allow_any_host: bool = Field(
        False,
        validation_alias=_alias("MC_ALLOW_ANY_HOST"),
        description="Turns the host allowlist off.",
    )
    trusted_proxies: str = Field(
        "",
        validation_alias=_alias("MC_TRUSTED_PROXIES"),
        description="Comma list of IPs/CIDRs whose forwarding headers are believed.",
    )
    cookie_secure_raw: str = Field(
        "",
        validation_alias=_alias("MC_COOKIE_SECURE"),
        description="Secure flag on the session cookie (default: on in production).",
    )
    cookie_samesite: Literal["strict", "lax"] = Field(
        "strict",
        validation_alias=_alias("MC_COOKIE_SAMESITE"),
        description="SameSite of the session cookie.",
    )
    session_ttl_hours: int = Field(
        168,
        ge=1,
        le=24 * 365,
        validation_alias=_alias("MC_SESSION_TTL_HOURS"),
        description="Absolute session lifetime in hours.",
    )
    session_idle_minutes: int = Field(
        0,
        ge=0,
        validation_alias=_alias("MC_SESSION_IDLE_MINUTES"),
        description="Idle timeout in minutes; 0 turns it off.",
    )
    enable_hsts_raw: str = Field(
        "",
        validation_alias=_alias("MC_ENABLE_HSTS"),
        description="Send Strict-Transport-Security (default: production with secure cookies).",
    )
    disable_rate_limit: bool = Field(
        False,
        validation_alias=_alias("MC_DISABLE_RATE_LIMIT"),
        description="Bypass non-critical limiters; ignored in production.",
    )
    retain_audit_days: int = Field(
        365,
        validation_alias=_alias("MC_RETAIN_AUDIT_DAYS"),
        description="Audit log retention in days (0 keeps forever).",
    )
    retain_activities_days: int = Field(
        90,
        validation_alias=_alias("MC_RETAIN_ACTIVITIES_DAYS"),
        description="Activity retention in days.",
    )
    retain_notifications_days: int = Field(
        60,
        validation_alias=_alias("MC_RETAIN_NOTIFICATIONS_DAYS"),
        description="Notification retention in days.",
    )
    retain_pipeline_runs_days: int = Field(
        90,
        validation_alias=_alias("MC_RETAIN_PIPELINE_RUNS_DAYS"),
        description="Pipeline run retention in days.",
    )
    retain_token_usage_days: int = Field(
        90,
        validation_alias=_alias("MC_RETAIN_TOKEN_USAGE_DAYS"),
        description="Token usage retention in days.",
    )
    retain_security_events_days: int = Field(
        180,
        validation_alias=_alias("MC_RETAIN_SECURITY_EVENTS_DAYS"),
        description="Security event retention in days.",
    )
    retain_webhook_deliveries_days: int = Field(
        30,
        validation_alias=_alias("MC_RETAIN_WEBHOOK_DELIVERIES_DAYS"),
        description="Webhook delivery log retention in days; only settled deliveries "
        "(sent, given up or cancelled) are removed, never ones waiting or being sent.",
    )
    retain_connections_days: int = Field(
        30,
        validation_alias=_alias("MC_RETAIN_CONNECTIONS_DAYS"),
        description="Days a closed agent connection is kept after it was disconnected.",
    )
    google_client_id: str = Field(
        "",
        validation_alias=_alias("GOOGLE_CLIENT_ID", "NEXT_PUBLIC_GOOGLE_CLIENT_ID"),
        description="Enables Google sign-in.",
    )
    google_allowed_domains: str = Field(
        "",
        validation_alias=_alias("MC_GOOGLE_ALLOWED_DOMAINS"),
        description="Comma list of Google hosted domains allowed to sign in.",
    )
    google_jwks_url: str = Field(
        "https://www.googleapis.com/oauth2/v3/certs",
        validation_alias=_alias("MC_GOOGLE_JWKS_URL"),
        description="Where Google's signing keys are fetched.",
    )
    require_2fa_for_admins: bool = Field(
        False,
        validation_alias=_alias("MC_REQUIRE_2FA_FOR_ADMINS"),
        description="Admins must enrol in two-factor login.",
    )
    op_vault_name: str = Field(
        "default",
        validation_alias=_alias("OP_VAULT_NAME"),
        description="1Password vault to pull integration secrets from.",
    )
    op_service_account_token: str = Field(
        "",
        validation_alias=_alias("OP_SERVICE_ACCOUNT_TOKEN"),
        description="1Password service account token.",
    )
    op_bin: str = Field(
        "",
        validation_alias=_alias("MC_OP_BIN"),
        description="Path of the `op` binary (default: looked up on PATH).",
    )
    op_timeout_s: float = Field(
        15.0,
        gt=0,
        le=120,
        validation_alias=_alias("MC_OP_TIMEOUT_S"),
        description="Seconds an `op` command may run before it is killed.",
    )
    secret_key: str = Field(
        "",
        validation_alias=_alias("MC_SECRET_KEY"),
        description="Key for secrets encrypted at rest (default: a generated key file).",
    )
    webhook_allow_private: bool = Field(
        False,
        validation_alias=_alias("MC_WEBHOOK_ALLOW_PRIVATE"),
        description="Allow webhooks to private addresses (development/tests only).",
    )
    webhook_max_retries: int = Field(
        5,
        ge=0,
        le=10,
        validation_alias=_alias("MC_WEBHOOK_MAX_RETRIES"),
        description="Delivery retries before a webhook's circuit opens.",
    )
    webhook_sender: Literal["process", "inline", "off"] = Field(
        "process",
        validation_alias=_alias("MC_WEBHOOK_SENDER"),
        description=(
            "Where webhook deliveries are sent from: `process` (a delivery process beside "
            "each server process), `inline` (on the server's own event loop) or `off`."
        ),
    )
    webhook_sender_nice: int = Field(
        19,
        ge=0,
        le=19,
        validation_alias=_alias("MC_WEBHOOK_SENDER_NICE"),
        description="CPU niceness of the delivery process: API requests go first.",
    )
    log_dirs: str = Field(
        "",
        validation_alias=_alias("MC_LOG_DIRS"),
        description="Comma list of extra folders whose *.log files /api/logs reads.",
    )
    log_level: str = Field(
        "info", validation_alias=_alias("MC_LOG_LEVEL"), description="Server log level."
    )
    openclaw_gateway_url: str = Field(
        "",
        validation_alias=_alias("OPENCLAW_GATEWAY_URL"),
        description="WebSocket URL of the OpenClaw gateway.",
    )
    openclaw_gateway_host: str = Field(
        "127.0.0.1",
        validation_alias=_alias("OPENCLAW_GATEWAY_HOST"),
        description="Gateway host when no URL is given.",
    )
    openclaw_gateway_port: int = Field(
        18789,
        validation_alias=_alias("OPENCLAW_GATEWAY_PORT"),
        description="Gateway port when no URL is given.",
    )
    openclaw_gateway_token: str = Field(
        "", validation_alias=_alias("OPENCLAW_GATEWAY_TOKEN"), description="Gateway auth token."
    )
    openclaw_allow_insecure: bool = Field(
        False,
        validation_alias=_alias("MC_OPENCLAW_ALLOW_INSECURE"),
        description="Allow plain ws:// to a gateway on another host (token sent in clear).",
    )
    openclaw_challenge_timeout: float = Field(
        15.0,
        ge=0.1,
        le=120,
        validation_alias=_alias("MC_OPENCLAW_CHALLENGE_TIMEOUT"),
        description="Seconds to wait for the gateway's connect.challenge.",
    )
    openclaw_request_timeout: float = Field(
        30.0,
        ge=0.1,
        le=300,
        validation_alias=_alias("MC_OPENCLAW_REQUEST_TIMEOUT"),
        description="Seconds to wait for the answer to one gateway request.",
    )
    openclaw_deadline: float = Field(
        45.0,
        ge=0.5,
        le=600,
        validation_alias=_alias("MC_OPENCLAW_DEADLINE"),
        description="Seconds one gateway probe or call may take in all (connect and answer).",
    )
    argon2_memory_kib: int = Field(
        19456,
        ge=8192,
        validation_alias=_alias("MC_ARGON2_MEMORY_KIB"),
        description="Argon2id memory cost in KiB (OWASP minimum 19456).",
    )
    argon2_time_cost: int = Field(
        2, ge=1, validation_alias=_alias("MC_ARGON2_TIME_COST"), description="Argon2id iterations."
    )
    argon2_parallelism: int = Field(
        1, ge=1, validation_alias=_alias("MC_ARGON2_PARALLELISM"), description="Argon2id lanes."
    )
    hash_concurrency: int = Field(
        2,
        ge=1,
        le=16,
        validation_alias=_alias("MC_HASH_CONCURRENCY"),
        description="Password hashes computed at once; the rest wait.",
    )
    scheduler_enabled: bool = Field(
        True,
        validation_alias=_alias("MC_SCHEDULER_ENABLED"),
        description="Run the background job scheduler in this process.",
    )

    redis_prefix: str = Field(
        "mc:",
        validation_alias=_alias("MC_REDIS_PREFIX"),
        description="Prefix of every Redis key and channel (to share one Redis between installs).",
    )

    # The FILE_BACKED names whose value came from `NAME_FILE`, so messages name that variable.
    _from_files: frozenset[str] = PrivateAttr(default_factory=frozenset)

    @model_validator(mode="wrap")
    @classmethod
    def _read_secret_files(cls, data: Any, handler: Any) -> Any:
        """`NAME_FILE` fills `NAME` from a file when `NAME` itself is not set."""
        read: set[str] = set()
        # A `.env` file hands undeclared names over lower-cased; the environment keeps its case.
        given = (
            {key.upper(): value for key, value in data.items() if isinstance(key, str)}
            if isinstance(data, dict)
            else {}
        )
        for name in FILE_BACKED if isinstance(data, dict) else ():
            path = given.get(f"{name}_FILE") or os.environ.get(f"{name}_FILE")
            if path and not (given.get(name) or os.environ.get(name)):
                try:
                    data[name] = Path(path).read_text(encoding="utf-8").strip()
                except OSError as exc:
                    raise ConfigError(f"{name}_FILE: cannot read {path}: {exc.strerror}") from exc
                read.add(name)
        settings = handler(data)
        settings._from_files = frozenset(read)
        return settings

    def variable_of(self, name: str) -> str:
        """The variable a FILE_BACKED secret was read from: `NAME`, or `NAME_FILE`."""
        return f"{name}_FILE" if name in self._from_files else name

    @field_validator(
        "retain_audit_days",
        "retain_activities_days",
        "retain_notifications_days",
        "retain_pipeline_runs_days",
        "retain_token_usage_days",
        "retain_security_events_days",
        "retain_webhook_deliveries_days",
        "retain_connections_days",
    )
    @classmethod
    def _clamp_retention(cls, value: int) -> int:
        return max(0, min(3650, value))

    @property
    def production(self) -> bool:
        return self.mc_env.lower() == "production" or self.node_env.lower() == "production"

    @property
    def cookie_secure(self) -> bool:
        return _flag(self.cookie_secure_raw, default=self.production)

    @property
    def hsts(self) -> bool:
        return _flag(self.enable_hsts_raw, default=self.production and self.cookie_secure)

    @property
    def rate_limits_relaxed(self) -> bool:
        """Non-critical limiters are off only outside production."""
        return self.disable_rate_limit and not self.production

    @cached_property
    def database_url_resolved(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'mission-control.db').resolve()}"

    @property
    def openclaw_url(self) -> str:
        """The environment's gateway: OPENCLAW_GATEWAY_URL, else ws://HOST:PORT."""
        if self.openclaw_gateway_url.strip():
            return self.openclaw_gateway_url.strip()
        host = self.openclaw_gateway_host.strip() or "127.0.0.1"
        host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        return f"ws://{host}:{self.openclaw_gateway_port}"

    @property
    def openclaw_configured(self) -> bool:
        """A gateway is configured in the environment: a URL or token, or a host or port."""
        if self.openclaw_gateway_url.strip() or self.openclaw_gateway_token:
            return True
        host_set = "openclaw_gateway_host" in self.model_fields_set
        port_set = "openclaw_gateway_port" in self.model_fields_set
        return (host_set and bool(self.openclaw_gateway_host.strip())) or port_set

    @property
    def is_sqlite(self) -> bool:
        return self.database_url_resolved.startswith("sqlite")

    def _admin_password_b64(self) -> str:
        if not self.auth_pass_b64:
            return ""
        try:
            return base64.b64decode(self.auth_pass_b64, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return ""

    @property
    def admin_password(self) -> str:
        """`AUTH_PASS_B64` wins when it is valid base64 of non-empty UTF-8."""
        return self._admin_password_b64() or self.auth_pass

    @property
    def admin_password_variable(self) -> str:
        """Where `admin_password` came from: AUTH_PASS_B64, AUTH_PASS_FILE or AUTH_PASS."""
        return "AUTH_PASS_B64" if self._admin_password_b64() else self.variable_of("AUTH_PASS")

    @property
    def allowed_host_patterns(self) -> list[str]:
        return _split(self.allowed_hosts)

    @property
    def trusted_proxy_list(self) -> list[str]:
        return _split(self.trusted_proxies)

    @property
    def google_enabled(self) -> bool:
        return bool(self.google_client_id)

    def retention_days(self) -> dict[str, int]:
        return {
            "audit_log": self.retain_audit_days,
            "activities": self.retain_activities_days,
            "notifications": self.retain_notifications_days,
            "pipeline_runs": self.retain_pipeline_runs_days,
            "token_usage": self.retain_token_usage_days,
            "security_events": self.retain_security_events_days,
            "webhook_deliveries": self.retain_webhook_deliveries_days,
            "connections": self.retain_connections_days,
        }

    def check_production(self) -> None:
        """Refuse to start in production with placeholder or weak secrets."""
        if not self.production:
            return
        password = self.admin_password
        if password and (password.lower() in PLACEHOLDER_SECRETS or len(password) < 12):
            raise ConfigError(
                f"{self.admin_password_variable} is a placeholder or shorter than 12 characters; "
                "set a strong password (e.g. `openssl rand -base64 32`)."
            )
        if self.api_key and (self.api_key.lower() in PLACEHOLDER_SECRETS or len(self.api_key) < 32):
            raise ConfigError(
                f"{self.variable_of('API_KEY')} is a placeholder or shorter than 32 characters; "
                "generate one with `openssl rand -hex 32`."
            )
        if self.secret_key and len(self.secret_key) < 32:
            raise ConfigError(f"{self.variable_of('MC_SECRET_KEY')} is shorter than 32 characters.")
        if self.redis_url and not self.is_sqlite and not self.secret_key:
            raise ConfigError(
                "MC_SECRET_KEY is not set: instances sharing a database must all encrypt "
                "secrets with the same key (a generated key file is one instance's alone)."
            )


def _flag(raw: str, *, default: bool) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    return default


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment (and `.env`), applying explicit overrides."""
    return Settings(**overrides)
