"""Segments: rule-based targeting (the design's Phase 1), transparent and deterministic.

Every rule is optional; a profile matches when it passes every rule given (AND), and a rule passes when
the profile has any of the rule's values (OR). A rule's list is never empty (leave the rule out to
match everyone): an empty OR would match nobody, which is never what an admin means. A profile
without the attribute a rule asks about (no age range, no country) does not pass that rule.
Languages match as RFC 4647 basic filtering does: the rule's `en` matches a profile's `en` and
`en-GB`; the rule's `en-GB` matches only `en-GB` and its own subtags.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, Field

from nudge.models import NudgeModel, ShortText
from nudge.profiles.categories import Category
from nudge.profiles.countries import CountryCode
from nudge.profiles.profile_values import MAX_CATEGORIES, LanguageTag

if TYPE_CHECKING:
    from nudge.profiles.profile import ProfileFields

AgeRange = Literal["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
MAX_RULE_VALUES = 50


def _unique[Item](values: list[Item]) -> list[Item]:
    if len(set(values)) != len(values):
        raise ValueError("must not list a value twice")
    return values


def _rule(most: int) -> Any:
    return Field(min_length=1, max_length=most, json_schema_extra={"uniqueItems": True})


AgeRanges = Annotated[list[AgeRange], _rule(6), AfterValidator(_unique)]
Countries = Annotated[list[CountryCode], _rule(MAX_RULE_VALUES), AfterValidator(_unique)]
RuleCategories = Annotated[list[Category], _rule(MAX_CATEGORIES), AfterValidator(_unique)]
RuleLanguages = Annotated[list[LanguageTag], _rule(MAX_RULE_VALUES), AfterValidator(_unique)]


class SegmentRules(NudgeModel):
    """Leave a rule out (or null) to not filter on it; with no rule at all the segment is every profile."""

    age_ranges: AgeRanges | None = None
    countries: Countries | None = None
    categories: RuleCategories | None = Field(
        default=None, description="Explicit interests (the profile's interests.categories)"
    )
    languages: RuleLanguages | None = None
    min_engagement_score: float | None = Field(default=None, ge=0, le=100, description="The score, 0 to 100")


class SegmentFields(NudgeModel):
    """What an admin writes: PUT replaces it whole."""

    name: ShortText
    rules: SegmentRules = Field(default_factory=SegmentRules)


class Segment(NudgeModel):
    segment_id: str
    name: str
    rules: SegmentRules
    created_at: datetime
    updated_at: datetime
    version: int = Field(ge=1, description="Each change adds one")


def _language_matches(wanted: str, stated: str) -> bool:
    return stated.lower() == wanted.lower() or stated.lower().startswith(f"{wanted.lower()}-")


def matches(rules: SegmentRules, profile: "ProfileFields", engagement_score: float) -> bool:
    """Whether a profile (with the user's current engagement score) is in a segment with these rules."""
    demographics = profile.demographics
    country = demographics.location.country if demographics.location else None
    checks = (
        rules.age_ranges is None or demographics.age_range in rules.age_ranges,
        rules.countries is None or country in rules.countries,
        rules.categories is None or any(c in rules.categories for c in profile.interests.categories),
        rules.languages is None
        or any(_language_matches(wanted, stated) for wanted in rules.languages for stated in demographics.languages),
        rules.min_engagement_score is None or engagement_score >= rules.min_engagement_score,
    )
    return all(checks)


def needs_engagement(rules: SegmentRules) -> bool:
    """Whether matching needs the user's engagement score (read from another table)."""
    return rules.min_engagement_score is not None
