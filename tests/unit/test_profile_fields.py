"""The profile document: defaults, the rules each field follows, and what is refused (by name)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from nudge.engagement.behavioral_summary import behavioral_summary
from nudge.engagement.engagement_score import EngagementAggregates
from nudge.errors import RequestInvalid
from nudge.profiles.categories import CATEGORIES
from nudge.profiles.countries import COUNTRY_CODES
from nudge.profiles.profile import ProfileFields, ProfileRecord, cross_field_problems
from nudge.profiles.profile_view import profile_view
from nudge.profiles.user_profiles import MAX_PROFILE_BODY_BYTES, validated_fields

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def fields(**values: Any) -> ProfileFields:
    return ProfileFields.model_validate_json(json.dumps({"email": "ana@example.com", **values}), strict=True)


def problems(**values: Any) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        fields(**values)
    return {".".join(str(part) for part in problem["loc"]): problem["msg"] for problem in caught.value.errors()}


def test_everything_left_out_is_off_or_empty_and_the_zone_is_utc() -> None:
    profile = fields()

    assert profile.model_dump() == {
        "email": "ana@example.com",
        "phone": None,
        "name": None,
        "time_zone": "UTC",
        "demographics": {"gender": None, "age_range": None, "location": None, "languages": [], "education": None},
        "interests": {"categories": [], "brands": []},
        "notification_preferences": {
            "email": {"enabled": False, "frequency": "weekly"},
            "sms": {"enabled": False},
            "whatsapp": {"enabled": False},
            "quiet_hours": None,
        },
    }


@pytest.mark.parametrize(
    "address", ["ana@example.com", "ana.lima+news@mail.example.co.uk", "o'neil@example.ie", "x@example-1.io"]
)
def test_ordinary_addresses_are_accepted(address: str) -> None:
    assert fields(email=address).email == address


@pytest.mark.parametrize(
    "address",
    [
        "ana",
        "ana@",
        "@example.com",
        "ana@example",
        "ana@@example.com",
        "ana lima@example.com",
        "ana..lima@example.com",
        ".ana@example.com",
        "ana@-example.com",
        "ana@example.c",
        "ana@example.123",
        "ana@exa_mple.com",
        "ána@example.com",
        "a" * 65 + "@example.com",
    ],
)
def test_what_is_not_an_address_is_refused(address: str) -> None:
    assert "email" in problems(email=address)


def test_the_domain_is_kept_in_lower_case_and_the_local_part_as_written() -> None:
    assert fields(email="Ana.Lima@Example.COM").email == "Ana.Lima@example.com"


@pytest.mark.parametrize("phone", ["+14155550123", "+4915112345678", "+1234567", "+123456789012345"])
def test_e164_numbers_are_accepted(phone: str) -> None:
    assert fields(phone=phone).phone == phone


@pytest.mark.parametrize("phone", ["14155550123", "+04155550123", "+123456", "+1234567890123456", "+1 415 555 0123"])
def test_numbers_that_are_not_e164_are_refused(phone: str) -> None:
    assert "E.164" in problems(phone=phone)["phone"]


@pytest.mark.parametrize(
    "zone", ["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "Asia/Kolkata"]
)
def test_iana_zones_are_accepted(zone: str) -> None:
    assert fields(time_zone=zone).time_zone == zone


@pytest.mark.parametrize(
    "zone",
    [
        "Mars/Olympus",
        "europe/berlin",
        "localtime",
        "posixrules",
        "right/UTC",
        "zone.tab",
        "../etc/passwd",
        "/etc/UTC",
        "",
    ],
)
def test_anything_else_is_not_a_zone(zone: str) -> None:
    assert "time_zone" in problems(time_zone=zone)


@pytest.mark.parametrize("tag", ["en", "en-GB", "zh-Hant-TW", "es-419", "sl-rozaj", "hi"])
def test_bcp47_tags_are_accepted(tag: str) -> None:
    assert fields(demographics={"languages": [tag]}).demographics.languages == [tag]


@pytest.mark.parametrize("tag", ["english", "EN", "en_US", "en-gb", "e", "en-"])
def test_other_language_strings_are_refused(tag: str) -> None:
    assert "BCP 47" in problems(demographics={"languages": [tag]})["demographics.languages.0"]


def test_quiet_hours_may_span_midnight_and_must_not_be_empty() -> None:
    span = fields(notification_preferences={"quiet_hours": {"start": "22:00", "end": "07:00"}})
    assert span.notification_preferences.quiet_hours is not None
    assert (
        "must differ"
        in problems(notification_preferences={"quiet_hours": {"start": "07:00", "end": "07:00"}})[
            "notification_preferences.quiet_hours"
        ]
    )
    for wrong in ("7:00", "24:00", "23:60", "2300", "23:00:00"):
        found = problems(notification_preferences={"quiet_hours": {"start": wrong, "end": "07:00"}})
        assert "HH:MM" in found["notification_preferences.quiet_hours.start"], wrong


def test_lists_are_bounded_and_hold_each_item_once() -> None:
    assert fields(interests={"categories": list(CATEGORIES)}).interests.categories == list(CATEGORIES)
    assert "twice" in problems(interests={"brands": ["b1", "b1"]})["interests.brands"]
    assert "at most 50" in problems(interests={"brands": [f"b{i}" for i in range(51)]})["interests.brands"]
    assert (
        "at most 10"
        in problems(demographics={"languages": ["en", "de", "fr", "it", "es", "pt", "nl", "sv", "da", "fi", "no"]})[
            "demographics.languages"
        ]
    )


def test_a_country_is_one_of_the_assigned_codes() -> None:
    assert len(COUNTRY_CODES) == 249
    assert {"US", "IN", "DE", "BR", "GB", "AX"} <= COUNTRY_CODES
    assert not {"UK", "XK", "EU", "ZZ"} & COUNTRY_CODES
    assert "ISO 3166-1" in problems(demographics={"location": {"country": "UK"}})["demographics.location.country"]


@pytest.mark.parametrize("name", ["behavioral", "created_at", "updated_at", "user_id"])
def test_what_nudge_sets_is_read_only(name: str) -> None:
    assert problems(**{name: None}) == {name: "is read-only: Nudge sets it"}
    assert problems(interests={"updated_at": "2026-01-01T00:00:00Z"}) == {
        "interests.updated_at": "is read-only: Nudge sets it"
    }


def test_read_only_fields_are_not_in_the_request_schema() -> None:
    schema = json.dumps(ProfileFields.model_json_schema())
    assert "behavioral" not in schema
    assert "created_at" not in schema


def test_sms_and_whatsapp_need_a_phone_number() -> None:
    both = fields(notification_preferences={"sms": {"enabled": True}, "whatsapp": {"enabled": True}})

    assert cross_field_problems(both) == [
        ("notification_preferences.sms.enabled", "needs a phone number in `phone`"),
        ("notification_preferences.whatsapp.enabled", "needs a phone number in `phone`"),
    ]
    assert cross_field_problems(both.model_copy(update={"phone": "+14155550123"})) == []


def test_a_merged_document_is_validated_strictly_and_every_problem_named() -> None:
    with pytest.raises(RequestInvalid) as caught:
        validated_fields({"phone": 5511, "time_zone": "Nowhere", "demographics": {"gender": "m"}})

    assert [field for field, _ in caught.value.problems] == ["email", "phone", "time_zone", "demographics.gender"]


def test_a_profile_at_every_bound_fits_the_body_limit() -> None:
    biggest = {
        "email": "a" * 64 + "@" + ("d" * 60 + ".") * 3 + "com",
        "phone": "+123456789012345",
        "name": "n" * 100,
        "time_zone": "America/Argentina/ComodRivadavia",
        "demographics": {
            "gender": "prefer-not-to-say",
            "age_range": "65+",
            "location": {"country": "US", "state": "s" * 100, "city": "c" * 100},
            "languages": [f"en-{i:03d}-variant{i}" for i in range(10)],
            "education": "high-school",
        },
        "interests": {"categories": list(CATEGORIES), "brands": [f"{i:02d}" + "b" * 126 for i in range(50)]},
        "notification_preferences": {
            "email": {"enabled": True, "frequency": "instant"},
            "sms": {"enabled": True},
            "whatsapp": {"enabled": True},
            "quiet_hours": {"start": "22:00", "end": "07:00"},
        },
    }

    assert len(validated_fields(biggest).model_dump_json()) < MAX_PROFILE_BODY_BYTES


def test_the_view_adds_when_interests_changed_and_what_nudge_derived() -> None:
    record = ProfileRecord(
        fields=fields(interests={"categories": ["TRAVEL"]}),
        interests_updated_at=NOW - timedelta(days=2),
        created_at=NOW - timedelta(days=3),
        updated_at=NOW,
        version=4,
    )

    behavioral = behavioral_summary(EngagementAggregates(), NOW)
    view = profile_view("ana", record, behavioral)

    assert view.behavioral == behavioral
    assert (view.user_id, view.interests.categories, view.interests.updated_at) == (
        "ana",
        ["TRAVEL"],
        record.interests_updated_at,
    )
    assert (view.created_at, view.updated_at) == (record.created_at, NOW)
