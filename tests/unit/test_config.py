"""Settings are read from the function's own environment when needed, with errors naming the variable."""

import pytest

from nudge import config


def test_a_missing_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUDIT_TABLE_NAME", raising=False)
    with pytest.raises(config.MissingSetting, match="AUDIT_TABLE_NAME is not set for this function"):
        config.text("AUDIT_TABLE_NAME")


def test_settings_follow_the_environment_they_are_read_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIT_TABLE_NAME", "first")
    assert config.text("AUDIT_TABLE_NAME") == "first"
    monkeypatch.setenv("AUDIT_TABLE_NAME", "second")
    assert config.text("AUDIT_TABLE_NAME") == "second"


@pytest.mark.parametrize(("raw", "problem"), [("ten", "must be a whole number"), ("0", "must be at least 1")])
def test_an_invalid_number_is_named(monkeypatch: pytest.MonkeyPatch, raw: str, problem: str) -> None:
    monkeypatch.setenv("ARCHETYPE_CACHE_TTL_HOURS", raw)
    with pytest.raises(config.MissingSetting, match=f"ARCHETYPE_CACHE_TTL_HOURS {problem}"):
        config.archetype_cache_ttl()


def test_defaults_apply_when_a_variable_is_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IDEMPOTENCY_TTL_SECONDS", raising=False)
    assert config.idempotency_ttl_seconds() == 86400
