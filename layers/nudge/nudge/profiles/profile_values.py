"""The constrained values a profile is made of (an email address, a phone number, a time zone, a language tag,
a clock time, bounded lists), apart from the profile's models: modules that only check one such value (an
address to look up, a segment's languages) do not pay at cold start for the profile's models."""

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic.fields import FieldInfo
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from nudge.identifiers import Identifier
from nudge.profiles.categories import Category

MAX_LANGUAGES = 10
MAX_CATEGORIES = 20
MAX_BRANDS = 50
DEFAULT_TIME_ZONE = "UTC"

# Patterns as text: `re` compiles each on its first use (and caches it), not at import.
_EMAIL_LOCAL = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$"
_DOMAIN_LABEL = r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
# Every IANA zone name segment starts with an upper-case letter ("America/Argentina/Buenos_Aires",
# "Etc/GMT+5"); the pattern also keeps out what a system zoneinfo directory holds besides zones
# ("localtime", "posixrules", "right/...", "zone.tab"), which Lambda's image may not have.
_ZONE_KEY = r"^[A-Z][A-Za-z0-9_+-]*(/[A-Z][A-Za-z0-9_+-]*){0,2}$"
_PHONE = r"^\+[1-9][0-9]{6,14}$"
# BCP 47 as used in practice: language, optional script, optional region, optional variants ("zh-Hant-TW").
_LANGUAGE_TAG = r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*$"
_CLOCK_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def _email(value: str) -> str:
    """An ASCII address: a dot-atom local part (at most 64 characters) at a domain of at least two labels,
    ending in a letters-only top-level label. The domain is kept in lower case (it is case-insensitive)."""
    local, at, domain = value.rpartition("@")
    labels = domain.split(".")
    valid = (
        bool(at)
        and len(local) <= 64
        and re.fullmatch(_EMAIL_LOCAL, local) is not None
        and len(labels) >= 2
        and all(re.fullmatch(_DOMAIN_LABEL, label) for label in labels)
        and labels[-1].isalpha()
        and len(labels[-1]) >= 2
    )
    if not valid:
        raise ValueError("must be an email address such as ana@example.com")
    return f"{local}@{domain.lower()}"


def _time_zone(key: str) -> str:
    # zoneinfo is imported on use: only writes look zones up. It reads the system's zone files, or the
    # tzdata package where there are none (layers/nudge/requirements.txt).
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    problem = "is not an IANA time zone name, e.g. Europe/Berlin or America/New_York"
    if re.fullmatch(_ZONE_KEY, key) is None:
        raise ValueError(problem)
    try:
        ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(problem) from None
    return key


def _unique[Item](values: list[Item]) -> list[Item]:
    if len(set(values)) != len(values):
        raise ValueError("must not list an item twice")
    return values


READ_ONLY_PROBLEM = "is read-only: Nudge sets it"


def _read_only(value: Any) -> Any:
    raise PydanticCustomError("read_only", READ_ONLY_PROBLEM)


def is_read_only(field: FieldInfo) -> bool:
    """Whether a model's field is `ReadOnly` (below)."""
    return any(isinstance(rule, BeforeValidator) and rule.func is _read_only for rule in field.metadata)


def _matching(pattern: str, problem: str) -> AfterValidator:
    """A pattern check with a message a person can act on (pydantic's would quote the regex)."""

    def check(value: str) -> str:
        if re.fullmatch(pattern, value) is None:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


def _pattern(pattern: str) -> dict[str, Any]:
    return {"pattern": pattern}


# A field the response has and a request must not send: refused by name, absent from the request schema.
ReadOnly = SkipJsonSchema[Annotated[None, BeforeValidator(_read_only)]]
Email = Annotated[
    str, Field(min_length=3, max_length=254, json_schema_extra={"format": "email"}), AfterValidator(_email)
]
Phone = Annotated[
    str,
    Field(json_schema_extra=_pattern(_PHONE), description="E.164: + then 7 to 15 digits, the first not 0"),
    _matching(_PHONE, "must be an E.164 number: + then 7 to 15 digits, the first not 0, e.g. +14155550123"),
]
TimeZone = Annotated[
    str,
    Field(min_length=1, max_length=64, json_schema_extra=_pattern(_ZONE_KEY), description="IANA time zone name"),
    AfterValidator(_time_zone),
]
LanguageTag = Annotated[
    str,
    Field(
        max_length=35,
        json_schema_extra=_pattern(_LANGUAGE_TAG),
        description="BCP 47 language tag, e.g. en, en-GB, zh-Hant-TW, es-419",
    ),
    _matching(_LANGUAGE_TAG, "must be a BCP 47 language tag such as en, en-GB, zh-Hant-TW or es-419"),
]
ClockTime = Annotated[
    str,
    Field(json_schema_extra=_pattern(_CLOCK_TIME), description='24-hour "HH:MM", 00:00 to 23:59'),
    _matching(_CLOCK_TIME, 'must be a 24-hour time "HH:MM" from 00:00 to 23:59'),
]
Languages = Annotated[
    list[LanguageTag], Field(max_length=MAX_LANGUAGES, json_schema_extra={"uniqueItems": True}), AfterValidator(_unique)
]
Categories = Annotated[
    list[Category], Field(max_length=MAX_CATEGORIES, json_schema_extra={"uniqueItems": True}), AfterValidator(_unique)
]
Brands = Annotated[
    list[Identifier],
    Field(max_length=MAX_BRANDS, json_schema_extra={"uniqueItems": True}, description="Ids of brands the user follows"),
    AfterValidator(_unique),
]
