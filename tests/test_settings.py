from __future__ import annotations

import stat

import pytest

from segmently.settings import ConfigError, load_settings


def test_secret_key_is_generated_once_and_kept_private(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = load_settings(paths__data_dir=tmp_path)
    b = load_settings(paths__data_dir=tmp_path)
    assert a.auth.secret_key == b.auth.secret_key
    assert len(a.auth.secret_key) >= 48
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    other = load_settings(paths__data_dir=tmp_path / "other")
    assert other.auth.secret_key != a.auth.secret_key


def test_default_database_is_sqlite_under_data_dir(tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = load_settings(paths__data_dir=tmp_path)
    assert s.database_url == f"sqlite:///{tmp_path}/segmently.db"


@pytest.mark.parametrize(
    ("env", "value"),
    [
        ("SEGMENTLY_BASE_URL", "ftp://example.com"),
        ("SEGMENTLY_DATABASE_URL", "mysql://x"),
        ("SEGMENTLY_SECRET_KEY", "short"),
        ("SEGMENTLY_REDIS_URL", "http://redis"),
        ("SEGMENTLY_SMTP_PORT", "99999"),
        ("SEGMENTLY_BCRYPT_ROUNDS", "4"),
        ("SEGMENTLY_TRUSTED_PROXIES", "10.0.0.0/8, not-an-ip"),
    ],
)
def test_bad_values_stop_startup_naming_the_setting(monkeypatch, tmp_path, env, value) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as info:
        load_settings(paths__data_dir=tmp_path)
    assert env in str(info.value)
