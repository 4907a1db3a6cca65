"""Brands write their surveys; users read published ones.

Status moves forward only: draft -> draft | published; published -> published | closed;
closed -> closed (a new survey starts as draft or published). Once published, what responses are
checked against and counted by stays: the questions, the category and the product; the title may
still change. The first write that publishes a survey publishes `survey.published`.
"""

from datetime import datetime
from typing import Any

from nudge.catalog.announcements import Announcer
from nudge.catalog.catalog_models import BrandId, Product, Survey, SurveyFields, SurveyStatus, refused_link
from nudge.catalog.catalog_table import CatalogTable, StoredSurvey
from nudge.errors import Conflict, InvalidInput, NotFound
from nudge.identifiers import Identifier
from nudge.models import NudgeModel
from nudge.users.actor import Actor

TRANSITIONS: dict[SurveyStatus | None, frozenset[SurveyStatus]] = {
    None: frozenset({"draft", "published"}),
    "draft": frozenset({"draft", "published"}),
    "published": frozenset({"published", "closed"}),
    "closed": frozenset({"closed"}),
}
FROZEN_ONCE_PUBLISHED = ("questions", "category", "product_id")


class BrandSurveyPath(NudgeModel):
    brand_id: BrandId
    survey_id: Identifier


class SurveyPath(NudgeModel):
    survey_id: Identifier


def check_transition(current: Survey | None, fields: SurveyFields) -> None:
    before = current.status if current else None
    if fields.status not in TRANSITIONS[before]:
        raise Conflict(f"a {before or 'new'} survey cannot become {fields.status}", field="status")
    if current is None or current.status == "draft":
        return
    for name in FROZEN_ONCE_PUBLISHED:
        if getattr(fields, name) != getattr(current, name):
            raise Conflict("cannot change once the survey is published", field=name)


def next_survey(
    current: Survey | None, brand_id: str, survey_id: str, fields: SurveyFields, product: Product | None, now: datetime
) -> Survey:
    """The survey after a brand's PUT; raises when the brand may not write it this way."""
    if current is not None and current.brand_id != brand_id:
        raise NotFound("there is no such survey of this brand", field="survey_id")
    if fields.product_id is not None and (product is None or product.brand_id != brand_id):
        raise InvalidInput("is not a product of this brand", field="product_id")
    check_transition(current, fields)
    published = current.published_at if current and current.published_at else None
    closed = current.closed_at if current and current.closed_at else None
    return Survey(
        **fields.model_dump(),
        survey_id=survey_id,
        brand_id=brand_id,
        created_at=current.created_at if current else now,
        updated_at=now,
        published_at=published or (now if fields.status != "draft" else None),
        closed_at=closed or (now if fields.status == "closed" else None),
        version=current.version + 1 if current else 1,
    )


def put_survey(
    table: CatalogTable,
    announcer: Announcer,
    path: BrandSurveyPath,
    fields: SurveyFields,
    now: datetime,
    link_domains: frozenset[str],
) -> Survey:
    """`link_domains`: the click redirect's; the survey's `url` must be one of them, as its invites and reminders
    link to it through the redirect."""
    refused_link(fields.url, link_domains)
    stored, product = table.survey_with_product(path.survey_id, fields.product_id)
    survey = next_survey(stored.survey if stored else None, path.brand_id, path.survey_id, fields, product, now)
    announced = stored.announced if stored else False
    if not table.save_survey(survey, announced):
        raise Conflict("the survey changed while it was written; retry the request")
    if survey.status == "published" and not announced:
        announcer.announce("survey.published", _published_detail(survey))
        table.mark_survey_announced(survey.survey_id)
    return survey


def _published_detail(survey: Survey) -> dict[str, Any]:
    return {
        "event_id": f"survey.published:{survey.survey_id}",
        "survey_id": survey.survey_id,
        "brand_id": survey.brand_id,
        "category": survey.category,
        "product_id": survey.product_id,
        "title": survey.title,
        "published_at": survey.published_at.isoformat() if survey.published_at else None,
    }


def visible(stored: StoredSurvey | None, actor: Actor) -> Survey:
    """A published or closed survey for anyone; a draft only for its brand and admins."""
    if stored is None or (stored.survey.status == "draft" and not actor.may_manage_brand(stored.survey.brand_id)):
        raise NotFound("there is no such survey", field="survey_id")
    return stored.survey


def survey_for_actor(table: CatalogTable, actor: Actor, survey_id: str) -> Survey:
    stored, _ = table.survey_with_product(survey_id, None)
    return visible(stored, actor)
