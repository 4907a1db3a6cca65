"""Special categories of personal data are never stored outside the sensitive store: no model Nudge
stores or derives may have a property, or an allowed value, that names one, and the interest taxonomy
holds none. Adding a model to the check is one line in MODELS."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, Literal

import pytest
from pydantic import BaseModel, TypeAdapter

from nudge.behavior.events import BehavioralEvent
from nudge.behavior.signals import SignalAggregates, UserSignals
from nudge.engagement.behavioral_summary import BehavioralSummary
from nudge.engagement.engagement_events import EngagementEvent
from nudge.engagement.engagement_score import EngagementAggregates
from nudge.profiles.categories import CATEGORIES
from nudge.profiles.consent import ConsentChange, ConsentRecord, ConsentSettings
from nudge.profiles.profile import ProfileFields, ProfileRecord
from nudge.profiles.profile_export import ProfileExport
from nudge.profiles.profile_patch import ProfilePatch
from nudge.profiles.profile_view import ProfileView
from nudge.profiles.user_consent import ConsentUpdated, ConsentWithHistory

# Every model of a user's profile, consent, behavioral events and what Nudge derives from them.
MODELS: list[Any] = [
    ProfileFields,
    ProfilePatch,
    ProfileRecord,
    ProfileView,
    ProfileExport,
    ConsentSettings,
    ConsentRecord,
    ConsentChange,
    ConsentUpdated,
    ConsentWithHistory,
    BehavioralEvent,
    EngagementEvent,
    SignalAggregates,
    UserSignals,
    EngagementAggregates,
    BehavioralSummary,
]
# Stems that name a special category wherever they appear ("annual_income", "nonreligious").
ANYWHERE = (
    "income",
    "salary",
    "ethnic",
    "relig",
    "health",
    "medical",
    "diagnos",
    "politic",
    "sexual",
    "genetic",
    "biometric",
)
# Stems that are a word of their own ("race", "racial", "caste", "orientation"), as inside "trace" or
# "broadcaster" they mean nothing.
WORD_START = ("race", "racial", "caste", "wealth", "orientation", "disabilit")


def _schema(model: Any) -> dict[str, Any]:
    if isinstance(model, type) and issubclass(model, BaseModel):
        return model.model_json_schema(mode="serialization") | {"$input": model.model_json_schema()}
    adapter: TypeAdapter[Any] = TypeAdapter(model)
    return adapter.json_schema(mode="serialization") | {"$input": adapter.json_schema()}


def _names(schema: Any) -> Iterator[str]:
    """Every property name and every allowed value (enum, const) anywhere in the schema."""
    if isinstance(schema, dict):
        yield from schema.get("properties", {})
        yield from (str(value) for value in schema.get("enum", []))
        if "const" in schema:
            yield str(schema["const"])
        for value in schema.values():
            yield from _names(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _names(value)


def naming_sensitive(words: Iterable[str]) -> list[str]:
    """The words (property names, values) that name a special category, each once, sorted."""
    found = set()
    for word in words:
        parts = [part.lower() for part in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", word)]
        if any(stem in word.lower() for stem in ANYWHERE) or any(p.startswith(WORD_START) for p in parts):
            found.add(word)
    return sorted(found)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: getattr(model, "__name__", repr(model)))
def test_no_stored_or_derived_model_names_a_special_category(model: Any) -> None:
    assert naming_sensitive(_names(_schema(model))) == []


def test_the_interest_taxonomy_names_no_special_category() -> None:
    assert naming_sensitive(CATEGORIES) == []


def test_the_check_finds_a_sensitive_property_or_value() -> None:
    class Leaky(BaseModel):
        annual_income: int
        userRace: str = "x"  # as a client writing camelCase would name it
        kind: Literal["trace", "broadcaster", "religious_affiliation"] = "trace"

    assert naming_sensitive(_names(_schema(Leaky))) == ["annual_income", "religious_affiliation", "userRace"]
    assert naming_sensitive(["POLITICAL_VIEWS", "HEALTH_WELLNESS", "ETHNICITY", "CASTE", "TECH_SAAS", "RACING"]) == [
        "CASTE",
        "ETHNICITY",
        "HEALTH_WELLNESS",
        "POLITICAL_VIEWS",
    ]
