"""Every DynamoDB table in template.yaml and what it holds about users.

It lives above the capabilities, so it may name their stores; `nudge.users` defines what an entry
is and imports none of them. tests/unit/test_personal_data_registry.py fails when a table of the
template has no entry here, or an entry names a table the template does not have.
"""

from __future__ import annotations

from types import MappingProxyType

from nudge.anchoring.anchoring_table import anchoring_table
from nudge.api.idempotency_table import idempotency_table
from nudge.audit.audit_table import audit_table
from nudge.behavior.behavior_table import behavior_table
from nudge.catalog.response_table import survey_response_table
from nudge.defaults.recommendation_table import recommendation_table
from nudge.notifications.delivery_table import delivery_table
from nudge.profiles.profile_table import profile_table
from nudge.sensitive.sensitive_export import owners_export
from nudge.sensitive.sensitive_table import sensitive_attribute_table
from nudge.users.personal_data import HoldsNoPersonalData, HoldsPersonalData, Registry

REGISTRY: Registry = MappingProxyType(
    {
        "BehaviorTable": HoldsPersonalData(
            behavior_table,
            "signal aggregates, raw events, engagement aggregates (with the products the user bookmarked or "
            "surveyed and the surveys they started), computed archetype, override, experiment assignments, the "
            "categories the user removed from their product recommendations",
        ),
        "RecommendationTable": HoldsPersonalData(
            recommendation_table, "every recommendation made for the user, with the option they chose"
        ),
        "AnchoringTable": HoldsPersonalData(anchoring_table, "tier impressions per booking and tier selections"),
        "ProfileTable": HoldsPersonalData(
            profile_table,
            "the profile (contact details, demographics, interests, notification preferences), consent with its "
            "history and opt-in dates, and when Nudge last heard from the user",
        ),
        "AuditTable": HoldsPersonalData(
            audit_table, "admin actions on the user; actions the user took as an admin, with source IP and user agent"
        ),
        "SensitiveAttributeTable": HoldsPersonalData(
            sensitive_attribute_table,
            "sensitive attributes the user stated with consent, encrypted; exported as names and consent times, "
            "with the values decrypted only in the user's own export",
            reveal_to_owner=owners_export,
        ),
        "IdempotencyTable": HoldsPersonalData(
            idempotency_table,
            "the first response to each request the user sent with an Idempotency-Key (it can name the user), "
            "in the user's partition; replayed for a day, then deleted by DynamoDB's TTL",
        ),
        "SurveyResponseTable": HoldsPersonalData(
            survey_response_table,
            "the user's survey responses with the coarse demographics of their profile when they responded (with "
            "analytics-sharing consent); erasure anonymizes them for research (nudge/catalog/response_table.py)",
        ),
        "DeliveryTable": HoldsPersonalData(
            delivery_table,
            "each campaign's delivery to the user: channel, status, when, why they were targeted, the provider's "
            "message id; the send ledger and the frequency caps' record; each survey the user started, with what its "
            "reminder came to",
        ),
        "SurveyAnalyticsTable": HoldsNoPersonalData(
            "counters per survey and dimension value (age range, gender, country, state, channel, day, keyword) of "
            "analytics-sharing respondents; no user id, no response (nudge/analytics/analytics_table.py)"
        ),
        "CatalogTable": HoldsNoPersonalData(
            "brands' products and surveys, per-category candidate lists and per-product view counts; no user id "
            "is stored, and who changed them is not recorded here"
        ),
        "PricingTable": HoldsNoPersonalData(
            "the tier and experiment catalog admins configure; who changed it is in the audit trail"
        ),
        "NotificationTable": HoldsNoPersonalData(
            "segments (targeting rules), notification templates (texts) and campaigns admins configure, with a "
            "campaign's counts; a pending fan-out segment's checkpoint names the profile a scan page ended on until "
            "the segment completes; who changed them is in the audit trail"
        ),
        "SendRateTable": HoldsNoPersonalData(
            "per channel and second, how many messages were sent (the shared send-rate limit); no user or message "
            "is named, and each count expires a minute after its second"
        ),
        "JobTable": HoldsNoPersonalData(
            "run logs, locks and segments hold run ids, times and counts; a pending segment's checkpoint names "
            "the user a scan page ended on until the segment completes; failed users are retried through queue "
            "messages, never stored here"
        ),
        "SuppressionTable": HoldsNoPersonalData(
            "the suppression list: each address only as a keyed hash of its normalized form (HMAC with the stack's "
            "signing key), with when and why it was suppressed and its soft bounces in a row; no user id. It "
            "survives an erasure on purpose: an erased user's address that bounced or complained stays suppressed"
        ),
        "ErasureTable": HoldsNoPersonalData(
            "erasure receipts: status, times and per-table counts, the user named only by a keyed hash of their "
            "id (HMAC with the stack's signing key), never by the id"
        ),
    }
)
