"""Settings by concern, all read from ``SEGMENTLY_*`` environment variables.

A bad value stops start-up with a :class:`ConfigError` naming the variable.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "SEGMENTLY_"


class ConfigError(Exception):
    """A setting has a value Segmently cannot start with."""


def _config() -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=PREFIX, extra="ignore")


class PathSettings(BaseSettings):
    model_config = _config()
    data_dir: Path = Path("./data")


class DatabaseSettings(BaseSettings):
    model_config = _config()
    database_url: str = ""

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must start with sqlite:// or postgresql://")
        return value


class AuthSettings(BaseSettings):
    model_config = _config()
    secret_key: str = ""
    bcrypt_rounds: int = Field(default=12, ge=10, le=15)
    token_days: int = Field(default=30, ge=1, le=365)
    login_failures_per_account: int = Field(default=10, ge=1)
    login_failures_per_ip: int = Field(default=50, ge=1)

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        if value and len(value) < 32:
            raise ValueError("must be at least 32 characters")
        return value


class ServerSettings(BaseSettings):
    model_config = _config()
    base_url: str = "http://127.0.0.1:8000"
    trusted_proxies: str = ""
    secure_cookies: bool = False
    # Run the scheduler loop inside each web process (``segmently worker`` runs it alone).
    run_jobs: bool = True
    # Garbage collector set up for a long-running process (segmently/web/collector.py).
    tune_gc: bool = True

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError as exc:
                raise ValueError(f"{part!r} is not an IP address or network") from exc
        return value


class RedisSettings(BaseSettings):
    model_config = _config()
    redis_url: str | None = None

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value or None


class MailSettings(BaseSettings):
    model_config = _config()
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    mail_from: str = "Segmently <no-reply@localhost>"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database: DatabaseSettings
    auth: AuthSettings
    server: ServerSettings
    redis: RedisSettings
    mail: MailSettings

    @property
    def database_url(self) -> str:
        return self.database.database_url or f"sqlite:///{self.data_dir / 'segmently.db'}"

    @property
    def trusted_proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        parts = (p.strip() for p in self.server.trusted_proxies.split(","))
        return [ipaddress.ip_network(p, strict=False) for p in parts if p]


def _load_secret(data_dir: Path) -> str:
    """Generate the signing key once and keep it beside the data, readable by the owner only."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def load_settings(**overrides: object) -> Settings:
    """Read every group; ``overrides`` (``group__field=value``) serve tests and the CLI."""
    groups: dict[str, type[BaseSettings]] = {
        "paths": PathSettings,
        "database": DatabaseSettings,
        "auth": AuthSettings,
        "server": ServerSettings,
        "redis": RedisSettings,
        "mail": MailSettings,
    }
    built: dict[str, BaseSettings] = {}
    for name, cls in groups.items():
        values: dict[str, Any] = {
            k.split("__", 1)[1]: v for k, v in overrides.items() if k.startswith(name + "__")
        }
        try:
            built[name] = cls(**values)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = str(first["loc"][0]) if first["loc"] else "?"
            raise ConfigError(
                f"{PREFIX}{field.upper()}: {first['msg']} (got {first.get('input')!r})"
            ) from None
    paths = built["paths"]
    auth = built["auth"]
    assert isinstance(paths, PathSettings) and isinstance(auth, AuthSettings)
    if not auth.secret_key:
        auth = auth.model_copy(update={"secret_key": _load_secret(paths.data_dir)})
    return Settings(
        data_dir=paths.data_dir,
        database=built["database"],  # type: ignore[arg-type]
        auth=auth,
        server=built["server"],  # type: ignore[arg-type]
        redis=built["redis"],  # type: ignore[arg-type]
        mail=built["mail"],  # type: ignore[arg-type]
    )
