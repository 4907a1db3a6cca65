"""The minimum segment size and the subtraction rule (nudge/analytics/disclosure.py), checked by brute
force over small tables: no hidden cell below the minimum can be derived from what a brand is shown,
in one breakdown or across two breakdowns of the same respondents (sharing the total)."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

from nudge.analytics.disclosure import disclosed, shown_count

Cells = dict[str, int]
Rule = Callable[[Mapping[str, int], int, int], set[str]]
K = 3  # the rule is the same for any minimum; a small one keeps the enumeration small


def threshold_only(cells: Mapping[str, int], total: int, minimum: int) -> set[str]:
    return {value for value, count in cells.items() if count >= minimum} if total >= minimum else set()


def tables(values: list[str], most: int, unknown: int) -> list[tuple[Cells, int]]:
    """Every breakdown with each cell 0..most and 0..unknown respondents without a value (zero cells are absent)."""
    found = []
    for counts in itertools.product(range(most + 1), repeat=len(values)):
        cells = {value: count for value, count in zip(values, counts, strict=True) if count}
        found += [(cells, sum(counts) + extra) for extra in range(unknown + 1)]
    return found


def arithmetic(alternative: Cells, total: int, shown: Mapping[str, int], minimum: int) -> bool:
    """Consistent with the shown figures by arithmetic alone (the shown cells, the total, counts >= 0)."""
    return all(alternative.get(value) == count for value, count in shown.items())


def rule_aware(alternative: Cells, total: int, shown: Mapping[str, int], minimum: int) -> bool:
    """Also consistent with the rule as published: every cell under the minimum hidden, the hidden
    remainder 0 or >= minimum, and a cell of the minimum or more hidden only when the small ones alone
    left a remainder under it (which of several such cells was chosen is not assumed)."""
    if not arithmetic(alternative, total, shown, minimum) or (total < minimum and shown):
        return False
    if total < minimum:
        return True
    hidden = {value: count for value, count in alternative.items() if value not in shown}
    remainder = total - sum(shown.values())
    small = sum(count for count in hidden.values() if count < minimum)
    unvalued = total - sum(alternative.values())
    needed = 0 < small + unvalued < minimum
    secondaries = [count for count in hidden.values() if count >= minimum]
    return (remainder == 0 or remainder >= minimum) and (not secondaries or needed)


def pinned_cells(rule: Rule, values: list[str], most: int, unknown: int, model: Callable[..., bool]) -> list[str]:
    """The hidden cells under the minimum whose value is the same in every table consistent with what is shown."""
    alternatives: dict[int, list[Cells]] = defaultdict(list)
    # Wider cells than the true tables', so no cell is pinned by the enumeration's own bound.
    for cells, total in tables(values, most + 2, unknown):
        alternatives[total].append(cells)
    pinned = []
    for cells, total in tables(values, most, unknown):
        shown = {value: cells[value] for value in rule(cells, total, K)}
        consistent = [alt for alt in alternatives[total] if model(alt, total, shown, K)]
        for value in values:
            hidden_small = value not in shown and 0 < cells.get(value, 0) < K
            if hidden_small and len({alt.get(value, 0) for alt in consistent}) == 1:
                pinned.append(f"{value} of {cells} (total {total}, shown {shown})")
    return pinned


def test_a_threshold_alone_is_defeated_by_subtraction() -> None:
    # The check can fail: with a plain threshold, total minus the shown cells is the hidden one.
    assert pinned_cells(threshold_only, ["a", "b", "c"], 5, 0, arithmetic)
    assert disclosed({"a": 12, "b": 30, "c": 4}, 46, 10) != threshold_only({"a": 12, "b": 30, "c": 4}, 46, 10)


def test_no_hidden_small_cell_follows_from_the_shown_figures() -> None:
    assert pinned_cells(disclosed, ["a", "b", "c"], 6, 2, arithmetic) == []
    assert pinned_cells(disclosed, ["a", "b", "c", "d"], 5, 0, arithmetic) == []


def test_no_hidden_small_cell_follows_even_knowing_the_rule() -> None:
    assert pinned_cells(disclosed, ["a", "b", "c"], 6, 2, rule_aware) == []
    assert pinned_cells(disclosed, ["a", "b", "c", "d"], 5, 0, rule_aware) == []


def _marginals(joint: Mapping[tuple[str, str], int]) -> tuple[Cells, Cells]:
    ages: Cells = defaultdict(int)
    genders: Cells = defaultdict(int)
    for (age, gender), count in joint.items():
        if count:
            ages[age] += count
            genders[gender] += count
    return dict(ages), dict(genders)


def _joint_tables(pairs: list[tuple[str, str]], most: int) -> Iterable[dict[tuple[str, str], int]]:
    for counts in itertools.product(range(most + 1), repeat=len(pairs)):
        yield dict(zip(pairs, counts, strict=True))


def test_two_breakdowns_of_the_same_respondents_reveal_no_small_cell_together() -> None:
    # Respondents by (age, gender): the brand sees the total, the age cells and the gender cells shown.
    pairs = list(itertools.product(["a", "b", "c"], ["x", "y"]))
    seen: dict[int, set[tuple[tuple[tuple[str, int], ...], ...]]] = defaultdict(set)
    for joint in _joint_tables(pairs, 4):
        seen[sum(joint.values())].add(tuple(tuple(sorted(marginal.items())) for marginal in _marginals(joint)))
    alternatives = {total: [(dict(a), dict(g)) for a, g in found] for total, found in seen.items()}
    pinned = []
    for joint in _joint_tables(pairs, 2):
        total = sum(joint.values())
        ages, genders = _marginals(joint)
        shown_ages = {v: ages[v] for v in disclosed(ages, total, K)}
        shown_genders = {v: genders[v] for v in disclosed(genders, total, K)}
        consistent = [
            (alt_ages, alt_genders)
            for alt_ages, alt_genders in alternatives[total]
            if rule_aware(alt_ages, total, shown_ages, K) and rule_aware(alt_genders, total, shown_genders, K)
        ]
        for index, (marginal, shown) in enumerate(((ages, shown_ages), (genders, shown_genders))):
            for value, count in marginal.items():
                if value not in shown and count < K and len({alt[index].get(value, 0) for alt in consistent}) == 1:
                    pinned.append(f"{value}={count} in {joint}")
    assert pinned == []


def test_random_tables_keep_the_remainder_at_zero_or_the_minimum() -> None:
    generator = random.Random(13)  # noqa: S311 - reproducible test tables, not secrets
    for _ in range(2000):
        cells = {f"v{i}": generator.choice([1, 3, 9, 10, 11, 25, 60]) for i in range(generator.randint(1, 7))}
        total = sum(cells.values()) + generator.choice([0, 0, 2, 12])
        shown = disclosed(cells, total, 10)
        remainder = total - sum(cells[value] for value in shown)
        assert all(cells[value] >= 10 for value in shown)
        assert remainder == 0 or remainder >= 10 or total < 10
        assert total >= 10 or shown == set()


def test_the_smallest_shown_cell_is_hidden_second() -> None:
    assert disclosed({"18-24": 4, "25-34": 12, "35-44": 30}, 46, 10) == {"35-44"}
    assert disclosed({"18-24": 4, "25-34": 12, "35-44": 30}, 50, 10) == {"35-44"}  # 4 + 4 unknown: 8
    assert disclosed({"18-24": 4, "25-34": 12, "35-44": 30}, 52, 10) == {"25-34", "35-44"}  # remainder 10
    assert disclosed({"x": 9}, 9, 10) == set()


def test_a_lone_count_shows_zero_or_the_minimum() -> None:
    assert [shown_count(n, 10) for n in (0, 1, 9, 10, 500)] == [0, None, None, 10, 500]
