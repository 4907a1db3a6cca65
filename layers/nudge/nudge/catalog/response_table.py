"""The survey-response table: each user's response to each survey.

Item shapes (nothing outside this module builds these keys):
- response:   pk=SURVEY#<survey_id>, sk=RESPONSE#<user_id>, a SurveyResponse (`user_id` included: the
  key of the ResponsesByUser index). The key is the once-per-survey guard: a response is one PutItem
  conditional on the key not existing.
- anonymized: pk=SURVEY#<survey_id>, sk=ANONYMOUS#<random id>, what erasure keeps of a response.

Personal data: a user's responses are found through ResponsesByUser (user_id -> survey_id), never a
scan. Erasure replaces each with an anonymized item, in one transaction per response: research keeps
the closed answers (nps, rating, choice), the channel, the day it was answered, and the age range
and country of the snapshot. It drops the user id and the key built from it, text answers (free text
can name or describe the person), the exact times, and state and gender, whose combination with the
rest can single a respondent out of a small survey. The anonymized item is out of the index, so a
second erasure finds nothing and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from nudge import clients, config
from nudge.catalog.response_models import SurveyResponse
from nudge.identifiers import new_id
from nudge.item_codec import ItemRead, batch_get_items, conditional, from_item, query_all, to_item, write_transaction

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from nudge.catalog.response_export import SurveyResponseExport
    from nudge.users.personal_data import Erasure

USER_INDEX = "ResponsesByUser"
KEPT_AFTER_ERASURE = ("nps", "rating", "choice")
CONFLICT_ATTEMPTS = 4


def _key(survey_id: str, user_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"SURVEY#{survey_id}"}, "sk": {"S": f"RESPONSE#{user_id}"}}


def anonymized(response: SurveyResponse) -> dict[str, Any]:
    """What research keeps of a response once its user is erased (the module docstring says why)."""
    snapshot = response.demographics
    return {
        "survey_id": response.survey_id,
        "answers": [answer.model_dump() for answer in response.answers if answer.type in KEPT_AFTER_ERASURE],
        "channel": response.channel,
        "responded_on": response.responded_at.date().isoformat(),
        "analytics_sharing": response.analytics_sharing,
        "demographics": {"age_range": snapshot.age_range, "country": snapshot.country} if snapshot else None,
    }


class SurveyResponseTable:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    def response_read(self, survey_id: str, user_id: str) -> ItemRead:
        return ItemRead(self._table, _key(survey_id, user_id))

    def add(self, response: SurveyResponse, with_writes: Sequence[Mapping[str, Any]] = ()) -> bool:
        """False when the user has responded to the survey before (nothing written). `with_writes`
        (another capability's TransactWriteItems entries) are written in the same transaction, or not at all."""
        item = to_item({**_key_values(response), **response.model_dump(exclude_none=True)})
        put = {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}
        if with_writes:
            # Concurrent responses to one survey add to the same counters: a conflict is retried.
            attempts = CONFLICT_ATTEMPTS
            return write_transaction(self._client, [{"Put": put}, *with_writes], conflict_attempts=attempts)
        return conditional(self._client.put_item, **put)

    def response(self, survey_id: str, user_id: str) -> SurveyResponse | None:
        [item] = batch_get_items(self._client, [self.response_read(survey_id, user_id)], consistent=True)
        return SurveyResponse.model_validate(from_item(item)) if item else None

    def export_user(self, user_id: str) -> SurveyResponseExport:
        from nudge.catalog.response_export import SurveyResponseExport

        return SurveyResponseExport(responses=[SurveyResponse.model_validate(from_item(i)) for i in self._of(user_id)])

    def erase_user(self, user_id: str) -> Erasure:
        """Anonymize every response of the user (the module docstring says what stays)."""
        from nudge.users.personal_data import Erasure

        count = 0
        for item in self._of(user_id):
            response = SurveyResponse.model_validate(from_item(item))
            kept = to_item({"pk": item["pk"]["S"], "sk": f"ANONYMOUS#{new_id()}", **anonymized(response)})
            delete = {"TableName": self._table, "Key": {"pk": item["pk"], "sk": item["sk"]}}
            guarded = delete | {"ConditionExpression": "attribute_exists(pk)"}
            count += write_transaction(
                self._client, [{"Delete": guarded}, {"Put": {"TableName": self._table, "Item": kept}}]
            )
        return Erasure(anonymized={"responses": count})

    def _of(self, user_id: str) -> list[dict[str, Any]]:
        return query_all(
            self._client,
            TableName=self._table,
            IndexName=USER_INDEX,
            KeyConditionExpression="user_id = :user",
            ExpressionAttributeValues={":user": {"S": user_id}},
        )


def _key_values(response: SurveyResponse) -> dict[str, str]:
    return {"pk": f"SURVEY#{response.survey_id}", "sk": f"RESPONSE#{response.user_id}"}


def survey_response_table() -> SurveyResponseTable:
    return SurveyResponseTable(config.text("SURVEY_RESPONSE_TABLE_NAME"), clients.dynamodb())
