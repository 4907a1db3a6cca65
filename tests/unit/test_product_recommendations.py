"""Product recommendations without AWS: the relevance score's weights, cold start, diversity, reasons,
exclusions, not-interested categories, and the candidate lists' bounds."""

import math
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from nudge.engagement.engagement_score import MAX_EXCLUDED_PRODUCTS, EngagementAggregates, apply_engagement
from nudge.errors import Forbidden
from nudge.product_recommendations.candidate_lists import (
    TOP_BY_RECENCY,
    TOP_BY_VIEWS,
    trimmed,
    with_product,
    with_views,
    without_product,
)
from nudge.product_recommendations.candidates import Candidate
from nudge.product_recommendations.feedback import FeedbackRequest, change_feedback
from nudge.product_recommendations.ranking import (
    UserState,
    diversify,
    reasons,
    recommend,
    relevance_score,
)
from nudge.product_recommendations.recommendations import recommendations_for_actor
from nudge.profiles.categories import CATEGORIES
from nudge.users.actor import Actor
from tests.builders import engaged, event

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def product(product_id: str, category: str = "TECH_SAAS", days_old: float = 60, views: int = 0) -> Candidate:
    return Candidate(product_id, f"Product {product_id}", category, NOW - timedelta(days=days_old), views)


def user(
    interests: tuple[str, ...] = (),
    preferred: dict[str, float] | None = None,
    engagement: float = 0.0,
    views: int = 10,
    excluded: tuple[str, ...] = (),
    not_interested: tuple[str, ...] = (),
) -> UserState:
    return UserState(
        interests=frozenset(interests),
        preferred=preferred or {},
        engagement_score=engagement,
        product_views=views,
        excluded_product_ids=frozenset(excluded),
        not_interested=frozenset(not_interested),
    )


def test_each_part_of_the_score_weighs_as_the_design_says() -> None:
    candidate = product("p", "TRAVEL", days_old=30, views=50)
    everything = user(interests=("TRAVEL",), preferred={"TRAVEL": 0.5}, engagement=40)
    expected = 0.5 * 0.4 + math.exp(-1) * 0.2 + 0.5 * 0.2 + 0.4 * 0.1 + 0.1
    assert relevance_score(candidate, everything, most_views=100, now=NOW) == round(expected, 4)
    assert relevance_score(candidate, user(), most_views=0, now=NOW) == round(math.exp(-1) * 0.2, 4)


def test_a_product_launched_now_has_full_recency_and_the_most_viewed_full_popularity() -> None:
    candidate = product("p", days_old=0, views=7)
    assert relevance_score(candidate, user(), most_views=7, now=NOW) == pytest.approx(0.4)


def test_personalized_ranking_follows_the_score() -> None:
    candidates = [
        product("old-tech", "TECH_SAAS", days_old=90),
        product("travel", "TRAVEL", days_old=90),
        product("new-tech", "TECH_SAAS", days_old=1),
    ]
    result = recommend("u", user(preferred={"TRAVEL": 1.0, "TECH_SAAS": 0.2}), candidates, 10, NOW)
    assert result.strategy == "personalized"
    assert [item.product_id for item in result.items] == ["travel", "new-tech", "old-tech"]
    assert result.items[0].score > result.items[1].score > result.items[2].score


def test_cold_start_shows_trending_in_the_explicit_interests_then_overall_trending() -> None:
    candidates = [
        product("popular-food", "FOOD_BEVERAGE", views=900),
        product("quiet-travel", "TRAVEL", views=3),
        product("busy-travel", "TRAVEL", views=40),
        product("mid-games", "GAMING", views=100),
    ]
    result = recommend("u", user(interests=("TRAVEL",), views=4), candidates, 10, NOW)
    assert result.strategy == "cold_start"
    assert [item.product_id for item in result.items] == ["busy-travel", "quiet-travel", "popular-food", "mid-games"]


def test_five_product_views_are_no_longer_a_cold_start() -> None:
    assert recommend("u", user(views=5), [product("p")], 10, NOW).strategy == "personalized"


def test_diversity_keeps_the_top_five_then_one_per_new_category() -> None:
    ranked = [("a1", "A"), ("a2", "A"), ("a3", "A"), ("b1", "B"), ("a4", "A"), ("a5", "A"), ("b2", "B"), ("c1", "C")]
    chosen = diversify(ranked, lambda pair: pair[1])
    assert [name for name, _ in chosen] == ["a1", "a2", "a3", "b1", "a4", "c1"]


def test_one_category_never_fills_the_list() -> None:
    candidates = [product(f"tech-{n}", "TECH_SAAS", views=100 - n) for n in range(20)] + [product("pet", "PETS")]
    result = recommend("u", user(preferred={"TECH_SAAS": 1.0}), candidates, 10, NOW)
    assert [item.category for item in result.items] == ["TECH_SAAS"] * 5 + ["PETS"]


def test_the_limit_cuts_the_diversified_list() -> None:
    candidates = [product(f"p{n}", category) for n, category in enumerate(["TRAVEL", "PETS", "GAMING", "HOME"])]
    assert len(recommend("u", user(), candidates, 2, NOW).items) == 2


def test_every_item_says_why() -> None:
    fan = user(interests=("TRAVEL",), preferred={"TRAVEL": 0.3})
    assert reasons(product("p", "TRAVEL", days_old=2), fan, NOW) == [
        "Based on your interest in TRAVEL",
        "You've engaged with similar products before",
        "New product in TRAVEL",
    ]
    assert reasons(product("p", "PETS", days_old=60), fan, NOW) == ["Popular in PETS"]
    assert reasons(product("p", "PETS", days_old=14), fan, NOW) == ["New product in PETS"]


def test_is_new_means_launched_in_the_last_14_days() -> None:
    result = recommend("u", user(), [product("new", days_old=13.9), product("old", "PETS", days_old=14.1)], 10, NOW)
    assert {item.product_id: item.is_new for item in result.items} == {"new": True, "old": False}


def test_bookmarked_or_responded_products_and_removed_categories_are_left_out() -> None:
    candidates = [product("seen"), product("fresh"), product("pet", "PETS"), product("fresh")]
    state = user(excluded=("seen",), not_interested=("PETS",))
    assert [item.product_id for item in recommend("u", state, candidates, 10, NOW).items] == ["fresh"]


def test_bookmarks_and_surveys_about_a_product_are_remembered_bounded_most_recent_last() -> None:
    at = NOW - timedelta(hours=1)
    posted = [engaged("b", "product_bookmark", at, product_id="bookmarked")]
    posted.append(engaged("s", "survey_complete", at, product_id="surveyed"))
    posted.append(engaged("v", "product_view", at, product_id="viewed"))
    posted.append(engaged("b2", "product_bookmark", at, product_id="bookmarked"))
    data = apply_engagement(EngagementAggregates(), [event(p) for p in posted], NOW)  # type: ignore[misc]
    assert data.excluded_product_ids == ["surveyed", "bookmarked"]
    many = [event(engaged(f"b{n}", "product_bookmark", at, product_id=f"p{n}")) for n in range(250)]
    data = apply_engagement(data, many, NOW)  # type: ignore[arg-type]
    assert len(data.excluded_product_ids) == MAX_EXCLUDED_PRODUCTS
    assert data.excluded_product_ids[-1] == "p249"
    assert "p49" not in data.excluded_product_ids


def test_a_candidate_list_keeps_the_most_viewed_and_the_newest() -> None:
    viewed = [product(f"viewed-{n}", days_old=300, views=1000 + n) for n in range(40)]
    new = [product(f"new-{n}", days_old=n / 10) for n in range(40)]
    kept = {c.product_id for c in trimmed(viewed + new)}
    assert len(kept) == TOP_BY_VIEWS + TOP_BY_RECENCY
    assert {f"viewed-{n}" for n in range(10, 40)} | {f"new-{n}" for n in range(30)} == kept


def test_writing_a_product_replaces_its_entry_and_views_move_it() -> None:
    entries = [product("a", views=5), product("b", views=3)]
    renamed = with_product(entries, product("b", views=3)._replace(name="B2"))
    assert [(c.product_id, c.name) for c in renamed] == [("a", "Product a"), ("b", "B2")]
    assert [c.product_id for c in without_product(renamed, "a")] == ["b"]
    moved = with_views(renamed, [product("b"), product("c")], {"b": 9, "c": 1})
    assert [(c.product_id, c.views) for c in moved] == [("b", 9), ("a", 5), ("c", 1)]


class _Tables:
    """The two reads a request makes, in memory: the user's state, then the lists of the categories asked for."""

    def __init__(self, state: UserState, candidates: list[Candidate]) -> None:
        self.state = state
        self.lists = {c.category: [x for x in candidates if x.category == c.category] for c in candidates}
        self.asked: list[str] = []

    def user_state(self, user_id: str, now: datetime) -> UserState:
        return self.state

    def candidates(self, categories: list[str]) -> list[Candidate]:
        self.asked = list(categories)
        return [c for category in categories for c in self.lists.get(category, [])]


class _Feedback:
    def __init__(self) -> None:
        self.removed: set[str] = set()

    def change_not_interested(self, user_id: str, category: str, removed: bool, now: datetime) -> frozenset[str]:
        if removed:
            self.removed.add(category)
        else:
            self.removed.discard(category)
        return frozenset(self.removed)


def test_removed_categories_are_not_even_read() -> None:
    tables = _Tables(user(not_interested=("PETS",)), [product("pet", "PETS"), product("game", "GAMING")])
    result = recommendations_for_actor(tables, Actor("u", False), "u", 10, NOW)  # type: ignore[arg-type]
    assert [item.product_id for item in result.items] == ["game"]
    assert "PETS" not in tables.asked
    assert len(tables.asked) == len(CATEGORIES) - 1


def test_feedback_removes_and_brings_back_a_category_for_the_user_or_an_admin_only() -> None:
    table = _Feedback()
    removed = change_feedback(table, Actor("u", False), "u", "PETS", True, NOW)  # type: ignore[arg-type]
    assert removed.not_interested == ["PETS"]
    change_feedback(table, Actor("admin", True), "u", "GAMING", True, NOW)  # type: ignore[arg-type]
    assert change_feedback(table, Actor("u", False), "u", "PETS", False, NOW).not_interested == ["GAMING"]  # type: ignore[arg-type]
    with pytest.raises(Forbidden):
        change_feedback(table, Actor("mallory", False), "u", "TRAVEL", True, NOW)  # type: ignore[arg-type]
    assert table.removed == {"GAMING"}


@pytest.mark.parametrize(
    "body", [{"category": "NOPE", "action": "not_interested"}, {"category": "PETS", "action": "like"}]
)
def test_feedback_names_a_category_of_the_taxonomy_and_the_one_action(body: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        FeedbackRequest.model_validate(body)
