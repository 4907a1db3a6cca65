"""Engagement batches and consenting users for the warm-request benchmark."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from nudge.profiles.categories import CATEGORIES
from nudge.profiles.consent import ConsentSettings, apply_consent
from nudge.profiles.profile_table import profile_table

KINDS = ("product_view", "product_view", "product_bookmark", "survey_start", "survey_complete", "notification_click")
TARGETS = {"product": "product_id", "survey": "survey_id", "notification": "notification_id"}


def consent_to_tracking(user: str) -> str:
    """The user consents to behavioral tracking (run inside the ingestion function's environment)."""
    profiles = profile_table()
    current = profiles.get_consent(user)
    if not current.settings.behavioral_tracking:
        update = apply_consent(current, ConsentSettings(behavioral_tracking=True), datetime.now(UTC), "", "", "bench")
        profiles.save_consent(user, update.record, current.version, update.changes)
    return user


def engagement_batch(size: int, occurred_at: datetime) -> list[dict[str, Any]]:
    batch = []
    for index in range(size):
        kind = KINDS[index % len(KINDS)]
        target = TARGETS[kind.split("_")[0]]
        batch.append(
            {
                "event_id": uuid.uuid4().hex,
                "type": kind,
                "occurred_at": occurred_at.isoformat(),
                target: f"{target}-{index}",
                "category": CATEGORIES[index % len(CATEGORIES)],
                "source": "app",
            }
        )
    return batch
