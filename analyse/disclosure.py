"""Which counts of a published table to hide so that no small count can be read or worked back.

The rule, for a table of counts (rows × columns) whose columns are groups (the publics) and,
optionally, a total column that is the sum of the groups:

1. a count from 1 to minimum − 1 is hidden, wherever it is (primary masking; a zero says
   nobody, it stays);
2. a group whose base (the people it counts) is under the minimum is hidden whole;
3. secondary masking: wherever a line of the table adds up to a figure that is shown — a row
   adds up to its total column, a column of a single-choice question adds up to its base, the
   bases add up to the total base — a line with exactly one hidden count would give it back by
   subtraction, so the smallest other non-zero count of that line is hidden too; repeated until
   no line has a lone hidden count.

Plain lists in, plain lists out: the web layer decides how a hidden cell reads (« < 5 »)."""

from __future__ import annotations


def _small(count: int, minimum: int) -> bool:
    return 0 < count < minimum


def _hide_another(counts: list[int], hidden: list[bool]) -> bool | None:
    """In one line: when exactly one count is hidden, hides the smallest other non-zero one.
    True when it did; None when the line has a lone hidden count and nothing else to hide (the
    caller then hides the line's total); False when the line is safe."""
    if sum(hidden) != 1:
        return False
    others = [(count, index) for index, count in enumerate(counts) if not hidden[index] and count]
    if not others:
        return None
    hidden[min(others)[1]] = True
    return True


def protect(
    counts: list[list[int]],
    bases: list[int],
    minimum: int,
    *,
    total_column: int | None = None,
    columns_add_up: bool = False,
) -> tuple[list[list[bool]], list[bool]]:
    """(hidden cells, hidden bases) of a table of `counts` (rows × columns) with one base per
    column. `total_column`: the index of the column that sums the others (not a group: a small
    count there is hidden, a small base hides that base and not the whole column); `columns_add_up`: each column's counts sum to its base
    (a single-choice question). A line whose lone hidden count has no other to go with it has
    its total hidden instead (the total cell of a row, the base of a column)."""
    rows, width = len(counts), len(bases)
    groups = [index for index in range(width) if index != total_column]
    small_groups = [index in groups and _small(bases[index], minimum) for index in range(width)]
    # Every count shown under the minimum goes, the total column's too.
    hidden_bases = [_small(base, minimum) for base in bases]
    hidden = [
        [small_groups[column] or _small(counts[row][column], minimum) for column in range(width)]
        for row in range(rows)
    ]
    for _ in range((rows + 1) * (width + 1) + 1):  # each pass hides one thing more, or stops
        changed = False
        if total_column is not None:
            # The groups' bases add up to the total base.
            line = [bases[index] for index in groups]
            line_hidden = [hidden_bases[index] for index in groups]
            outcome = _hide_another(line, line_hidden)
            if outcome:
                for position, index in enumerate(groups):
                    hidden_bases[index] = line_hidden[position]
                changed = True
            elif outcome is None and not hidden_bases[total_column]:
                hidden_bases[total_column] = changed = True
            for row in range(rows):
                line = [counts[row][index] for index in groups]
                line_hidden = [hidden[row][index] for index in groups]
                outcome = _hide_another(line, line_hidden)
                if outcome:
                    for position, index in enumerate(groups):
                        hidden[row][index] = line_hidden[position]
                    changed = True
                elif outcome is None and not hidden[row][total_column]:
                    hidden[row][total_column] = changed = True
        if columns_add_up:
            for column in range(width):
                if small_groups[column]:
                    continue
                line = [counts[row][column] for row in range(rows)]
                line_hidden = [hidden[row][column] for row in range(rows)]
                outcome = _hide_another(line, line_hidden)
                if outcome:
                    for row in range(rows):
                        hidden[row][column] = line_hidden[row]
                    changed = True
                elif outcome is None and not hidden_bases[column]:
                    hidden_bases[column] = changed = True
        if not changed:
            break
    return hidden, hidden_bases


def protect_counts(counts: list[int], minimum: int, *, total_shown: bool = True) -> list[bool]:
    """One column of counts (respondents by commune…) beside its total: small counts hidden,
    and a lone one taken with the next smallest when the total is shown."""
    hidden = [_small(count, minimum) for count in counts]
    if total_shown:
        _hide_another(counts, hidden)  # a lone count with no other: the total is the sum of
        # zeros and itself, and the caller shows no total of one line
    return hidden
