"""Settings are read once per process; forget_settings() makes every registered reader read again."""

import pytest

from nudge.config import cached_settings, forget_settings, settings


def test_forget_settings_makes_every_registered_reader_read_the_environment_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads: list[str] = []

    @cached_settings
    def table_name() -> str:
        import os

        reads.append(os.environ["EXAMPLE_TABLE_NAME"])
        return reads[-1]

    monkeypatch.setenv("EXAMPLE_TABLE_NAME", "first")
    assert (table_name(), table_name()) == ("first", "first")
    monkeypatch.setenv("EXAMPLE_TABLE_NAME", "second")
    assert table_name() == "first"

    forget_settings()

    assert table_name() == "second"
    assert reads == ["first", "second"]


def test_the_layer_settings_are_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIT_TABLE_NAME", "audit-one")
    forget_settings()
    assert settings().audit_table_name == "audit-one"
    monkeypatch.setenv("AUDIT_TABLE_NAME", "audit-two")

    forget_settings()

    assert settings().audit_table_name == "audit-two"
    monkeypatch.delenv("AUDIT_TABLE_NAME")
    forget_settings()
