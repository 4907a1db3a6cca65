"""The archetypes' names and where a served archetype came from: names only, so that records naming an
archetype (the recommendation log, tier offers) load no detection code."""

from typing import Literal

ArchetypeType = Literal["big_spender", "high_flexibility", "average_user", "new_user"]

ArchetypeSource = Literal["override", "computed"]

ARCHETYPE_LABELS: dict[ArchetypeType, str] = {
    "big_spender": "Big spender",
    "high_flexibility": "Flexible user",
    "average_user": "Average user",
    "new_user": "New user",
}
"""The one name of each archetype in every text Nudge writes (detection notes, reasons, tier offers)."""


def archetype_phrase(archetype: ArchetypeType) -> str:
    """The archetype's name inside a sentence: "a big spender", "an average user"."""
    label = ARCHETYPE_LABELS[archetype].lower()
    return f"{'an' if label[0] in 'aeiou' else 'a'} {label}"
