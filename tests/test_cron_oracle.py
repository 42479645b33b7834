"""blocklint's cron parser against croniter, the authority: whatever blocklint accepts as a
standard five-field cron, croniter accepts and schedules; and what croniter rejects, blocklint
rejects. Checked by hypothesis over generated expressions, valid and broken."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blocklint.rules.triggers import cron_problem, next_runs

BOUNDS = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]
NAMES = [[], [], [], ["JAN", "feb", "Mar", "DEC"], ["MON", "tue", "Sun", "SAT"]]


def _item(field):
    low, high = BOUNDS[field]
    number = st.integers(low - 2, high + 2).map(str)
    values = st.one_of(number, st.sampled_from(NAMES[field])) if NAMES[field] else number
    base = st.one_of(st.just("*"), values, st.tuples(values, values).map("-".join))
    step = st.one_of(st.just(""), st.integers(0, high + 2).map(lambda n: f"/{n}"))
    return st.tuples(base, step).map("".join)


def _field(field):
    return st.lists(_item(field), min_size=1, max_size=3).map(",".join)


expressions = st.one_of(
    st.tuples(*[_field(index) for index in range(5)]).map(" ".join),
    st.text(alphabet="0123456789*/,-? LW#@ abcdefMONTUEJAN", max_size=24),
)


@pytest.mark.slow
@settings(max_examples=1500, deadline=None)
@given(expressions)
def test_what_blocklint_accepts_croniter_accepts(expression):
    from croniter import croniter

    if cron_problem(expression) is None:
        assert croniter.is_valid(expression.strip()), expression
        assert len(next_runs(expression, 2)) == 2
