"""Segment rules: AND across rules, OR within one, every rule optional, values as profiles type them."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from pydantic import ValidationError

from nudge.notifications.segments import AgeRange, SegmentFields, SegmentRules, matches
from nudge.profiles.profile import Demographics, ProfileFields


def _profile(**overrides: Any) -> ProfileFields:
    document: dict[str, Any] = {
        "email": "ana@example.com",
        "demographics": {"age_range": "25-34", "location": {"country": "IN"}, "languages": ["en-GB", "hi"]},
        "interests": {"categories": ["TECH_SAAS", "TRAVEL"]},
    }
    document.update(overrides)
    return ProfileFields.model_validate(document)


def _rules(**rules: Any) -> SegmentRules:
    return SegmentRules.model_validate(rules)


def test_no_rule_matches_every_profile_even_an_empty_one() -> None:
    assert matches(_rules(), _profile(), 0.0)
    assert matches(_rules(), ProfileFields(email="bo@example.com"), 0.0)


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ({"age_ranges": ["25-34"]}, True),
        ({"age_ranges": ["18-24", "25-34"]}, True),
        ({"age_ranges": ["18-24"]}, False),
        ({"countries": ["US", "IN"]}, True),
        ({"countries": ["US"]}, False),
        ({"categories": ["FINANCE", "TRAVEL"]}, True),
        ({"categories": ["FINANCE"]}, False),
        ({"languages": ["hi"]}, True),
        ({"languages": ["en"]}, True),
        ({"languages": ["en-GB"]}, True),
        ({"languages": ["en-US"]}, False),
        ({"languages": ["e"]}, None),
        ({"min_engagement_score": 42.5}, True),
        ({"min_engagement_score": 42.51}, False),
        ({"countries": ["IN"], "categories": ["TECH_SAAS"], "age_ranges": ["25-34"]}, True),
        ({"countries": ["IN"], "categories": ["FINANCE"]}, False),
        ({"countries": ["US"], "categories": ["TECH_SAAS"]}, False),
    ],
)
def test_each_rule_ors_its_values_and_rules_and_together(rules: dict[str, Any], expected: bool | None) -> None:
    if expected is None:
        with pytest.raises(ValidationError):
            _rules(**rules)
        return
    assert matches(_rules(**rules), _profile(), 42.5) is expected


def test_a_language_rule_does_not_match_a_longer_primary_subtag() -> None:
    assert not matches(_rules(languages=["en"]), _profile(demographics={"languages": ["enx"]}), 0.0)
    assert matches(_rules(languages=["zh"]), _profile(demographics={"languages": ["zh-Hant-TW"]}), 0.0)


def test_a_profile_without_the_attribute_a_rule_asks_about_does_not_match() -> None:
    bare = ProfileFields(email="bo@example.com")
    for rules in ({"age_ranges": ["25-34"]}, {"countries": ["IN"]}, {"categories": ["TRAVEL"]}, {"languages": ["en"]}):
        assert not matches(_rules(**rules), bare, 100.0), rules


def test_the_engagement_score_bound_is_inclusive_and_zero_matches_everyone() -> None:
    assert matches(_rules(min_engagement_score=0), _profile(), 0.0)
    assert matches(_rules(min_engagement_score=100), _profile(), 100.0)
    assert not matches(_rules(min_engagement_score=100), _profile(), 99.99)


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ({"countries": ["XK"]}, "countries.0"),
        ({"countries": ["us"]}, "countries.0"),
        ({"categories": ["HEALTH"]}, "categories.0"),
        ({"age_ranges": ["18-25"]}, "age_ranges.0"),
        ({"languages": ["english"]}, "languages.0"),
        ({"languages": []}, "languages"),
        ({"countries": ["US", "US"]}, "countries"),
        ({"min_engagement_score": 100.5}, "min_engagement_score"),
        ({"min_engagement_score": -1}, "min_engagement_score"),
        ({"interests": ["TRAVEL"]}, "interests"),
    ],
)
def test_values_are_checked_against_the_profile_types(rules: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        _rules(**rules)
    assert [".".join(map(str, error["loc"])) for error in raised.value.errors()] == [field]


def test_age_ranges_are_the_profiles_age_ranges() -> None:
    literal, _none = get_args(Demographics.model_fields["age_range"].annotation)
    assert get_args(AgeRange) == get_args(literal)


def test_a_segment_needs_a_name_and_its_rules_default_to_none() -> None:
    assert SegmentFields.model_validate({"name": "Everyone"}).rules == SegmentRules()
    with pytest.raises(ValidationError):
        SegmentFields.model_validate({"rules": {}})
