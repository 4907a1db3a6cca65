"""What a candidate list entry is (a module of its own: the product PUT keeps lists without the ranking's models)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple


class Candidate(NamedTuple):
    """A launched product as a candidate list keeps it."""

    product_id: str
    name: str
    category: str
    launched_at: datetime
    views: int
