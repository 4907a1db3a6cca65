"""POST /v1/savings: a saving against an anchor, with display strings in a currency."""

from nudge.anchoring.savings import SavingsDisplay
from nudge.anchoring.savings_request import SavingsRequest, savings_for
from nudge.api import ApiCall, Endpoint, endpoint

POST_SAVINGS = Endpoint(
    method="POST",
    path="/v1/savings",
    summary="Savings of an offer against an anchor: amounts, formatted strings, saving tier, message",
    body=SavingsRequest,
    response=SavingsDisplay,
    tag="price anchoring",
)


@endpoint(POST_SAVINGS)
def lambda_handler(call: ApiCall, body: SavingsRequest) -> SavingsDisplay:
    return savings_for(body)
