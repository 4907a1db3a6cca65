"""The export across a registry (no AWS): every store's section, and a table's owner-only section for the
user themself only."""

from __future__ import annotations

from datetime import UTC, datetime
from types import MappingProxyType

from nudge.users.actor import Actor
from nudge.users.personal_data import (
    Erasure,
    ExportSection,
    HoldsNoPersonalData,
    HoldsPersonalData,
    Registry,
    export_from,
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)


class Attributes(ExportSection):
    names: list[str]
    values: dict[str, str] | None = None


class SensitiveStore:
    def export_user(self, user_id: str) -> Attributes:
        return Attributes(names=["religion"])

    def erase_user(self, user_id: str) -> Erasure:
        return Erasure()


def reveal(actor: Actor, user_id: str) -> Attributes:
    return Attributes(names=["religion"], values={"religion": f"decrypted for {actor.user_id}"})


REGISTRY: Registry = MappingProxyType(
    {
        "SensitiveTable": HoldsPersonalData(SensitiveStore, "attributes", reveal_to_owner=reveal),
        "PlainTable": HoldsPersonalData(SensitiveStore, "attributes"),
        "CatalogTable": HoldsNoPersonalData("nothing about users"),
    }
)


def test_the_owner_gets_the_revealed_section_and_every_other_table_as_stored() -> None:
    exported = export_from(REGISTRY, Actor("alice", is_admin=False), "alice", NOW)

    assert set(exported.tables) == {"SensitiveTable", "PlainTable"}
    assert exported.tables["SensitiveTable"] == Attributes(
        names=["religion"], values={"religion": "decrypted for alice"}
    )
    assert exported.tables["PlainTable"] == Attributes(names=["religion"])


def test_an_admin_exporting_a_user_gets_the_stores_own_section() -> None:
    exported = export_from(REGISTRY, Actor("ops", is_admin=True), "alice", NOW)

    assert exported.tables["SensitiveTable"] == Attributes(names=["religion"])
    assert exported.model_dump(mode="json")["tables"]["SensitiveTable"] == {"names": ["religion"], "values": None}
