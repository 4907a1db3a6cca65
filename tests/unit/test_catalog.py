"""Brands, products, surveys and responses without AWS: brand access, survey transitions, answer
validation, the demographic snapshot and what erasure keeps of a response."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from nudge.auth import actor_from_claims
from nudge.catalog.answers import answer_problems
from nudge.catalog.catalog_models import Product, ProductFields, Survey, SurveyFields
from nudge.catalog.catalog_table import StoredProduct
from nudge.catalog.products import next_product
from nudge.catalog.response_models import Answer, DemographicSnapshot, RecordedAnswer, SurveyResponse
from nudge.catalog.response_table import anonymized
from nudge.catalog.surveys import check_transition, next_survey
from nudge.errors import Conflict, Forbidden, InvalidInput, NotFound
from nudge.users.actor import Actor

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
QUESTIONS: list[dict[str, Any]] = [
    {"question_id": "nps", "type": "nps", "text": "Recommend us?"},
    {"question_id": "stars", "type": "rating", "text": "Rate us"},
    {"question_id": "plan", "type": "choice", "text": "Plan?", "options": ["free", "pro"]},
    {"question_id": "why", "type": "text", "text": "Why?", "required": False},
]


def survey(status: str = "published", **changes: Any) -> Survey:
    fields = {"title": "NPS", "category": "TECH_SAAS", "questions": QUESTIONS, "status": status} | changes
    return Survey(**fields, survey_id="s1", brand_id="acme", created_at=NOW, updated_at=NOW)


def fields(status: str = "published", **changes: Any) -> SurveyFields:
    return SurveyFields.model_validate(
        {"title": "NPS", "category": "TECH_SAAS", "questions": QUESTIONS} | changes | {"status": status}
    )


# ---------- brand access ----------


def brand_actor(brand: str | None, admin: bool = False) -> Actor:
    groups = (["admin"] if admin else []) + (["brand"] if brand else [])
    claims: dict[str, Any] = {"sub": "u1", "cognito:groups": groups}
    if brand:
        claims["custom:brand_id"] = brand
    return actor_from_claims(claims)


def test_a_brand_reaches_its_own_routes_another_brand_gets_404_and_a_user_403() -> None:
    brand_actor("acme").ensure_brand("acme")
    brand_actor(None, admin=True).ensure_brand("globex")
    with pytest.raises(NotFound):
        brand_actor("acme").ensure_brand("globex")
    with pytest.raises(Forbidden):
        brand_actor(None).ensure_brand("acme")


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "u1", "custom:brand_id": "acme"},  # the claim without the group
        {"sub": "u1", "cognito:groups": "[brand]"},  # the group without a brand
        {"sub": "u1", "cognito:groups": "[brand]", "custom:brand_id": "acme#1"},  # not an id
        {"sub": "u1", "cognito:groups": "[brands]", "custom:brand_id": "acme"},  # not the exact group
        {"sub": "u1", "cognito:groups": "[brand admin-ish]", "custom:brand_id": "acme"},  # ambiguous, no token
    ],
)
def test_only_the_brand_group_with_a_valid_brand_id_acts_for_a_brand(claims: dict[str, Any]) -> None:
    assert actor_from_claims(claims).brand_id is None


def test_the_brand_group_name_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRAND_GROUP_NAME", "partners")
    claims = {"sub": "u1", "cognito:groups": "[partners]", "custom:brand_id": "acme"}
    assert actor_from_claims(claims).brand_id == "acme"
    assert actor_from_claims(claims | {"cognito:groups": "[brand]"}).brand_id is None


# ---------- products ----------


def product_fields(**changes: Any) -> ProductFields:
    return ProductFields.model_validate({"name": "Cloud", "category": "TECH_SAAS"} | changes)


def test_a_product_of_another_brand_looks_absent_and_a_launch_time_stays() -> None:
    launched = product_fields(launched_at=NOW - timedelta(days=1))
    current = StoredProduct(next_product(None, "globex", "p1", launched, NOW), announced=True)
    with pytest.raises(NotFound):
        next_product(current, "acme", "p1", launched, NOW)
    with pytest.raises(Conflict):
        next_product(current, "globex", "p1", product_fields(), NOW)
    with pytest.raises(InvalidInput):
        next_product(None, "acme", "p2", product_fields(launched_at=NOW + timedelta(minutes=6)), NOW)
    drifted = next_product(None, "acme", "p3", product_fields(launched_at=NOW + timedelta(minutes=4)), NOW)
    assert drifted.launched_at == NOW + timedelta(minutes=4)  # a brand's clock a little ahead of ours
    assert next_product(current, "globex", "p1", launched, NOW + timedelta(hours=1)).version == 2


@pytest.mark.parametrize(
    "url", ["http://a.example", "ftp://a.example", "https://", "https://a .example", "javascript:x"]
)
def test_a_product_url_is_https_only(url: str) -> None:
    with pytest.raises(ValidationError):
        product_fields(url=url)


# ---------- survey transitions ----------


@pytest.mark.parametrize(
    ("before", "after", "allowed"),
    [
        (None, "draft", True),
        (None, "published", True),
        (None, "closed", False),
        ("draft", "published", True),
        ("draft", "closed", False),
        ("published", "draft", False),
        ("published", "closed", True),
        ("closed", "published", False),
        ("closed", "draft", False),
        ("closed", "closed", True),
    ],
)
def test_a_survey_moves_forward_only(before: str | None, after: str, allowed: bool) -> None:
    current = survey(before) if before else None
    if allowed:
        check_transition(current, fields(after))
    else:
        with pytest.raises(Conflict):
            check_transition(current, fields(after))


@pytest.mark.parametrize(
    "changes", [{"questions": QUESTIONS[:2]}, {"category": "FINANCE"}, {"product_id": "another-product"}]
)
def test_what_responses_are_checked_against_is_frozen_once_published(changes: dict[str, Any]) -> None:
    check_transition(survey("draft"), fields(**changes))  # a draft may change anything
    with pytest.raises(Conflict):
        check_transition(survey("published"), fields(**changes))


def test_publication_and_closing_times_are_kept() -> None:
    published = next_survey(None, "acme", "s1", fields(), None, NOW)
    closed = next_survey(published, "acme", "s1", fields("closed"), None, NOW + timedelta(days=3))
    assert (closed.published_at, closed.closed_at, closed.version) == (NOW, NOW + timedelta(days=3), 2)


def test_a_survey_names_only_a_product_of_its_brand() -> None:
    theirs = Product(name="X", category="TECH_SAAS", product_id="p1", brand_id="globex", created_at=NOW, updated_at=NOW)
    with pytest.raises(InvalidInput):
        next_survey(None, "acme", "s1", fields(product_id="p1"), theirs, NOW)
    with pytest.raises(InvalidInput):
        next_survey(None, "acme", "s1", fields(product_id="p1"), None, NOW)


@pytest.mark.parametrize(
    "questions",
    [
        [{"question_id": "q", "type": "choice", "text": "Pick", "options": ["only"]}],
        [{"question_id": "q", "type": "choice", "text": "Pick", "options": [str(i) for i in range(11)]}],
        [{"question_id": "q", "type": "choice", "text": "Pick"}],
        [{"question_id": "q", "type": "text", "text": "Say", "options": ["a", "b"]}],
        [QUESTIONS[0], QUESTIONS[0]],
    ],
)
def test_questions_are_well_formed(questions: list[dict[str, Any]]) -> None:
    with pytest.raises(ValidationError):
        fields(questions=questions)


# ---------- answers ----------


def answers(*pairs: tuple[str, Any]) -> list[Answer]:
    return [Answer.model_validate({"question_id": q, "value": v}) for q, v in pairs]


VALID = (("nps", 0), ("stars", 5), ("plan", "free"))


@pytest.mark.parametrize(
    ("given", "problems"),
    [
        (VALID, []),
        ((*VALID, ("why", "Because")), []),
        ((("nps", 10), ("stars", 1), ("plan", "pro")), []),
        ((("nps", -1), *VALID[1:]), [("answers[0].value", "a nps answer is a whole number from 0 to 10")]),
        ((("nps", "7"), *VALID[1:]), [("answers[0].value", "a nps answer is a whole number from 0 to 10")]),
        ((VALID[0], ("stars", 6), VALID[2]), [("answers[1].value", "a rating answer is a whole number from 1 to 5")]),
        ((*VALID[:2], ("plan", 1)), [("answers[2].value", "a choice answer is text")]),
        ((*VALID[:2], ("plan", "Free")), [("answers[2].value", "is not one of the question's options")]),
        ((*VALID, ("why", "   ")), [("answers[3].value", "a text answer is 1 to 2000 characters, not blank")]),
        ((*VALID, ("why", "x" * 2001)), [("answers[3].value", "a text answer is 1 to 2000 characters, not blank")]),
        ((*VALID, ("mood", 3)), [("answers[3].question_id", "is not a question of this survey")]),
        ((*VALID, ("nps", 3)), [("answers[3].question_id", "is answered more than once")]),
        (VALID[1:], [("answers", "question 'nps' is required")]),
    ],
)
def test_answers_are_checked_against_the_questions(given: tuple[tuple[str, Any], ...], problems: list[Any]) -> None:
    assert answer_problems(survey(), answers(*given)) == problems


def test_a_boolean_is_no_score() -> None:
    with pytest.raises(ValidationError):
        Answer.model_validate_json('{"question_id": "nps", "value": true}', strict=True)


# ---------- what erasure keeps ----------


def test_erasure_keeps_closed_answers_and_the_coarsest_demographics_only() -> None:
    response = SurveyResponse(
        survey_id="s1",
        user_id="u1",
        answers=[
            RecordedAnswer(question_id="nps", value=9, type="nps"),
            RecordedAnswer(question_id="why", value="My name is Ana", type="text"),
        ],
        channel="email",
        started_at=NOW - timedelta(minutes=2),
        responded_at=NOW,
        analytics_sharing=True,
        demographics=DemographicSnapshot(age_range="25-34", country="PT", state="Lisboa", gender="female"),
    )

    kept = anonymized(response)

    assert kept == {
        "survey_id": "s1",
        "answers": [{"question_id": "nps", "value": 9, "type": "nps"}],
        "channel": "email",
        "responded_on": "2026-12-01",
        "analytics_sharing": True,
        "demographics": {"age_range": "25-34", "country": "PT"},
    }


def test_the_snapshot_holds_age_country_state_and_gender_never_the_city() -> None:
    from nudge.catalog.responses import snapshot
    from nudge.profiles.profile import ProfileFields, ProfileRecord

    profile_fields = ProfileFields.model_validate(
        {
            "email": "ana@example.com",
            "demographics": {"age_range": "35-44", "location": {"country": "IN", "state": "KA", "city": "Mysuru"}},
        }
    )
    record = ProfileRecord(fields=profile_fields, created_at=NOW, updated_at=NOW, version=1)

    assert snapshot(record) == DemographicSnapshot(age_range="35-44", country="IN", state="KA", gender=None)
    assert snapshot(None) == DemographicSnapshot()


def test_the_demo_catalog_is_valid_and_every_demo_response_fits_its_survey() -> None:
    from local_runtime import seed

    products = {product_id: brand for brand, product_id, *_ in seed.DEMO_PRODUCTS}
    assert {brand for brand, *_ in seed.DEMO_PRODUCTS} == {"acme", "globex"}
    assert len({category for *_, category, _ in seed.DEMO_PRODUCTS}) >= 5
    surveys = {}
    for brand, survey_id, title, category, product_id in seed.DEMO_SURVEYS:
        assert products[product_id] == brand
        surveys[survey_id] = survey(title=title, category=category, questions=seed.DEMO_QUESTIONS)
    assert {brand for brand, *_ in seed.DEMO_SURVEYS} == {"acme", "globex"}
    for _user, survey_id, nps, rating, use, reason, _channel in seed.DEMO_RESPONSES:
        given = answers(("nps", nps), ("rating", rating), ("use", use), ("why", reason))
        assert answer_problems(surveys[survey_id], given) == []
