"""One transaction option as a recommendation offers it, priced: its own module, so that the recommendation
log, which records the options it offered, loads none of the selection rules."""

from pydantic import Field

from nudge.defaults.options import OptionType
from nudge.models import NudgeModel
from nudge.money import Amount


class TransactionOption(NudgeModel):
    type: OptionType
    price: Amount
    platform_fee: Amount
    total_cost: Amount
    priority: int = Field(description="1 is offered first")
    recommended: bool
    confidence: float
    estimated_acceptance_probability: float
    reasons: list[str]
