"""The personal-data contract: every store that holds data about a user can export it and erase it.

A store (one table's repository) implements `PersonalDataStore`: `export_user` returns everything
it holds about the user as a typed `ExportSection`, and `erase_user` deletes it, or anonymizes what
must outlive the user (the store's docstring says why), and reports counts. Both reach the user's
items by key or through an index, never by scanning the table, and both are idempotent: erasing
an erased user finds nothing and changes nothing.

The registry that names a store for every table lives above the capabilities (`nudge.privacy`);
this module only defines what an entry is, so it imports no capability.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Protocol

from pydantic import ConfigDict, Field, WithJsonSchema

from nudge.models import NudgeModel
from nudge.users.actor import Actor


class ExportSection(NudgeModel):
    """What one table holds about a user; each store returns its own subclass with typed fields."""

    # A field typed as this base writes the subclass's fields too (pydantic would write only the base's: none).
    model_config = ConfigDict(polymorphic_serialization=True)


class Erasure(NudgeModel):
    """What erasing a user changed in one table, by kind of item."""

    deleted: dict[str, int] = Field(default_factory=dict)
    anonymized: dict[str, int] = Field(
        default_factory=dict, description="Kept without the user's personal values (the table's docstring says why)"
    )


class PersonalDataStore(Protocol):
    def export_user(self, user_id: str) -> ExportSection:
        """Everything the store holds about the user."""

    def erase_user(self, user_id: str) -> Erasure:
        """Delete (or anonymize) everything the store holds about the user; a second call changes nothing."""


# What only the user themself gets in their own export instead of the store's section: decrypted values where
# the store exports attribute names only. Given the acting user and the user exported.
OwnerReveal = Callable[[Actor, str], ExportSection]


@dataclass(frozen=True)
class HoldsPersonalData:
    """A table with data about users, reached through its store."""

    store: Callable[[], PersonalDataStore]
    holds: str
    reveal_to_owner: OwnerReveal | None = None


@dataclass(frozen=True)
class HoldsNoPersonalData:
    reason: str


RegistryEntry = HoldsPersonalData | HoldsNoPersonalData
# template.yaml logical id of a table -> what it holds about users.
Registry = Mapping[str, RegistryEntry]


SECTION_SCHEMA = {"type": "object", "description": "What the table holds about the user, as its store exports it"}


class UserDataExport(NudgeModel):
    user_id: str
    exported_at: datetime
    # Each section is its store's own model: the published schema says only that it is an object.
    tables: dict[str, Annotated[ExportSection, WithJsonSchema(SECTION_SCHEMA)]] = Field(
        description="Logical table id -> its section"
    )


def stores(registry: Registry) -> dict[str, PersonalDataStore]:
    """A store for every table that holds data about users, by logical id."""
    return {table: entry.store() for table, entry in registry.items() if isinstance(entry, HoldsPersonalData)}


def export_from(registry: Registry, actor: Actor, user_id: str, now: datetime) -> UserDataExport:
    """Every store's section; the user themself gets a table's owner-only section where it has one (an admin
    exporting the user gets the store's own)."""
    sections: dict[str, ExportSection] = {}
    for table, entry in registry.items():
        if not isinstance(entry, HoldsPersonalData):
            continue
        if entry.reveal_to_owner is not None and actor.user_id == user_id:
            sections[table] = entry.reveal_to_owner(actor, user_id)
        else:
            sections[table] = entry.store().export_user(user_id)
    return UserDataExport(user_id=user_id, exported_at=now, tables=sections)
