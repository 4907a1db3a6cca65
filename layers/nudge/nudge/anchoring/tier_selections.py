"""Tier selections: the tier a user chose for a booking, then whether the transaction completed.

A selection is idempotent per user and booking: its id is derived from both, so sending the same
choice again returns the stored selection, and a different choice for the same booking is a 409.
The price is the one the user was shown: the multiplier of the experiment variant recorded with
the booking's impression, else the tier's configured multiplier. Savings are of the total cost
(price + platform fee) against the anchor: base 450, fee 5, anchor 2835 saves 2380.00 (83.95%).
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import Field

from nudge import signing
from nudge.anchoring.anchoring_table import AnchoringTable
from nudge.anchoring.pricing_table import PricingTable
from nudge.anchoring.tier_selection_model import TierSelection
from nudge.anchoring.tiers import TierId, savings_against, tier_price
from nudge.defaults.options import OptionType
from nudge.errors import Conflict, InvalidInput, NotFound
from nudge.identifiers import Identifier
from nudge.models import NudgeModel
from nudge.money import CurrencyCode, NonNegativeAmount, Price
from nudge.observability import metrics
from nudge.users.actor import Actor


class TierSelectionRequest(NudgeModel):
    booking_id: Identifier
    tier_id: TierId
    base_price: Price
    anchor_price: Price
    anchor_type: OptionType = "buyout"
    platform_fee: NonNegativeAmount = Decimal(0)
    currency: CurrencyCode = "USD"
    session_id: Identifier | None = None


def selection_id_for(user_id: str, booking_id: str) -> str:
    """Derived, so a repeated selection finds the first; keyed with the stack's secret, so nobody can compute
    another user's selection id from their user and booking ids."""
    return signing.digest("tier-selection", f"{user_id}\n{booking_id}").hex()[:32]


def select_tier(
    pricing: PricingTable, anchoring: AnchoringTable, actor: Actor, request: TierSelectionRequest, now: datetime
) -> TierSelection:
    selection_id = selection_id_for(actor.user_id, request.booking_id)
    existing = anchoring.get_selection(selection_id)
    if existing is not None:
        return _same_or_conflict(existing, request)
    selection = _new_selection(pricing, anchoring, actor.user_id, selection_id, request, now)
    if anchoring.create_selection(selection):
        _count_selection(selection)
        return selection
    stored = anchoring.get_selection(selection_id)  # a concurrent identical request won the race
    if stored is None:
        raise Conflict("the selection changed while it was being recorded; try again", field="booking_id")
    return _same_or_conflict(stored, request)


def _count_selection(selection: TierSelection) -> None:
    """A new selection (a repeated one is not counted again) and the savings it was chosen with."""
    metrics().add_metric(name="TierSelections", unit=MetricUnit.Count, value=1)
    metrics().add_metric(name="SavingsPercentage", unit=MetricUnit.Percent, value=float(selection.savings_percentage))


def _same_or_conflict(existing: TierSelection, request: TierSelectionRequest) -> TierSelection:
    same = (existing.tier_id, existing.base_price, existing.anchor_price, existing.platform_fee) == (
        request.tier_id,
        request.base_price,
        request.anchor_price,
        request.platform_fee,
    )
    if not same:
        raise Conflict("a different selection is already recorded for this booking", field="booking_id")
    return existing


def _new_selection(
    pricing: PricingTable,
    anchoring: AnchoringTable,
    user_id: str,
    selection_id: str,
    request: TierSelectionRequest,
    now: datetime,
) -> TierSelection:
    tier = pricing.catalog().tier(request.tier_id)
    if tier is None or not tier.active:
        raise InvalidInput(f"no active tier '{request.tier_id}'", field="tier_id")
    shown = anchoring.first_shown_at(user_id, request.booking_id)
    impression, first_shown = shown if shown else (None, None)
    multiplier = tier.multiplier
    if impression is not None:
        multiplier = next((t.multiplier for t in impression.tiers if t.tier_id == tier.tier_id), multiplier)
    final_price = tier_price(request.base_price, multiplier)
    total = final_price + request.platform_fee
    savings = savings_against(total, request.anchor_price)
    return TierSelection(
        selection_id=selection_id,
        user_id=user_id,
        booking_id=request.booking_id,
        session_id=request.session_id,
        tier_id=tier.tier_id,
        tier_name=tier.name,
        base_price=request.base_price,
        multiplier=multiplier,
        final_price=final_price,
        platform_fee=request.platform_fee,
        total_cost=total,
        anchor_price=request.anchor_price,
        anchor_type=request.anchor_type,
        savings_amount=savings.amount,
        savings_percentage=savings.percentage,
        currency=request.currency,
        status="pending",
        experiment_id=impression.experiment_id if impression else None,
        variant_id=impression.variant_id if impression else None,
        seconds_from_impression=(now - first_shown).total_seconds() if first_shown else None,
        created_at=now,
        updated_at=now,
    )


class SelectionPath(NudgeModel):
    selection_id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]


class SelectionUpdate(NudgeModel):
    status: Literal["completed", "cancelled"]


def settle_selection(
    anchoring: AnchoringTable, actor: Actor, selection_id: str, update: SelectionUpdate, now: datetime
) -> TierSelection:
    """pending -> completed or cancelled, once; repeating the same final status returns it unchanged."""
    selection = anchoring.get_selection(selection_id)
    if selection is None or not actor.may_access(selection.user_id):  # another user's looks absent
        raise NotFound("no such tier selection", field="selection_id")
    if selection.status == update.status:
        return selection
    if selection.status != "pending":
        raise Conflict(f"the selection is already {selection.status}", field="status")
    settled = selection.model_copy(update={"status": update.status, "updated_at": now})
    if not anchoring.settle_selection(settled):
        raise Conflict("the selection was settled by another request", field="status")
    return settled
