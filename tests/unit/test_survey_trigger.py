"""The survey.published trigger's reading of the event, without AWS: the invite it derives from the survey (its
title, id and app link), and a detail that is not a publication rejected naming the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest

from nudge.errors import InvalidInput
from nudge.notifications.survey_trigger import (
    handle_publication,
    invite_campaign,
    invite_campaign_id,
    parse_publication,
)
from nudge.notifications.triggered_campaign import TriggerPorts

SAMPLE = Path(__file__).parents[2] / "events" / "start_survey_invite_campaign" / "survey_published.json"


def sample() -> dict[str, Any]:
    event: dict[str, Any] = json.loads(SAMPLE.read_text())
    return event


def ports(app_url: str | None) -> TriggerPorts:
    return TriggerPorts(cast(Any, None), cast(Any, None), "invite-template", app_url)


def test_the_invite_names_the_survey_and_links_to_its_page_in_the_app() -> None:
    started = invite_campaign(ports("https://app.nudge.example/"), parse_publication(sample()))
    fields = started.fields
    assert (fields.campaign_id, fields.type, fields.channels, fields.template_id) == (
        "survey-invite-acme-cloud-feedback",
        "survey_invite",
        ["email"],
        "invite-template",
    )
    assert fields.name == "Survey: How is Acme Cloud working for you?"
    assert fields.data.model_dump() == {
        "product_name": None,
        "survey_title": "How is Acme Cloud working for you?",
        "url": "https://app.nudge.example/surveys/acme-cloud-feedback",
        "survey_id": "acme-cloud-feedback",
    }
    assert (started.segment_id, started.segment.rules.categories) == ("survey-invite-tech_saas", ["TECH_SAAS"])


def test_without_an_app_url_the_invite_has_no_link() -> None:
    started = invite_campaign(ports(None), parse_publication(sample()))
    assert started.fields.data.url is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "NOT_A_CATEGORY"}, "detail.category"),
        ({"survey_id": "bad id"}, "detail.survey_id"),
        ({"title": ""}, "detail.title"),
    ],
)
def test_a_detail_that_is_not_a_publication_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    event = sample()
    event["detail"] |= change
    with pytest.raises(InvalidInput) as raised:
        parse_publication(event)
    assert raised.value.field == field


def test_a_rejected_event_is_answered_not_raised() -> None:
    answer = handle_publication(cast(Any, None), sample() | {"detail": None}, cast(Any, None))  # no port is touched
    assert (answer["outcome"], answer["field"]) == ("rejected", "detail")


def test_a_survey_id_too_long_for_the_campaign_id_gives_its_hash() -> None:
    campaign_id = invite_campaign_id("s" * 128)
    assert len(campaign_id) == len("survey-invite-") + 64
    assert invite_campaign_id("s" * 114) == "survey-invite-" + "s" * 114
