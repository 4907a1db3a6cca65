"""Admin management of pricing tiers and their features: list, create, update, deactivate; audited.

Changes go to DynamoDB at once; other warm functions see them when their catalog cache expires
(PRICING_CATALOG_MAX_AGE_SECONDS). A tier is deactivated, never deleted, so past selections and
analytics keep their meaning.
"""

from datetime import datetime

from nudge.anchoring.pricing_table import PricingTable
from nudge.anchoring.tiers import PricingTier, TierId
from nudge.audit.audit_table import AuditTable
from nudge.audit.records import audit_record
from nudge.errors import Conflict, InvalidInput, NotFound
from nudge.models import NudgeModel
from nudge.users.actor import Actor


class TierList(NudgeModel):
    tiers: list[PricingTier]


class TierPath(NudgeModel):
    tier_id: TierId


def list_tiers(pricing: PricingTable, actor: Actor) -> TierList:
    actor.ensure_admin()
    tiers = sorted(pricing.fresh_catalog().tiers, key=lambda tier: (tier.display_order, tier.tier_id))
    return TierList(tiers=tiers)


def create_tier(
    pricing: PricingTable, audit: AuditTable, actor: Actor, tier: PricingTier, now: datetime
) -> PricingTier:
    actor.ensure_admin()
    pricing.catalog_for_change()
    record = audit_record(actor, "pricing_tier.create", f"tier:{tier.tier_id}", None, tier.model_dump(mode="json"), now)
    if not pricing.save_tier(tier, audit.put_request(record), is_new=True):
        raise Conflict(f"tier '{tier.tier_id}' already exists; update it with PUT", field="tier_id")
    return tier


def update_tier(
    pricing: PricingTable, audit: AuditTable, actor: Actor, tier_id: str, tier: PricingTier, now: datetime
) -> PricingTier:
    actor.ensure_admin()
    if tier.tier_id != tier_id:
        raise InvalidInput("must match the tier_id in the path", field="tier_id")
    return _replace(pricing, audit, actor, tier, "pricing_tier.update", now)


def deactivate_tier(pricing: PricingTable, audit: AuditTable, actor: Actor, tier_id: str, now: datetime) -> PricingTier:
    actor.ensure_admin()
    current = pricing.catalog_for_change().tier(tier_id)
    if current is None:
        raise NotFound(f"no tier '{tier_id}'", field="tier_id")
    if not current.active:
        return current  # already inactive: nothing changes, so nothing is audited
    return _replace(pricing, audit, actor, current.model_copy(update={"active": False}), "pricing_tier.deactivate", now)


def _replace(
    pricing: PricingTable, audit: AuditTable, actor: Actor, tier: PricingTier, action: str, now: datetime
) -> PricingTier:
    current = pricing.catalog_for_change().tier(tier.tier_id)
    if current is None:
        raise NotFound(f"no tier '{tier.tier_id}'", field="tier_id")
    if tier == current:
        return current  # nothing changes, so nothing is written or audited
    before, after = current.model_dump(mode="json"), tier.model_dump(mode="json")
    record = audit_record(actor, action, f"tier:{tier.tier_id}", before, after, now)
    if not pricing.save_tier(tier, audit.put_request(record), is_new=False):
        raise NotFound(f"no tier '{tier.tier_id}'", field="tier_id")
    return tier
