"""The survey-analytics table: each survey's aggregates, what brands' analytics are read from.

Item shapes (nothing outside this module builds these keys):
- cell:    pk=SURVEY#<survey_id>, sk=CELL#<dimension>#<value>, whole-number counters (contribution.py
  says which); one item per dimension value, so a response updates at most 7 of them.
- funnel:  pk=SURVEY#<survey_id>, sk=FUNNEL, `notification_sent`, `notification_opened`,
  `survey_started`: counters the notification and survey-start paths add to (count_funnel_step, or
  funnel_request in the transaction of a survey invite's send or first open, or of the event ingestion
  that records a user's first start of the survey).
- keyword: pk=WORDS#<survey_id>, sk=<word>, `frequency` (distinct respondents who used it) and
  `survey_id`, the key of the KeywordsByFrequency index, from which the top keywords are one Query.

No personal data: no item holds a user id, a response, or anything finer than a state, so erasure
has nothing to change here, and the aggregates stay as they were when a response is anonymized.
Reading a survey's analytics is one Query of its partition (one item per dimension value and day,
never per response) and one Query of the index, whatever the number of responses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from nudge import clients, config
from nudge.item_codec import add_counters, query_all

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from nudge.analytics.contribution import Cell, Contribution

KEYWORD_INDEX = "KeywordsByFrequency"
FUNNEL_SK = "FUNNEL"
FunnelStep = Literal["notification_sent", "notification_opened", "survey_started"]


class Aggregates(NamedTuple):
    cells: dict[Cell, dict[str, int]]
    funnel: dict[str, int]


def _pk(survey_id: str) -> dict[str, str]:
    return {"S": f"SURVEY#{survey_id}"}


def _cell_key(survey_id: str, cell: Cell) -> dict[str, Any]:
    dimension, value = cell
    return {"pk": _pk(survey_id), "sk": {"S": f"CELL#{dimension}#{value}"}}


def _counters(item: dict[str, Any]) -> dict[str, int]:
    return {name: int(value["N"]) for name, value in item.items() if "N" in value}


class SurveyAnalyticsTable:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    def updates(self, survey_id: str, contribution: Contribution) -> list[dict[str, Any]]:
        """TransactWriteItems entries adding the response's contribution (ADD only: commutative, so
        concurrent responses never overwrite each other's counts)."""
        cells = [add_counters(self._table, _cell_key(survey_id, cell), c) for cell, c in contribution.cells.items()]
        return cells + [self._keyword_update(survey_id, word, n) for word, n in contribution.keywords.items()]

    def _keyword_update(self, survey_id: str, word: str, respondents: int) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self._table,
                "Key": {"pk": {"S": f"WORDS#{survey_id}"}, "sk": {"S": word}},
                "UpdateExpression": "ADD frequency :respondents SET survey_id = :survey",
                "ExpressionAttributeValues": {":respondents": {"N": str(respondents)}, ":survey": {"S": survey_id}},
            }
        }

    def aggregates(self, survey_id: str) -> Aggregates:
        items = query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": _pk(survey_id)},
        )
        cells: dict[Cell, dict[str, int]] = {}
        funnel: dict[str, int] = {}
        for item in items:
            sort_key = item["sk"]["S"]
            if sort_key == FUNNEL_SK:
                funnel = _counters(item)
            else:
                dimension, _, value = sort_key.removeprefix("CELL#").partition("#")
                cells[(dimension, value)] = _counters(item)
        return Aggregates(cells, funnel)

    def top_keywords(self, survey_id: str, minimum: int, limit: int) -> list[tuple[str, int]]:
        """The most used keywords used by at least `minimum` respondents, most used first."""
        response = self._client.query(
            TableName=self._table,
            IndexName=KEYWORD_INDEX,
            KeyConditionExpression="survey_id = :survey AND frequency >= :minimum",
            ExpressionAttributeValues={":survey": {"S": survey_id}, ":minimum": {"N": str(minimum)}},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [(item["sk"]["S"], int(item["frequency"]["N"])) for item in response["Items"]]

    def count_funnel_step(self, survey_id: str, step: FunnelStep, amount: int = 1) -> None:
        """Adds to a funnel step; callers count only users who share analytics."""
        self._client.update_item(**self.funnel_request(survey_id, step, amount)["Update"])

    def funnel_request(self, survey_id: str, step: FunnelStep, amount: int = 1) -> dict[str, Any]:
        """A TransactWriteItems element adding to a funnel step (ADD only), for a caller that counts it with its
        own change (a delivery's outcome or marker); callers count only users who share analytics."""
        return add_counters(self._table, {"pk": _pk(survey_id), "sk": {"S": FUNNEL_SK}}, {step: amount})


def survey_analytics_table() -> SurveyAnalyticsTable:
    return SurveyAnalyticsTable(config.text("SURVEY_ANALYTICS_TABLE_NAME"), clients.dynamodb())
