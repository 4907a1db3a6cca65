"""What a brand publishes: products and surveys, as a brand writes them and as Nudge keeps them.

Every string and list is bounded, so a valid product or survey is small. A survey's questions are
the contract its responses are checked against (nudge/catalog/answers.py).
"""

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, AwareDatetime, Field, model_validator

from nudge.catalog.question_kinds import MAX_QUESTIONS, QuestionType
from nudge.identifiers import Identifier
from nudge.models import NudgeModel
from nudge.profiles.categories import Category

MAX_URL_LENGTH = 2048
MAX_OPTIONS = 10
BrandId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
SurveyStatus = Literal["draft", "published", "closed"]


def _printable(value: str) -> str:
    if not value.strip() or not value.isprintable():
        raise ValueError("must be printable text, not blank")
    return value


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_printable)]
Description = Annotated[str, Field(max_length=2000)]


def _https(value: str) -> str:
    from urllib.parse import urlsplit  # only writes with a URL look at it

    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or not value.isprintable() or " " in value:
        raise ValueError("must be an https:// URL")
    return value


HttpsUrl = Annotated[str, Field(min_length=9, max_length=MAX_URL_LENGTH), AfterValidator(_https)]


def refused_link(url: str | None, link_domains: frozenset[str]) -> None:
    """A brand's url off the click redirect's domains is a 422: Nudge's emails link to it through the redirect."""
    from nudge.errors import InvalidInput
    from nudge.subscribers.click_links import link_problem

    problem = link_problem(url, link_domains) if url else None
    if problem is not None:
        raise InvalidInput(problem, field="url")


class ProductFields(NudgeModel):
    """A product as its brand writes it; PUT replaces it whole."""

    name: Name
    category: Category
    description: Description = ""
    url: HttpsUrl | None = None
    launched_at: AwareDatetime | None = Field(
        default=None, description="When the product launched: not in the future; once set, it stays"
    )


class Product(ProductFields):
    product_id: str
    brand_id: str
    created_at: datetime
    updated_at: datetime
    version: int = Field(default=1, description="Changes on every write")


class Question(NudgeModel):
    question_id: Identifier
    type: QuestionType
    text: Name
    options: list[Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_printable)]] | None = Field(
        default=None, description="choice questions only: 2 to 10 distinct options"
    )
    required: bool = Field(default=True, description="A response must answer it")

    @model_validator(mode="after")
    def _options_fit_the_type(self) -> Self:
        if self.type != "choice":
            if self.options is not None:
                raise ValueError("only choice questions have options")
            return self
        if self.options is None or not 2 <= len(self.options) <= MAX_OPTIONS:
            raise ValueError(f"a choice question needs 2 to {MAX_OPTIONS} options")
        if len(set(self.options)) != len(self.options):
            raise ValueError("options must be distinct")
        return self


class SurveyFields(NudgeModel):
    """A survey as its brand writes it; PUT replaces it whole (questions frozen once published)."""

    title: Name
    category: Category
    product_id: Identifier | None = Field(default=None, description="One of the brand's own products")
    url: HttpsUrl | None = Field(default=None, description="Where users answer it: the {{url}} of its reminders")
    questions: list[Question] = Field(min_length=1, max_length=MAX_QUESTIONS)
    status: SurveyStatus = "draft"

    @model_validator(mode="after")
    def _unique_question_ids(self) -> Self:
        ids = [question.question_id for question in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError("question_id values must be distinct")
        return self


class Survey(SurveyFields):
    survey_id: str
    brand_id: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = None
    closed_at: datetime | None = None
    version: int = Field(default=1, description="Changes on every write")
