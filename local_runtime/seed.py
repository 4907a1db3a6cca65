"""Demo data: a few users whose behaviour differs enough to tell them apart, with profiles and
consent that differ too (time zones, interests, channels, behavioral tracking given or not), written
through the same domain code the API uses."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import TypeAdapter

if TYPE_CHECKING:
    from nudge.analytics.analytics_table import FunnelStep

DEMO_USER = "demo-user"
DEMO_ADMIN = "demo-admin"
# No events at all: detected as new_user.
DEMO_NEW_USER = "demo-new-user"

# (user, requests created, offer/list ratio, answers, accepted share, response seconds, accommodates)
# Detected archetypes: demo-user and demo-average average_user, demo-big-spender big_spender,
# demo-flexible high_flexibility (tests/unit/test_demo_archetypes.py keeps this true).
_PROFILES = [
    ("demo-user", 4, Decimal("1.00"), 4, 0.5, 14400, True),
    ("demo-big-spender", 8, Decimal("1.25"), 6, 0.8, 600, False),
    ("demo-flexible", 3, Decimal("0.90"), 10, 0.9, 1800, True),
    ("demo-average", 5, Decimal("1.00"), 5, 0.6, 7200, True),
]


# (user, profile as PUT takes it, consent as PUT .../consent takes it). demo-flexible and demo-new-user
# have not consented to behavioral tracking; demo-new-user answered no to everything.
DEMO_PROFILES: list[tuple[str, dict[str, object], dict[str, object]]] = [
    (
        "demo-user",
        {
            "email": "demo-user@example.com",
            "phone": "+12125550101",
            "name": "Dana Demo",
            "time_zone": "America/New_York",
            "demographics": {
                "age_range": "25-34",
                "location": {"country": "US", "state": "NY"},
                "languages": ["en-US"],
            },
            "interests": {"categories": ["TRAVEL", "TECH_SAAS"], "brands": ["brand-skyway"]},
            "notification_preferences": {
                "email": {"enabled": True, "frequency": "daily"},
                "sms": {"enabled": True},
                "quiet_hours": {"start": "22:00", "end": "07:00"},
            },
        },
        {
            "personalized_notifications": {"enabled": True, "channels": {"email": True, "sms": True}},
            "behavioral_tracking": True,
        },
    ),
    (
        "demo-big-spender",
        {
            "email": "big.spender@example.co.uk",
            "phone": "+447700900123",
            "time_zone": "Europe/London",
            "demographics": {
                "age_range": "45-54",
                "location": {"country": "GB", "city": "London"},
                "languages": ["en-GB"],
            },
            "interests": {"categories": ["FASHION", "TRAVEL", "BEAUTY"], "brands": ["brand-luxe", "brand-skyway"]},
            "notification_preferences": {
                "email": {"enabled": True, "frequency": "instant"},
                "whatsapp": {"enabled": True},
            },
        },
        {
            "personalized_notifications": {"enabled": True, "channels": {"email": True, "whatsapp": True}},
            "behavioral_tracking": True,
            "marketing_emails": True,
            "analytics_sharing": True,
        },
    ),
    (
        "demo-flexible",
        {
            "email": "flexible@example.in",
            "time_zone": "Asia/Kolkata",
            "demographics": {
                "location": {"country": "IN", "state": "KA", "city": "Bengaluru"},
                "languages": ["en-IN", "hi"],
            },
            "interests": {"categories": ["EDUCATION", "TECH_SAAS", "GAMING"]},
            "notification_preferences": {
                "email": {"enabled": True, "frequency": "weekly"},
                "quiet_hours": {"start": "23:00", "end": "08:00"},
            },
        },
        {"personalized_notifications": {"enabled": True, "channels": {"email": True}}, "research_participation": True},
    ),
    (
        "demo-average",
        {
            "email": "average@example.com.au",
            "phone": "+61491570156",
            "time_zone": "Australia/Sydney",
            "demographics": {
                "age_range": "35-44",
                "location": {"country": "AU", "state": "NSW"},
                "languages": ["en-AU"],
            },
            "interests": {"categories": ["SPORTS", "FOOD_BEVERAGE", "OUTDOORS"]},
            "notification_preferences": {"sms": {"enabled": True}, "quiet_hours": {"start": "21:30", "end": "06:30"}},
        },
        {
            "personalized_notifications": {"enabled": True, "channels": {"sms": True}},
            "behavioral_tracking": True,
            "analytics_sharing": True,
        },
    ),
    ("demo-new-user", {"email": "new-user@example.com"}, {}),
]


def _simulator_profile(address: str, time_zone: str, language: str, category: str) -> dict[str, object]:
    return {
        "email": address,
        "time_zone": time_zone,
        "demographics": {"languages": [language]},
        "interests": {"categories": [category]},
        "notification_preferences": {"email": {"enabled": True, "frequency": "instant"}},
    }


_EMAIL_ONLY_TRACKED: dict[str, object] = {
    "personalized_notifications": {"enabled": True, "channels": {"email": True}},
    "behavioral_tracking": True,
}
# Two profiles whose addresses are SES's mailbox simulator, in the demo segment (interests, English, the
# engagement their seeded views give them): when the demo campaign is sent, the local SES stand-in answers one
# with a Permanent bounce and the other with a complaint, so the campaign counts `bounced` and `complained` and
# both addresses are suppressed (README, Delivery feedback). No behaviour events beyond those views.
DEMO_SIMULATOR_PROFILES: list[tuple[str, dict[str, object], dict[str, object]]] = [
    ("demo-bounce", _simulator_profile("bounce@simulator.amazonses.com", "America/Chicago", "en-US", "TRAVEL"),
     _EMAIL_ONLY_TRACKED),
    ("demo-complaint", _simulator_profile("complaint@simulator.amazonses.com", "Europe/Dublin", "en-IE", "TECH_SAAS"),
     _EMAIL_ONLY_TRACKED),
]  # fmt: skip


def _events(profile: tuple[str, int, Decimal, int, float, int, bool], now: datetime) -> list[dict[str, object]]:
    user, created, ratio, answers, accepted_share, response_seconds, accommodates = profile
    listed = Decimal("450.00")
    base = {
        "currency": "USD",
        # JSON numbers, as a client posts them (the amounts have at most two decimals, so floats are exact text)
        "listed_price": float(listed),
        "offered_price": float(listed * ratio),
        "amount": float(listed * ratio),
    }
    events: list[dict[str, object]] = []
    for index in range(created):
        occurred = now - timedelta(days=60 - index * 7)
        events.append(
            {
                **base,
                "event_id": f"{user}-req-{index}",
                "type": "date_change_request.created",
                "occurred_at": occurred.isoformat(),
            }
        )
    for index in range(answers):
        outcome = "accepted" if index < round(answers * accepted_share) else ("rejected" if index % 2 else "countered")
        events.append(
            {
                **base,
                "event_id": f"{user}-ans-{index}",
                "type": f"date_change_request.{outcome}",
                "occurred_at": (now - timedelta(days=50 - index * 4)).isoformat(),
                "response_time_seconds": response_seconds,
                "accommodated": accommodates and outcome == "accepted",
            }
        )
    return events


def seed_demo_data(now: datetime | None = None) -> list[str]:
    """Ingest the demo users' events (idempotent: event ids are fixed). Returns the user ids,
    including DEMO_NEW_USER, who has no events."""
    from nudge.behavior.events import BehavioralEvent
    from nudge.behavior.ingestion import ingest_events
    from nudge.behavior.ingestion_tables import ingestion_tables
    from nudge.observability import metrics

    now = now or datetime.now(UTC)
    adapter: TypeAdapter[list[BehavioralEvent]] = TypeAdapter(list[BehavioralEvent])
    store = ingestion_tables()
    for profile in _PROFILES:
        ingest_events(store, profile[0], adapter.validate_python(_events(profile, now)), now)
    seed_profiles(now)
    seed_notifications(now)
    seed_catalog(now)
    metrics().clear_metrics()  # seeding is not traffic: keep it out of the first request's metrics
    return [*(profile[0] for profile in _PROFILES), DEMO_NEW_USER]


def seed_profiles(now: datetime) -> None:
    """Each demo user's profile and consent, as the user would have set them (from the seed's own address)."""
    from nudge.behavior.behavior_table import behavior_table
    from nudge.config import consent_policy_version
    from nudge.profiles.consent import ConsentSettings
    from nudge.profiles.profile import ProfileFields
    from nudge.profiles.profile_table import profile_table
    from nudge.profiles.user_consent import change_consent
    from nudge.profiles.user_profiles import profile_writes, replace_profile
    from nudge.users.actor import Actor

    tables = profile_writes()
    for user, profile, consent in [*DEMO_PROFILES, *DEMO_SIMULATOR_PROFILES]:
        actor = Actor(user, is_admin=False, source_ip="127.0.0.1", user_agent="nudge-seed")
        fields = ProfileFields.model_validate(profile)
        replace_profile(tables, actor, user, fields, now)
        wanted = ConsentSettings.model_validate(consent)
        change_consent(profile_table(), behavior_table(), actor, user, wanted, now, consent_policy_version())
        if fields.interests.categories:
            _seed_engagement(user, fields.interests.categories, now)


def _seed_engagement(user: str, categories: Sequence[str], now: datetime) -> None:
    """Some browsing of the user's interests over a week and a completed survey, so `behavioral` has
    something to show: ingestion keeps them only for the users who consented to behavioral tracking."""
    from nudge.behavior.events import BehavioralEvent
    from nudge.behavior.ingestion import ingest_events
    from nudge.behavior.ingestion_tables import ingestion_tables

    events: list[dict[str, object]] = [
        {
            "event_id": f"{user}-view-{day}-{category}",
            "type": "product_view",
            "product_id": f"product-{category.lower()}-{day}",
            "category": category,
            "occurred_at": (now - timedelta(days=day, hours=index + 1)).isoformat(),
        }
        for day in range(0, 7, 2)
        for index, category in enumerate(categories[: day // 2 + 1])
    ]
    survey: dict[str, object] = {
        "event_id": f"{user}-survey-1",
        "type": "survey_complete",
        "survey_id": "survey-welcome",
    }
    events.append(survey | {"category": categories[0], "occurred_at": (now - timedelta(days=1)).isoformat()})
    adapter: TypeAdapter[list[BehavioralEvent]] = TypeAdapter(list[BehavioralEvent])
    ingest_events(ingestion_tables(), user, adapter.validate_python(events), now)


DEMO_SEGMENT_ID = "demo-travel-and-tech"
DEMO_SEGMENT = {
    "name": "English speakers into travel or tech, with some engagement",
    "rules": {"categories": ["TRAVEL", "TECH_SAAS"], "languages": ["en"], "min_engagement_score": 1},
}
DEMO_TEMPLATE_ID = "demo-survey-invite"
DEMO_TEMPLATE = {
    "name": "Survey invitation",
    "category": "product",
    "email": {
        "subject": "Hi {{first_name}}, a new survey: {{survey_title}}",
        "html": '<p>Hi {{first_name}},</p><p><a href="{{url}}">{{survey_title}}</a> is open.</p>'
        '<p><small>{{reason}} <a href="{{unsubscribe_url}}">Unsubscribe</a></small></p>',
        "text": "Hi {{first_name}},\n{{survey_title}} is open: {{url}}\n\n{{reason}}\nUnsubscribe: {{unsubscribe_url}}",
    },
    "sms": {"text": "Hi {{first_name}}, {{survey_title}} is open: {{url}}"},
    "whatsapp": {
        "template_name": "survey_invite",
        "language": "en_US",
        "parameters": ["{{first_name}}", "{{survey_title}}", "{{url}}"],
    },
}


DEMO_CAMPAIGN = {
    "campaign_id": "demo-survey-campaign",
    "name": "Survey invitation to travel and tech fans",
    "type": "survey_invite",
    "segment_id": DEMO_SEGMENT_ID,
    "template_id": DEMO_TEMPLATE_ID,
    "channels": ["email", "whatsapp"],
    "priority": "normal",
    "data": {"survey_title": "How is Acme Cloud working for you?", "url": "https://nudge.example/s/acme-cloud-nps"},
}


def seed_notifications(now: datetime) -> None:
    """A demo segment (it matches demo-user, demo-big-spender and the simulator profiles demo-bounce and
    demo-complaint), a demo template and a draft campaign of both, as an admin writes them: audited the first
    time, left as they are on every later start."""
    from nudge.audit.audit_table import audit_table
    from nudge.errors import Conflict
    from nudge.notifications.admin import put_segment, put_template
    from nudge.notifications.campaign_admin import campaign_admin, create_campaign
    from nudge.notifications.campaigns import CampaignFields
    from nudge.notifications.notification_table import notification_table
    from nudge.notifications.segments import SegmentFields
    from nudge.notifications.templates import TemplateFields
    from nudge.users.actor import Actor

    admin = Actor(DEMO_ADMIN, is_admin=True, source_ip="127.0.0.1", user_agent="nudge-seed")
    segment = SegmentFields.model_validate(DEMO_SEGMENT)
    put_segment(notification_table(), audit_table(), admin, DEMO_SEGMENT_ID, segment, now)
    template = TemplateFields.model_validate(DEMO_TEMPLATE)
    put_template(notification_table(), audit_table(), admin, DEMO_TEMPLATE_ID, template, now)
    with contextlib.suppress(Conflict):  # seeded by an earlier start (and perhaps sent since): left as it is
        create_campaign(campaign_admin(), admin, CampaignFields.model_validate(DEMO_CAMPAIGN), now)


# Demo brands' products: (brand, product id, name, category, launched days ago or None: not launched yet).
DEMO_PRODUCTS = [
    ("acme", "acme-cloud", "Acme Cloud", "TECH_SAAS", 20),
    ("acme", "acme-buds", "Acme Buds", "ELECTRONICS", 3),
    ("acme", "acme-academy", "Acme Academy", "EDUCATION", None),
    ("globex", "globex-coffee", "Globex Cold Brew", "FOOD_BEVERAGE", 45),
    ("globex", "globex-trips", "Globex Weekend Trips", "TRAVEL", 10),
    ("globex", "globex-jackets", "Globex Rain Jacket", "FASHION", 1),
    ("acme", "acme-glow", "Acme Glow Serum", "BEAUTY", 5),
    ("globex", "globex-sneakers", "Globex City Sneakers", "FASHION", 30),
    ("globex", "globex-rail-pass", "Globex Rail Pass", "TRAVEL", 60),
    ("acme", "acme-game-pass", "Acme Game Pass", "GAMING", 8),
    ("acme", "acme-ledger", "Acme Ledger", "FINANCE", 90),
    ("acme", "acme-forms", "Acme Forms", "TECH_SAAS", 12),
]
# One published survey per brand: (brand, survey id, title, category, product).
DEMO_SURVEYS = [
    ("acme", "acme-cloud-nps", "How is Acme Cloud working for you?", "TECH_SAAS", "acme-cloud"),
    ("globex", "globex-coffee-taste", "Tell us about Globex Cold Brew", "FOOD_BEVERAGE", "globex-coffee"),
]
DEMO_QUESTIONS: list[dict[str, object]] = [
    {"question_id": "nps", "type": "nps", "text": "How likely are you to recommend it to a friend?"},
    {"question_id": "rating", "type": "rating", "text": "How would you rate it overall?"},
    {
        "question_id": "use",
        "type": "choice",
        "text": "How often do you use it?",
        "options": ["daily", "weekly", "rarely"],
    },
    {"question_id": "why", "type": "text", "text": "What is the main reason for your score?", "required": False},
]
# (user, survey, nps, rating, use, reason, channel)
DEMO_RESPONSES = [
    ("demo-user", "acme-cloud-nps", 9, 5, "daily", "Saves me an hour every day", "email"),
    ("demo-big-spender", "acme-cloud-nps", 6, 3, "weekly", "Good but pricey", "whatsapp"),
    ("demo-average", "acme-cloud-nps", 10, 5, "daily", "Simple and reliable", "sms"),
    ("demo-average", "globex-coffee-taste", 7, 4, "weekly", "Tasty, a bit sweet", "app"),
    ("demo-flexible", "globex-coffee-taste", 8, 4, "rarely", "Great on hot days", "email"),
]


def seed_catalog(now: datetime) -> None:
    """The demo brands' products and published surveys, written as each brand would, and a few demo users'
    responses (through the response route's domain code: engagement and snapshots follow their consent)."""
    from nudge.catalog.announcements import bus_announcer
    from nudge.catalog.catalog_models import ProductFields, SurveyFields
    from nudge.catalog.catalog_table import catalog_table
    from nudge.catalog.products import BrandProductPath, put_product
    from nudge.catalog.surveys import BrandSurveyPath, put_survey
    from nudge.product_recommendations.candidate_store import candidate_lists
    from nudge.subscribers.click_links import allowed_domains

    table, announcer, lists = catalog_table(), bus_announcer(), candidate_lists()
    for brand, product_id, name, category, launched_days in DEMO_PRODUCTS:
        fields = {"name": name, "category": category, "url": f"https://{brand}.nudge.example/{product_id}"}
        if launched_days is not None:
            fields["launched_at"] = (now - timedelta(days=launched_days)).isoformat()
        path = BrandProductPath(brand_id=brand, product_id=product_id)
        put_product(table, announcer, lists, path, ProductFields.model_validate(fields), now, allowed_domains())
    for brand, survey_id, title, category, product_id in DEMO_SURVEYS:
        survey = {"title": title, "category": category, "product_id": product_id, "questions": DEMO_QUESTIONS}
        written = SurveyFields.model_validate(survey | {"status": "published"})
        put_survey(
            table, announcer, BrandSurveyPath(brand_id=brand, survey_id=survey_id), written, now, allowed_domains()
        )
    _seed_responses(now)
    _seed_panel(now)
    _seed_product_views(now)


# Demo product views by users who consented to behavioral tracking: (user, product, views).
DEMO_PRODUCT_VIEWS = [("demo-big-spender", "globex-sneakers", 4), ("demo-average", "globex-rail-pass", 3)]


def _seed_product_views(now: datetime) -> None:
    """A few views of demo products, counted as the scheduled refresh counts them, so popularity shows in the
    demo recommendations (`make run` runs no schedule)."""
    from nudge.behavior.events import BehavioralEvent
    from nudge.behavior.ingestion import ingest_events
    from nudge.behavior.ingestion_tables import ingestion_tables
    from nudge.catalog.catalog_table import catalog_table
    from nudge.product_recommendations.candidate_store import candidate_lists
    from nudge.product_recommendations.view_counts import refresh_view_counts

    adapter: TypeAdapter[list[BehavioralEvent]] = TypeAdapter(list[BehavioralEvent])
    for user, product_id, views in DEMO_PRODUCT_VIEWS:
        events = [
            {
                "event_id": f"{user}-{product_id}-view-{index}",
                "type": "product_view",
                "product_id": product_id,
                "occurred_at": (now - timedelta(hours=index + 2)).isoformat(),
            }
            for index in range(views)
        ]
        ingest_events(ingestion_tables(), user, adapter.validate_python(events), now)
    refresh_view_counts(catalog_table(), candidate_lists())


def _seed_responses(now: datetime) -> None:
    from nudge.catalog.response_models import ResponseRequest
    from nudge.catalog.responses import response_tables, submit_response
    from nudge.users.actor import Actor

    tables = response_tables()
    for user, survey_id, nps, rating, use, reason, channel in DEMO_RESPONSES:
        answers = [("nps", nps), ("rating", rating), ("use", use), ("why", reason)]
        request = ResponseRequest.model_validate(
            {
                "answers": [{"question_id": question, "value": value} for question, value in answers],
                "started_at": (now - timedelta(minutes=4)).isoformat(),
                "channel": channel,
            }
        )
        submit_response(tables, Actor(user, is_admin=False, user_agent="nudge-seed"), survey_id, request, now)


# A panel of demo respondents who share analytics, so every block of acme's analytics of acme-cloud-nps
# has data. The first 40 cycle through 2 age ranges and genders (20 each), 4 places, 4 channels and 4
# reasons (10 each, combined so that cells cross) over 2 days; 9 more (45-54, in GB, on WhatsApp, no
# gender given) join demo-big-spender's cells so that those reach 10. AU (demo-average's) stays a cell
# of one: hidden, and the subtraction rule hides one more country (README, Brand analytics).
PANEL_SIZE = 49
PANEL_CYCLED = 40
PANEL_AGES = ["25-34", "35-44"]
PANEL_GENDERS = ["female", "male"]
PANEL_PLACES = [("US", "CA"), ("US", "NY"), ("IN", "KA"), ("DE", None)]
PANEL_CHANNELS = ["email", "app", "notification", "sms"]
# (nps, rating, use, reason): two clearly positive, two clearly negative (VADER), words shared across them.
PANEL_REASONS = [
    (10, 5, "daily", "Reliable sync and a clear dashboard, love it"),
    (9, 5, "daily", "Support was fast and helpful, excellent service"),
    (5, 3, "weekly", "The dashboard is slow and reports keep failing"),
    (3, 2, "rarely", "Reports are confusing and pricing is terrible"),
]
# The funnel steps before a response, as the notification campaigns will count them for this survey.
PANEL_FUNNEL: dict[FunnelStep, int] = {"notification_sent": 180, "notification_opened": 100, "survey_started": 64}


def _panel_member(index: int) -> tuple[dict[str, object], dict[str, object]]:
    """(profile, response) of the panel's member `index` (see PANEL_SIZE)."""
    if index >= PANEL_CYCLED:
        demographics: dict[str, object] = {"age_range": "45-54", "location": {"country": "GB"}}
        reason, channel = PANEL_REASONS[index % 2], "whatsapp"
    else:
        country, state = PANEL_PLACES[index // 10]
        demographics = {
            "age_range": PANEL_AGES[index % 2],
            "gender": PANEL_GENDERS[(index // 2) % 2],
            "location": {"country": country} | ({"state": state} if state else {}),
        }
        reason, channel = PANEL_REASONS[(index + index // 4) % 4], PANEL_CHANNELS[index % 4]
    nps, rating, use, why = reason
    answers = [("nps", nps), ("rating", rating), ("use", use), ("why", why)]
    return {"email": f"panel-{index:02d}@example.com", "demographics": demographics}, {
        "answers": [{"question_id": question, "value": value} for question, value in answers],
        "channel": channel,
    }


def panel_answered_at(index: int, now: datetime) -> datetime:
    """When panel member `index` responded: today or yesterday (UTC), a minute apart, never later than `now`.
    Each stays on its own calendar day, so the survey's sentiment trend has two points whatever the time
    (shortly after midnight, "a few minutes before now" would be the day before)."""
    day = now - timedelta(days=(index // 3) % 2)
    return max(day - timedelta(minutes=index), day.replace(hour=0, minute=0, second=0, microsecond=0))


def _seed_panel(now: datetime) -> None:
    from nudge.analytics.analytics_table import survey_analytics_table
    from nudge.behavior.behavior_table import behavior_table
    from nudge.catalog.response_models import ResponseRequest
    from nudge.catalog.responses import response_tables, submit_response
    from nudge.config import consent_policy_version
    from nudge.profiles.consent import ConsentSettings
    from nudge.profiles.profile import ProfileFields
    from nudge.profiles.profile_table import profile_table
    from nudge.profiles.user_consent import change_consent
    from nudge.profiles.user_profiles import profile_writes, replace_profile
    from nudge.users.actor import Actor

    tables, profiles, sharing = response_tables(), profile_writes(), ConsentSettings(analytics_sharing=True)
    for index in range(PANEL_SIZE):
        user = f"demo-panel-{index:02d}"
        actor = Actor(user, is_admin=False, source_ip="127.0.0.1", user_agent="nudge-seed")
        profile, response = _panel_member(index)
        replace_profile(profiles, actor, user, ProfileFields.model_validate(profile), now)
        change_consent(profile_table(), behavior_table(), actor, user, sharing, now, consent_policy_version())
        answered = panel_answered_at(index, now)
        started = answered - timedelta(seconds=60 + 17 * (index % 11))
        request = ResponseRequest.model_validate(response | {"started_at": started.isoformat()})
        submit_response(tables, actor, "acme-cloud-nps", request, answered)
    analytics = survey_analytics_table()
    for step, count in PANEL_FUNNEL.items():
        analytics.count_funnel_step("acme-cloud-nps", step, count)
