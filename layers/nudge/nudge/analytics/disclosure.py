"""Which cells of a breakdown a brand may see: the minimum segment size and the subtraction rule.

A cell (the respondents sharing one value of a dimension) is shown only when at least `minimum`
distinct respondents are in it. A threshold alone is defeated by subtraction: the disclosed total
minus the shown cells would be the hidden cell. So once the small cells are hidden, while the hidden
remainder (total minus the shown cells) is above 0 but below the minimum, the smallest shown cell is
hidden too (secondary suppression). Reporting a smaller total instead would not help: the survey's
response count is shared by every breakdown and the funnel, so another figure would undo it.
Respondents without a value for the dimension count in the total and in no cell: they are part of
the hidden remainder.
"""

from __future__ import annotations

from collections.abc import Mapping


def disclosed(cells: Mapping[str, int], total: int, minimum: int) -> set[str]:
    """The values whose cells may be shown; after it, total minus the shown cells is 0 or >= minimum."""
    if total < minimum:
        return set()
    shown = {value for value, count in cells.items() if count >= minimum}
    while shown and 0 < total - sum(cells[value] for value in shown) < minimum:
        shown.remove(min(shown, key=lambda value: (cells[value], value)))
    return shown


def shown_count(count: int, minimum: int) -> int | None:
    """A count that stands alone (a funnel step): 0 says nothing of anyone; 1 to minimum-1 is hidden."""
    return count if count == 0 or count >= minimum else None
